// Limits and credentials of a FlightClient.
using Numa.Arrow;

namespace Numa.Flight;

/// <summary>Options of <see cref="FlightClient"/>.</summary>
public sealed class FlightClientOptions
{
    /// <summary>Sent as <c>authorization: Bearer &lt;token&gt;</c> on every call; <see cref="FlightClient.HandshakeAsync"/>
    /// replaces it with the token the server returns. Default: none.</summary>
    public string? BearerToken { get; init; }

    /// <summary>Largest response message accepted, in bytes. Default 64 MiB.</summary>
    public int MaxReceiveMessageSize { get; init; } = 64 * 1024 * 1024;

    /// <summary>Largest request message sent, in bytes. Default: no limit.</summary>
    public int MaxSendMessageSize { get; init; } = int.MaxValue;

    /// <summary>Limits applied to received Arrow messages. Default <see cref="ArrowReadOptions.Default"/>.</summary>
    public ArrowReadOptions ArrowReadOptions { get; init; } = ArrowReadOptions.Default;
}

// Ports, limits and authentication of the Flight data and meta servers.
using System.Net;
using Microsoft.Extensions.Logging;
using Numa.Arrow;

namespace Numa.Flight;

/// <summary>Options of <see cref="FlightServer"/> and <see cref="FlightService"/>. Longbow's defaults are data port
/// 3000 and meta port 3001 (cmd/longbow/main.go); here both default to port 0 on loopback (any free port).</summary>
public sealed class FlightServerOptions
{
    /// <summary>Where the data server (DoPut, DoGet, DoExchange, DoAction) listens. Default 127.0.0.1:0.</summary>
    public IPEndPoint DataEndPoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>Where the meta server (ListFlights, GetFlightInfo, GetSchema, DoAction, ListActions, Handshake, DoGet)
    /// listens. Default 127.0.0.1:0.</summary>
    public IPEndPoint MetaEndPoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>When set, every call except Handshake must carry <c>authorization: Bearer &lt;token&gt;</c>, else it
    /// ends with UNAUTHENTICATED; Handshake accepts the token as that header or as its payload and returns it.</summary>
    public string? BearerToken { get; init; }

    /// <summary>Largest FlightData (or other request message) accepted, in bytes; larger ones end the call with
    /// RESOURCE_EXHAUSTED before they are buffered. Default 64 MiB (Longbow: 512 MiB).</summary>
    public int MaxReceiveMessageSize { get; init; } = 64 * 1024 * 1024;

    /// <summary>Largest response message sent, in bytes. Default: no limit.</summary>
    public int MaxSendMessageSize { get; init; } = int.MaxValue;

    /// <summary>Rows per record batch in search results (Longbow: 4,096).</summary>
    public int SearchBatchRows { get; init; } = 4096;

    /// <summary>Most answer rows (queries × k) one DoExchange query batch may ask for; a batch asking more ends the call
    /// with INVALID_ARGUMENT before any search. Each query batch is answered by one record batch of 16 bytes per row,
    /// so the default, 1,048,576, keeps an answer at 16 MiB, inside a client's usual 64 MiB receive limit.</summary>
    public int MaxExchangeAnswerRows { get; init; } = 1 << 20;

    /// <summary>Limits applied to received Arrow messages. Default <see cref="ArrowReadOptions.Default"/>.</summary>
    public ArrowReadOptions ArrowReadOptions { get; init; } = ArrowReadOptions.Default;

    /// <summary>Where handler failures are logged. Default: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}

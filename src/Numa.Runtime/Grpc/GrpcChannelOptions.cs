// Limits and transport of a client channel.
namespace Numa.Grpc;

/// <summary>Options of <see cref="GrpcChannel"/>.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>Largest response message accepted, in bytes; a larger one fails the call with RESOURCE_EXHAUSTED
    /// before it is buffered. Default 4 MiB (gRPC's default).</summary>
    public int MaxReceiveMessageSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>Largest request message sent, in bytes; a larger one fails with RESOURCE_EXHAUSTED before anything
    /// is sent. Default: no limit.</summary>
    public int MaxSendMessageSize { get; init; } = int.MaxValue;

    /// <summary>The HTTP handler to send through; it must speak HTTP/2 without TLS (h2c with prior knowledge,
    /// as <see cref="System.Net.Http.SocketsHttpHandler"/> does). Default: a SocketsHttpHandler owned by the channel.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>Whether disposing the channel disposes <see cref="HttpHandler"/>. Default true.</summary>
    public bool DisposeHttpHandler { get; init; } = true;
}

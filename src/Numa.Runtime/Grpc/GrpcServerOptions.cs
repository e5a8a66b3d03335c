// Limits and behaviour of a gRPC server (GrpcServer, or GrpcDispatcher inside an existing Kestrel app).
using System.Net;
using Microsoft.Extensions.Logging;

namespace Numa.Grpc;

/// <summary>Options of <see cref="GrpcServer"/> and <see cref="GrpcDispatcher"/>.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Where <see cref="GrpcServer"/> listens (plain-text HTTP/2). Default 127.0.0.1, port 0 (any free port).</summary>
    public IPEndPoint EndPoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>Largest request message accepted, in bytes; larger ones end the call with RESOURCE_EXHAUSTED before
    /// they are buffered. Default 4 MiB (gRPC's default).</summary>
    public int MaxReceiveMessageSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>Largest response message sent, in bytes; a handler writing a larger one gets an
    /// <see cref="RpcException"/> RESOURCE_EXHAUSTED. Default: no limit (<see cref="int.MaxValue"/>).</summary>
    public int MaxSendMessageSize { get; init; } = int.MaxValue;

    /// <summary>When true, an unexpected handler exception's type and message go to the client in grpc-message;
    /// otherwise the client sees only "Exception was thrown by handler." (the exception is logged either way).</summary>
    public bool EnableDetailedErrors { get; init; }

    /// <summary>Where handler failures and protocol errors are logged. Default: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    internal void Validate()
    {
        if (MaxReceiveMessageSize <= 0) throw new ArgumentOutOfRangeException(nameof(MaxReceiveMessageSize), MaxReceiveMessageSize, "must be positive");
        if (MaxSendMessageSize <= 0) throw new ArgumentOutOfRangeException(nameof(MaxSendMessageSize), MaxSendMessageSize, "must be positive");
    }
}

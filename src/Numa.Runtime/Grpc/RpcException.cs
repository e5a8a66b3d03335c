// The exception that carries a gRPC status: thrown by handlers to choose the status they end with, and by the
// client when a call ends with anything but OK.
namespace Numa.Grpc;

/// <summary>A call that ended (or must end) with a non-OK <see cref="GrpcStatus"/>. Server handlers throw it to
/// send that status (and <see cref="Trailers"/>); the client throws it when the server's status is not OK, or
/// when the call failed locally (deadline, cancellation, connection), with the status the gRPC spec maps that to.</summary>
public sealed class RpcException : Exception
{
    /// <summary>Creates the exception for <paramref name="status"/>.</summary>
    public RpcException(GrpcStatus status, GrpcMetadata? trailers = null, Exception? innerException = null)
        : base($"Status({status.Code}, \"{status.Detail}\")", innerException)
    {
        Status = status;
        Trailers = trailers ?? new GrpcMetadata();
    }

    /// <summary>Creates the exception for <paramref name="code"/> with <paramref name="detail"/>.</summary>
    public RpcException(GrpcStatusCode code, string detail, Exception? innerException = null)
        : this(new GrpcStatus(code, detail), null, innerException)
    {
    }

    /// <summary>The status.</summary>
    public GrpcStatus Status { get; }

    /// <summary>The status code.</summary>
    public GrpcStatusCode StatusCode => Status.Code;

    /// <summary>Trailing metadata: sent with the status by a server, received with it by a client.</summary>
    public GrpcMetadata Trailers { get; }
}

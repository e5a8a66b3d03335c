// The response stream a server-streaming or duplex handler writes to.
namespace Numa.Grpc;

/// <summary>Writes response messages of one call. One write at a time; each write is flushed to the client unless
/// asked not to (HTTP/2 flow control applies to flushed writes: a slow client makes them wait).</summary>
/// <typeparam name="T">The response message type.</typeparam>
public sealed class GrpcServerStreamWriter<T>
{
    private readonly GrpcServerCallContext _call;
    private readonly GrpcMarshaller<T> _marshaller;

    internal GrpcServerStreamWriter(GrpcServerCallContext call, GrpcMarshaller<T> marshaller)
    {
        _call = call;
        _marshaller = marshaller;
    }

    /// <summary>Sends <paramref name="message"/>.</summary>
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED: larger than <see cref="GrpcServerOptions.MaxSendMessageSize"/>;
    /// DEADLINE_EXCEEDED: the deadline passed and the call was ended.</exception>
    /// <exception cref="OperationCanceledException">The call was cancelled (client gone, deadline) or
    /// <paramref name="cancellationToken"/> fired.</exception>
    public Task WriteAsync(T message, CancellationToken cancellationToken = default) =>
        _call.WriteAsync(_marshaller, message, flush: true, cancellationToken);

    /// <summary>Sends <paramref name="message"/>; with <paramref name="flush"/> false it is only buffered (gRPC's
    /// <c>WriteFlags.BufferHint</c>) and goes out with the next flushed write or the end of the call — a small
    /// answer of several messages then leaves in one write with its trailers, and the client wakes once.</summary>
    /// <inheritdoc cref="WriteAsync(T, CancellationToken)"/>
    public Task WriteAsync(T message, bool flush, CancellationToken cancellationToken = default) =>
        _call.WriteAsync(_marshaller, message, flush, cancellationToken);
}

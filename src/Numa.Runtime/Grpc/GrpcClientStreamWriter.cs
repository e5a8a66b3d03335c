// The request stream of a client-streaming or duplex call.
namespace Numa.Grpc;

/// <summary>Writes request messages of one client call; <see cref="CompleteAsync"/> ends the request stream
/// (END_STREAM). One write at a time.</summary>
/// <typeparam name="T">The request message type.</typeparam>
public sealed class GrpcClientStreamWriter<T>
{
    private readonly IGrpcRequestSink<T> _call;

    internal GrpcClientStreamWriter(IGrpcRequestSink<T> call) => _call = call;

    /// <summary>Sends <paramref name="message"/> and flushes it.</summary>
    /// <exception cref="RpcException">The call has failed or ended with a non-OK status (that status);
    /// RESOURCE_EXHAUSTED when the message is larger than <see cref="GrpcChannelOptions.MaxSendMessageSize"/>.</exception>
    /// <exception cref="InvalidOperationException">The request stream was already completed.</exception>
    public Task WriteAsync(T message, CancellationToken cancellationToken = default) =>
        _call.WriteRequestAsync(message, cancellationToken);

    /// <summary>Ends the request stream. Idempotent.</summary>
    public Task CompleteAsync() => _call.CompleteRequestAsync();
}

// A stream of incoming messages: the requests a server handler reads, or the responses a client reads.
using System.Runtime.CompilerServices;

namespace Numa.Grpc;

/// <summary>Reads a call's incoming messages one at a time. Not thread-safe: one reader at a time.
/// <see cref="MoveNextAsync"/> throws <see cref="RpcException"/> when the stream is broken (INTERNAL, with the
/// message number), a message is too large (RESOURCE_EXHAUSTED), or — on the client — the call ended with a
/// non-OK status.</summary>
/// <typeparam name="T">The message type.</typeparam>
public sealed class GrpcStreamReader<T>
{
    private readonly IGrpcMessageSource _source;
    private readonly GrpcMarshaller<T> _marshaller;
    private readonly CancellationToken _callToken;

    internal GrpcStreamReader(IGrpcMessageSource source, GrpcMarshaller<T> marshaller, CancellationToken callToken)
    {
        _source = source;
        _marshaller = marshaller;
        _callToken = callToken;
    }

    /// <summary>The message read by the last successful <see cref="MoveNextAsync"/>.</summary>
    public T Current { get; private set; } = default!;

    /// <summary>Reads the next message into <see cref="Current"/>; false when the sender has finished.
    /// Observes the call's cancellation (deadline, client gone) as well as <paramref name="cancellationToken"/>.</summary>
    public async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken = default)
    {
        bool read;
        if (!cancellationToken.CanBeCanceled || cancellationToken == _callToken)
        {
            read = await _source.ReadAsync(_callToken).ConfigureAwait(false);
        }
        else
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(_callToken, cancellationToken);
            read = await _source.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        if (!read)
        {
            Current = default!;
            return false;
        }
        try
        {
            Current = _marshaller.Deserialize(_source.Payload);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw _source.Abort(new RpcException(GrpcStatusCode.Internal,
                $"Message {_source.Count} of the {_source.StreamName} could not be deserialized: {ex.Message}", ex));
        }
        finally
        {
            _source.Consume();
        }
        return true;
    }

    /// <summary>All remaining messages.</summary>
    public async IAsyncEnumerable<T> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await MoveNextAsync(cancellationToken).ConfigureAwait(false)) yield return Current;
    }
}

// Where a GrpcStreamReader gets its messages: the server's request body, or the client's response (which also
// carries the trailers and the status).
using System.Buffers;

namespace Numa.Grpc;

internal interface IGrpcMessageSource
{
    /// <summary>"request of /svc/m" or "response of /svc/m".</summary>
    string StreamName { get; }

    /// <summary>The current message; valid until <see cref="Consume"/>.</summary>
    ReadOnlySequence<byte> Payload { get; }

    /// <summary>Messages read so far.</summary>
    long Count { get; }

    /// <summary>Reads the next message; false at a clean end of the stream. Throws <see cref="RpcException"/>.</summary>
    ValueTask<bool> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Releases the current message.</summary>
    void Consume();

    /// <summary>Ends the call after a message could not be deserialized; returns the exception to throw.</summary>
    RpcException Abort(RpcException error);
}

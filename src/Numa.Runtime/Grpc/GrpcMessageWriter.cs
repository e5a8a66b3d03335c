// Writes one Length-Prefixed-Message into a PipeWriter: the prefix, then the marshaller's bytes straight into the
// pipe's memory.
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace Numa.Grpc;

internal static class GrpcMessageWriter
{
    /// <summary>Writes <paramref name="message"/> with its 5-byte prefix (Compressed-Flag 0, big-endian length); the
    /// caller flushes. Throws RESOURCE_EXHAUSTED when the message is larger than <paramref name="maxMessageSize"/>,
    /// before anything is written.</summary>
    internal static void Write<T>(PipeWriter writer, GrpcMarshaller<T> marshaller, T message, int maxMessageSize, string stream)
    {
        int size = marshaller.GetSize(message);
        if (size < 0 || size > maxMessageSize)
            throw new RpcException(GrpcStatusCode.ResourceExhausted,
                $"The {stream} message is larger than the maximum ({size} vs. {maxMessageSize} bytes).");
        Span<byte> prefix = writer.GetSpan(GrpcProtocol.PrefixLength);
        prefix[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(prefix[1..], (uint)size);
        writer.Advance(GrpcProtocol.PrefixLength);
        long before = writer.CanGetUnflushedBytes ? writer.UnflushedBytes : -1;
        marshaller.Serialize(message, size, writer);
        if (before >= 0 && writer.UnflushedBytes - before != size)
            throw new InvalidOperationException(
                $"The marshaller of the {stream} wrote {writer.UnflushedBytes - before} bytes but GetSize said {size}; the stream is now corrupt.");
    }
}

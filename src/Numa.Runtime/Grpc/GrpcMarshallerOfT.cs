// How a message type becomes the bytes of a Length-Prefixed-Message and back. Pluggable so that protobuf messages
// (Google.Protobuf) and hand-written encoders (e.g. FlightData with a large body) share one transport.
using System.Buffers;

namespace Numa.Grpc;

/// <summary>Serializes and deserializes one message type for the gRPC framing layer.
/// <para>Sending: the transport asks <see cref="GetSize"/> (it goes into the 4-byte length prefix and is checked
/// against the maximum send size), then <see cref="Serialize"/> writes exactly that many bytes straight into the
/// transport's buffer (Kestrel's response pipe, or the HTTP/2 request stream's pipe) — no intermediate array.</para>
/// <para>Receiving: <see cref="Deserialize"/> sees the message where the transport received it (the pipe's
/// segments, possibly several). The sequence is valid only during the call: copy out what you keep, once, to its
/// final place (e.g. a node-local arena).</para>
/// Factories: <see cref="GrpcMarshaller"/>.</summary>
/// <typeparam name="T">The message type.</typeparam>
public abstract class GrpcMarshaller<T>
{
    /// <summary>The exact number of bytes <see cref="Serialize"/> writes for <paramref name="message"/>.</summary>
    public abstract int GetSize(T message);

    /// <summary>Writes <paramref name="message"/>: exactly <paramref name="size"/> bytes (from <see cref="GetSize"/>).</summary>
    public abstract void Serialize(T message, int size, IBufferWriter<byte> destination);

    /// <summary>Reads one message from <paramref name="payload"/> (the whole message, without its 5-byte prefix).</summary>
    /// <exception cref="Exception">Any exception: the transport reports it as status INTERNAL naming the message.</exception>
    public abstract T Deserialize(in ReadOnlySequence<byte> payload);
}

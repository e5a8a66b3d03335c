// Ready-made marshallers: Google.Protobuf messages, raw bytes, and delegates.
using System.Buffers;
using Google.Protobuf;

namespace Numa.Grpc;

/// <summary>Factories for <see cref="GrpcMarshaller{T}"/>.</summary>
public static class GrpcMarshaller
{
    /// <summary>A Google.Protobuf message type: <c>CalculateSize</c>, <c>WriteTo(IBufferWriter)</c> and
    /// <c>MessageParser.ParseFrom(ReadOnlySequence)</c> (the parser copies bytes fields into its own ByteStrings).</summary>
    public static GrpcMarshaller<T> ForProtobuf<T>(MessageParser<T> parser) where T : IMessage<T> =>
        new ProtobufMarshaller<T>(parser);

    /// <summary>Raw message bytes: sends the memory as the message (one copy, into the transport's buffer);
    /// receives into a new array.</summary>
    public static GrpcMarshaller<ReadOnlyMemory<byte>> Bytes { get; } = new BytesMarshaller();

    /// <summary>A marshaller from three delegates, with the contracts of <see cref="GrpcMarshaller{T}"/>.</summary>
    public static GrpcMarshaller<T> Create<T>(Func<T, int> getSize, Action<T, IBufferWriter<byte>> serialize,
        GrpcDeserializer<T> deserialize) => new DelegateMarshaller<T>(getSize, serialize, deserialize);

    private sealed class ProtobufMarshaller<T>(MessageParser<T> parser) : GrpcMarshaller<T> where T : IMessage<T>
    {
        public override int GetSize(T message) => message.CalculateSize();

        public override void Serialize(T message, int size, IBufferWriter<byte> destination) => message.WriteTo(destination);

        public override T Deserialize(in ReadOnlySequence<byte> payload) => parser.ParseFrom(payload);
    }

    private sealed class BytesMarshaller : GrpcMarshaller<ReadOnlyMemory<byte>>
    {
        public override int GetSize(ReadOnlyMemory<byte> message) => message.Length;

        public override void Serialize(ReadOnlyMemory<byte> message, int size, IBufferWriter<byte> destination) =>
            destination.Write(message.Span);

        public override ReadOnlyMemory<byte> Deserialize(in ReadOnlySequence<byte> payload) => payload.ToArray();
    }

    private sealed class DelegateMarshaller<T>(Func<T, int> getSize, Action<T, IBufferWriter<byte>> serialize,
        GrpcDeserializer<T> deserialize) : GrpcMarshaller<T>
    {
        public override int GetSize(T message) => getSize(message);

        public override void Serialize(T message, int size, IBufferWriter<byte> destination) => serialize(message, destination);

        public override T Deserialize(in ReadOnlySequence<byte> payload) => deserialize(payload);
    }
}

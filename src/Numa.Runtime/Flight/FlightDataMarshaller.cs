// FlightData on the wire, by hand: Google.Protobuf's parser would copy data_body into a ByteString (and our decoder
// would then view that copy), and its writer needs the body as one array. Here the body is copied exactly once on
// receive (transport segments → one owned, 8-byte-aligned array) and once on send (column buffers → transport).
// Protobuf encoding: https://protobuf.dev/programming-guides/encoding/ (varints, tags, LEN fields, unknown fields).
using System.Buffers;
using Google.Protobuf;
using Numa.Flight.Protocol;
using Numa.Grpc;

namespace Numa.Flight;

/// <summary>The <see cref="GrpcMarshaller{T}"/> of Flight.proto's <c>FlightData</c> as <see cref="FlightDataMessage"/>.
/// Writes fields 1, 2, 3 then 1000 (the body last, as Flight.proto recommends); reads them in any order (the last
/// occurrence of a bytes field wins, descriptors merge), skips unknown fields, and rejects malformed protobuf
/// (truncated varints, lengths past the message, groups) with an <see cref="InvalidDataException"/> naming the field
/// and byte offset — the gRPC layer turns it into status INTERNAL.</summary>
public sealed class FlightDataMarshaller : GrpcMarshaller<FlightDataMessage>
{
    private const uint DescriptorTag = (1 << 3) | 2;
    private const uint HeaderTag = (2 << 3) | 2;
    private const uint AppMetadataTag = (3 << 3) | 2;
    private const uint BodyTag = (1000 << 3) | 2;

    /// <summary>The shared instance (stateless).</summary>
    public static FlightDataMarshaller Instance { get; } = new();

    private FlightDataMarshaller()
    {
    }

    /// <inheritdoc/>
    public override int GetSize(FlightDataMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        long size = 0;
        if (message.Descriptor is { } descriptor) size += FieldSize(1, descriptor.CalculateSize());
        if (!message.DataHeader.IsEmpty) size += FieldSize(2, message.DataHeader.Length);
        if (!message.AppMetadata.IsEmpty) size += FieldSize(3, message.AppMetadata.Length);
        if (message.BodyLength > 0) size += FieldSize(1000, message.BodyLength);
        return size > int.MaxValue
            ? throw new RpcException(GrpcStatusCode.ResourceExhausted, $"A FlightData of {size} bytes exceeds the 2 GiB limit of one gRPC message.")
            : (int)size;
    }

    /// <inheritdoc/>
    public override void Serialize(FlightDataMessage message, int size, IBufferWriter<byte> destination)
    {
        if (message.Descriptor is { } descriptor)
        {
            WriteLengthPrefix(destination, DescriptorTag, descriptor.CalculateSize());
            descriptor.WriteTo(destination);
        }
        WriteBytesField(destination, HeaderTag, message.DataHeader.Span);
        WriteBytesField(destination, AppMetadataTag, message.AppMetadata.Span);
        if (message.BodyLength == 0) return;
        WriteLengthPrefix(destination, BodyTag, message.BodyLength);
        if (message.BodySource is { } encoder) encoder.WriteBody(destination);
        else destination.Write(message.DataBody.Span);
    }

    /// <inheritdoc/>
    public override FlightDataMessage Deserialize(in ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        FlightDescriptor? descriptor = null;
        byte[] header = [], appMetadata = [], body = [];
        while (!reader.End)
        {
            long at = reader.Consumed;
            ulong tag = ReadVarint(ref reader, "a field tag");
            int wireType = (int)(tag & 7);
            ulong field = tag >> 3;
            if (field == 0) throw new InvalidDataException($"FlightData: field number 0 at byte {at}.");
            switch (wireType)
            {
                case 0:
                    ReadVarint(ref reader, $"field {field}");
                    break;
                case 1 or 5:
                    Skip(ref reader, wireType == 1 ? 8 : 4, field, at);
                    break;
                case 2:
                {
                    ulong length = ReadVarint(ref reader, $"the length of field {field}");
                    if (length > (ulong)reader.Remaining)
                        throw new InvalidDataException($"FlightData field {field} at byte {at} declares {length} bytes; only {reader.Remaining} remain.");
                    var value = payload.Slice(reader.Position, (long)length);
                    switch (field)
                    {
                        case 1:
                            descriptor ??= new FlightDescriptor();
                            descriptor.MergeFrom(value);
                            break;
                        case 2: header = Copy(value); break;
                        case 3: appMetadata = Copy(value); break;
                        case 1000: body = Copy(value); break;
                    }
                    reader.Advance((long)length);
                    break;
                }
                default:
                    throw new InvalidDataException($"FlightData: field {field} at byte {at} has wire type {wireType} (groups and unknown types are not allowed).");
            }
        }
        return new FlightDataMessage(descriptor, header, body, appMetadata);
    }

    private static byte[] Copy(in ReadOnlySequence<byte> value)
    {
        if (value.IsEmpty) return [];
        // Uninitialized: every byte is overwritten. New arrays start 8-byte aligned, which Arrow buffers need.
        var array = GC.AllocateUninitializedArray<byte>((int)value.Length);
        value.CopyTo(array);
        return array;
    }

    private static void Skip(ref SequenceReader<byte> reader, int count, ulong field, long at)
    {
        if (reader.Remaining < count)
            throw new InvalidDataException($"FlightData field {field} at byte {at} needs {count} bytes; only {reader.Remaining} remain.");
        reader.Advance(count);
    }

    private static ulong ReadVarint(ref SequenceReader<byte> reader, string what)
    {
        long at = reader.Consumed;
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (!reader.TryRead(out byte b))
                throw new InvalidDataException($"FlightData: {what} at byte {at} is a truncated varint.");
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new InvalidDataException($"FlightData: {what} at byte {at} is a varint longer than 10 bytes.");
    }

    private static int FieldSize(int field, int length) =>
        CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeLengthSize(length) + length;

    private static void WriteBytesField(IBufferWriter<byte> destination, uint tag, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty) return;
        WriteLengthPrefix(destination, tag, value.Length);
        destination.Write(value);
    }

    private static void WriteLengthPrefix(IBufferWriter<byte> destination, uint tag, int length)
    {
        var span = destination.GetSpan(10);
        int n = WriteVarint(span, tag);
        n += WriteVarint(span[n..], (uint)length);
        destination.Advance(n);
    }

    private static int WriteVarint(Span<byte> span, uint value)
    {
        int n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        return n;
    }
}

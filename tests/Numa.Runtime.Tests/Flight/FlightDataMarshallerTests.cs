// FlightData on the wire: field numbers equal Flight.proto's, our hand-written encoding equals Google.Protobuf's, the
// body arrives as one aligned array, unknown fields are skipped, and malformed protobuf fails with the byte offset.
using System.Buffers;
using Google.Protobuf;
using Numa.Arrow;
using Numa.Flight;
using Numa.Flight.Protocol;

namespace Numa.Tests.Flight;

public class FlightDataMarshallerTests
{
    [Fact]
    public void Generated_messages_carry_the_field_numbers_of_Arrow_Flight_proto()
    {
        var data = FlightData.Descriptor;
        Assert.Equal("arrow.flight.protocol.FlightData", data.FullName);
        Assert.Equal(1, data.FindFieldByName("flight_descriptor").FieldNumber);
        Assert.Equal(2, data.FindFieldByName("data_header").FieldNumber);
        Assert.Equal(3, data.FindFieldByName("app_metadata").FieldNumber);
        Assert.Equal(1000, data.FindFieldByName("data_body").FieldNumber);
        Assert.Equal(3, FlightDescriptor.Descriptor.FindFieldByName("path").FieldNumber);
        Assert.Equal(2, FlightDescriptor.Descriptor.FindFieldByName("cmd").FieldNumber);
        Assert.Equal(7, FlightInfo.Descriptor.FindFieldByName("app_metadata").FieldNumber);
        Assert.Equal(4, FlightInfo.Descriptor.FindFieldByName("total_records").FieldNumber);
        Assert.Equal(4, FlightEndpoint.Descriptor.FindFieldByName("app_metadata").FieldNumber);
        Assert.Equal(1, SchemaResult.Descriptor.FindFieldByName("schema").FieldNumber);
        Assert.Equal("arrow.flight.protocol.FlightService", FlightMethods.ServiceName);
        Assert.Equal("/arrow.flight.protocol.FlightService/DoPut", FlightMethods.DoPut.FullName);
    }

    [Fact]
    public void Encoding_equals_Google_Protobufs_and_decodes_back()
    {
        var schema = FlightTestHost.Schema(4);
        var batch = FlightTestHost.Batch(schema, 10, 5, seed: 1, out _);
        var encoder = new ArrowMessageEncoder();
        byte[] header = encoder.EncodeRecordBatch(batch).ToArray();
        var body = new byte[encoder.BodyLength];
        encoder.WriteBody(body);
        var descriptor = FlightClient.PathDescriptor("docs");

        var reference = new FlightData
        {
            FlightDescriptor = descriptor,
            DataHeader = ByteString.CopyFrom(header),
            AppMetadata = ByteString.CopyFromUtf8("meta"),
            DataBody = ByteString.CopyFrom(body),
        }.ToByteArray();

        var marshaller = FlightDataMarshaller.Instance;
        Assert.Equal(reference, Serialize(new FlightDataMessage(descriptor, header, body, "meta"u8.ToArray())));
        Assert.Equal(reference, Serialize(new FlightDataMessage(descriptor, header, encoder, "meta"u8.ToArray())));   // body from the encoder

        var decoded = marshaller.Deserialize(new ReadOnlySequence<byte>(reference));
        Assert.Equal(descriptor, decoded.Descriptor);
        Assert.Equal(header, decoded.DataHeader.ToArray());
        Assert.Equal(body, decoded.DataBody.ToArray());
        Assert.Equal("meta"u8.ToArray(), decoded.AppMetadata.ToArray());
        var roundTrip = ArrowMessageDecoder.DecodeRecordBatch(schema, decoded.DataHeader.Span, decoded.DataBody);
        Assert.Equal(batch.Column("id").GetValues<long>().ToArray(), roundTrip.Column("id").GetValues<long>().ToArray());
    }

    [Fact]
    public void A_body_split_across_segments_arrives_whole_and_aligned()
    {
        var body = new byte[1000];
        new Random(2).NextBytes(body);
        var bytes = new FlightData { DataHeader = ByteString.CopyFromUtf8("h"), DataBody = ByteString.CopyFrom(body) }.ToByteArray();
        var sequence = Segments(bytes, 7);
        var decoded = FlightDataMarshaller.Instance.Deserialize(sequence);
        Assert.Equal(body, decoded.DataBody.ToArray());
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(decoded.DataBody, out var segment));
        Assert.Equal(0, segment.Offset);
    }

    [Fact]
    public void Unknown_fields_of_every_wire_type_are_skipped()
    {
        var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(50, WireFormat.WireType.Varint); output.WriteUInt64(300);
        output.WriteTag(51, WireFormat.WireType.Fixed64); output.WriteFixed64(7);
        output.WriteTag(52, WireFormat.WireType.Fixed32); output.WriteFixed32(7);
        output.WriteTag(53, WireFormat.WireType.LengthDelimited); output.WriteBytes(ByteString.CopyFromUtf8("skip me"));
        output.WriteTag(2, WireFormat.WireType.LengthDelimited); output.WriteBytes(ByteString.CopyFromUtf8("header"));
        output.Flush();
        var decoded = FlightDataMarshaller.Instance.Deserialize(new ReadOnlySequence<byte>(stream.ToArray()));
        Assert.Equal("header"u8.ToArray(), decoded.DataHeader.ToArray());
        Assert.True(decoded.DataBody.IsEmpty);
    }

    [Theory]
    [InlineData(new byte[] { 0xC2, 0x3E, 0x10, 1, 2 }, "field 1000 at byte 0 declares 16 bytes; only 2 remain")]
    [InlineData(new byte[] { 0x12, 0x80 }, "truncated varint")]
    [InlineData(new byte[] { 0x13 }, "wire type 3")]
    [InlineData(new byte[] { 0x00 }, "field number 0")]
    [InlineData(new byte[] { 0x12, 0x01, 0xAA, 0x09, 1, 2 }, "field 1 at byte 3 needs 8 bytes")]
    public void Malformed_protobuf_fails_naming_the_field_and_offset(byte[] bytes, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(() => FlightDataMarshaller.Instance.Deserialize(new ReadOnlySequence<byte>(bytes)));
        Assert.Contains(expected, ex.Message);
    }

    private static byte[] Serialize(FlightDataMessage message)
    {
        var marshaller = FlightDataMarshaller.Instance;
        int size = marshaller.GetSize(message);
        var writer = new ArrayBufferWriter<byte>();
        marshaller.Serialize(message, size, writer);
        Assert.Equal(size, writer.WrittenCount);
        return writer.WrittenSpan.ToArray();
    }

    private static ReadOnlySequence<byte> Segments(byte[] bytes, int size)
    {
        Segment? first = null, last = null;
        for (int at = 0; at < bytes.Length; at += size)
        {
            var chunk = bytes.AsMemory(at, Math.Min(size, bytes.Length - at));
            if (first is null) first = last = new Segment(chunk, 0);
            else last = last!.Append(chunk);
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

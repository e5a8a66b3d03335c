// Numa.Arrow reads back what it writes — streams, files and Flight-style (header, body) pairs — and reads bytes
// apache-arrow wrote, viewing column data in place.
using System.Buffers;
using System.Runtime.InteropServices;
using Numa.Arrow;

namespace Numa.Tests.Arrow;

public sealed class ArrowRoundTripTests
{
    private static (ArrowSchema Schema, ArrowRecordBatch[] Batches) Sample()
    {
        var schema = ArrowTestData.AllTypes();
        return (schema, [ArrowTestData.AllTypesBatch(schema, 0, 10), ArrowTestData.AllTypesBatch(schema, 10, 1), ArrowTestData.AllTypesBatch(schema, 11, 0), ArrowTestData.AllTypesBatch(schema, 11, 37)]);
    }

    private static byte[] WriteStream(ArrowSchema schema, IEnumerable<ArrowRecordBatch> batches)
    {
        var output = new MemoryStream();
        using (var writer = new ArrowStreamWriter(output, schema, leaveOpen: true))
        {
            foreach (var batch in batches) writer.WriteRecordBatch(batch);
            writer.Finish();
        }
        return output.ToArray();
    }

    [Fact]
    public void A_stream_of_every_type_with_nulls_and_metadata_reads_back_value_for_value()
    {
        var (schema, batches) = Sample();
        var bytes = WriteStream(schema, batches);
        Assert.Equal(0, bytes.Length % 8);
        Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0], bytes[^8..]);

        var reader = new ArrowStreamReader(bytes);
        ArrowTestData.AssertSameSchema(schema, reader.Schema);
        var read = reader.ReadAll().ToArray();
        Assert.Equal(batches.Length, read.Length);
        for (int i = 0; i < batches.Length; i++) ArrowTestData.AssertSameValues(batches[i], read[i]);
    }

    [Fact]
    public void A_stream_read_through_System_IO_Stream_matches_the_in_memory_read()
    {
        var (schema, batches) = Sample();
        var bytes = WriteStream(schema, batches);
        using var reader = new ArrowStreamReader(new TrickleStream(bytes, 3));
        ArrowTestData.AssertSameSchema(schema, reader.Schema);
        var read = reader.ReadAll().ToArray();
        Assert.Equal(batches.Length, read.Length);
        for (int i = 0; i < batches.Length; i++) ArrowTestData.AssertSameValues(batches[i], read[i]);
    }

    [Fact]
    public void A_file_reads_back_by_index_and_its_footer_lists_every_batch()
    {
        var (schema, batches) = Sample();
        var output = new MemoryStream();
        using (var writer = new ArrowFileWriter(output, schema, leaveOpen: true))
        {
            foreach (var batch in batches) writer.WriteRecordBatch(batch);
            writer.Finish();
        }
        var bytes = output.ToArray();
        Assert.Equal("ARROW1"u8.ToArray(), bytes[..6]);
        Assert.Equal("ARROW1"u8.ToArray(), bytes[^6..]);

        var reader = new ArrowFileReader(bytes);
        ArrowTestData.AssertSameSchema(schema, reader.Schema);
        Assert.Equal(batches.Length, reader.RecordBatchCount);
        ArrowTestData.AssertSameValues(batches[3], reader.ReadRecordBatch(3));
        ArrowTestData.AssertSameValues(batches[0], reader.ReadRecordBatch(0));
        // The file's stream part is itself a valid stream after the 8-byte magic.
        var stream = new ArrowStreamReader(bytes.AsMemory(8));
        Assert.Equal(batches.Length, stream.ReadAll().Count());
    }

    [Fact]
    public void Flight_pairs_decode_to_the_same_batch_and_every_body_writer_writes_the_same_bytes()
    {
        var (schema, batches) = Sample();
        var encoder = new ArrowMessageEncoder();
        var schemaHeader = encoder.EncodeSchema(schema).ToArray();
        Assert.Equal(ArrowMessageType.Schema, ArrowMessageDecoder.GetMessageType(schemaHeader));
        var decodedSchema = ArrowMessageDecoder.DecodeSchema(schemaHeader);
        ArrowTestData.AssertSameSchema(schema, decodedSchema);

        var header = encoder.EncodeRecordBatch(batches[0]).ToArray();
        Assert.Equal(ArrowMessageType.RecordBatch, ArrowMessageDecoder.GetMessageType(header));
        Assert.Equal(encoder.BodyLength, ArrowMessageDecoder.GetBodyLength(header));
        Assert.Equal(0, encoder.BodyLength % 8);
        var span = new byte[encoder.BodyLength];
        encoder.WriteBody(span);
        var stream = new MemoryStream();
        encoder.WriteBody(stream);
        var bufferWriter = new ArrayBufferWriter<byte>();
        encoder.WriteBody(bufferWriter);
        Assert.Equal(span, stream.ToArray());
        Assert.Equal(span, bufferWriter.WrittenSpan.ToArray());

        ArrowTestData.AssertSameValues(batches[0], ArrowMessageDecoder.DecodeRecordBatch(decodedSchema, header, span));
    }

    [Fact]
    public void An_encapsulated_schema_decodes_to_the_schema()
    {
        var schema = ArrowTestData.AllTypes();
        var bytes = new ArrowMessageEncoder().EncodeEncapsulatedSchema(schema);
        Assert.Equal(0, bytes.Length % 8);
        ArrowTestData.AssertSameSchema(schema, ArrowMessageDecoder.DecodeEncapsulatedSchema(bytes));
    }

    [Fact]
    public unsafe void Decoded_columns_view_the_input_bytes_without_copying()
    {
        var schema = new ArrowSchema([new ArrowField("id", ArrowType.Int64), new ArrowField("vector", ArrowTestData.Vector4)]);
        var vectors = Enumerable.Range(0, 400).Select(i => (float)i).ToArray();
        var batch = new ArrowRecordBatch(schema, 100, [ArrowArray.Int64(Enumerable.Range(0, 100).Select(i => (long)i).ToArray()), ArrowArray.FixedSizeList(ArrowTestData.Vector4, 100, ArrowArray.Float32(vectors))]);
        var bytes = WriteStream(schema, [batch]);

        var read = new ArrowStreamReader(bytes).ReadNextBatch()!;
        var vector = read.Column("vector");
        Assert.Equal([40f, 41f, 42f, 43f], vector.GetListValues<float>(10).ToArray());
        fixed (byte* start = bytes)
        fixed (float* values = vector.Values!.GetValues<float>())
        fixed (long* ids = read.Columns[0].GetValues<long>())
        {
            Assert.InRange((nint)values, (nint)start, (nint)(start + bytes.Length - 1600));
            Assert.InRange((nint)ids, (nint)start, (nint)(start + bytes.Length - 800));
        }
    }

    [Fact]
    public unsafe void The_writer_hands_the_callers_column_memory_to_the_stream_without_copying_it()
    {
        var schema = new ArrowSchema([new ArrowField("v", ArrowType.Float32, nullable: false)]);
        var values = GC.AllocateArray<float>(1000, pinned: true);
        for (int i = 0; i < values.Length; i++) values[i] = i * 1.5f;
        var recorder = new WriteRecorder();
        using (var writer = new ArrowStreamWriter(recorder, schema))
        {
            writer.WriteRecordBatch(new ArrowRecordBatch(schema, values.Length, [ArrowArray.Float32(values)]));
            writer.Finish();
        }
        fixed (float* p = values)
            Assert.Contains(((nint)p, 4000), recorder.Writes);
    }

    [Fact]
    public void A_stream_that_ends_without_the_end_of_stream_marker_reads_to_its_last_batch()
    {
        var (schema, batches) = Sample();
        var bytes = WriteStream(schema, batches)[..^8];
        Assert.Equal(batches.Length, new ArrowStreamReader(bytes).ReadAll().Count());
    }

    [Fact]
    public void A_schema_only_stream_has_a_schema_and_no_batches()
    {
        var schema = ArrowTestData.AllTypes();
        var reader = new ArrowStreamReader(WriteStream(schema, []));
        ArrowTestData.AssertSameSchema(schema, reader.Schema);
        Assert.Null(reader.ReadNextBatch());
        Assert.Null(reader.ReadNextBatch());
    }

    [Fact]
    public void A_stream_written_by_apache_arrow_21_reads_correctly()
    {
        // tableToIPC(new Table({id: Int64 [1..5], vector: FixedSizeList[4]<Float32 not null> [[1..4] .. [17..20]]}), 'stream')
        // from apache-arrow 21.2.0 (tests/interop/arrow).
        var bytes = Convert.FromBase64String(
            "/////wABAAAQAAAAAAAKABAADgAHAAgACgAAAAAAAAEQAAAAAAAEAAgACAAAAAQACAAAAAQAAAACAAAAlAAAAAQAAACE////FAAAAAAAAAEYAAAAAAAAEGAAAAAGAAAAdmVjdG9yAAABAAAAFAAAABAAFAAEAAAADwAQAAAACAAQAAAAEAAAABgAAAAAAAADHAAAAAQAAABpdGVtAAAAAAAAAAAAAAYABgAEAAYAAAABAAYACAAEAAYAAAAEAAAAEAAYAAQACwATABQAAAAMABAAAAAUAAAAAAAAARQAAAAAAAACGAAAAAIAAABpZAAAAAAAAAgADAAIAAcACAAAAAAAAAFAAAAA/////9gAAAAUAAAAAAAAAAwAFgAUAA8AEAAEAAwAAAB4AAAAAAAAAAAAAAMQAAAABAAKABgADAAIAAQACgAAABQAAABoAAAABQAAAAAAAAAAAAAABQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACgAAAAAAAAAKAAAAAAAAAAAAAAAAAAAACgAAAAAAAAAAAAAAAAAAAAoAAAAAAAAAFAAAAAAAAAAAAAAAAMAAAAFAAAAAAAAAAAAAAAAAAAABQAAAAAAAAAAAAAAAAAAABQAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAIAAAAAAAAAAwAAAAAAAAAEAAAAAAAAAAUAAAAAAAAAAACAPwAAAEAAAEBAAACAQAAAoEAAAMBAAADgQAAAAEEAABBBAAAgQQAAMEEAAEBBAABQQQAAYEEAAHBBAACAQQAAiEEAAJBBAACYQQAAoEH/////AAAAAA==");
        var reader = new ArrowStreamReader(bytes);
        Assert.Equal("id: Int64, vector: FixedSizeList<Float32 not null>[4]", reader.Schema.ToString());
        Assert.False(reader.Schema.Fields[1].Type.ValueField!.Nullable);
        var batch = reader.ReadNextBatch()!;
        Assert.Equal([1L, 2L, 3L, 4L, 5L], batch.Column("id").GetValues<long>().ToArray());
        Assert.Equal([17f, 18f, 19f, 20f], batch.Column("vector").GetListValues<float>(4).ToArray());
        Assert.Null(reader.ReadNextBatch());
    }

    [Fact]
    public void The_writer_rejects_a_batch_of_another_schema()
    {
        var schema = new ArrowSchema([new ArrowField("a", ArrowType.Int32)]);
        var other = new ArrowSchema([new ArrowField("a", ArrowType.Int64)]);
        using var writer = new ArrowStreamWriter(new MemoryStream(), schema);
        var e = Assert.Throws<ArgumentException>(() => writer.WriteRecordBatch(new ArrowRecordBatch(other, 1, [ArrowArray.Int64(new long[] { 1 })])));
        Assert.Contains("Int64", e.Message);
    }

    [Fact]
    public void A_batch_rejects_columns_that_do_not_match_its_schema()
    {
        var schema = new ArrowSchema([new ArrowField("a", ArrowType.Int32, nullable: false)]);
        Assert.Throws<ArgumentException>(() => new ArrowRecordBatch(schema, 2, [ArrowArray.Int32(new[] { 1 })]));
        Assert.Throws<ArgumentException>(() => new ArrowRecordBatch(schema, 1, [ArrowArray.Float32(new[] { 1f })]));
        Assert.Throws<ArgumentException>(() => new ArrowRecordBatch(schema, 2, [ArrowArray.Int32(new[] { 1, 2 }, ArrowBitmap.Pack([true, false]))]));
    }

    [Fact]
    public void Array_builders_reject_inconsistent_buffers()
    {
        Assert.Throws<ArgumentException>(() => ArrowArray.Variable(ArrowType.Utf8, new[] { 0, 3, 2 }, new byte[3]));
        Assert.Throws<ArgumentException>(() => ArrowArray.Variable(ArrowType.Binary, new[] { 0, 9 }, new byte[3]));
        Assert.Throws<ArgumentException>(() => ArrowArray.FixedSizeList(ArrowTestData.Vector4, 3, ArrowArray.Float32(new float[8])));
        Assert.Throws<ArgumentException>(() => ArrowArray.Int32(new int[20], new byte[2]));
        Assert.Throws<ArgumentException>(() => ArrowArray.List(ArrowTestData.FloatList, new[] { 0, 1 }, ArrowArray.Int32(new[] { 1 })));
    }

    /// <summary>A read-only stream that returns at most <c>chunk</c> bytes per Read, as sockets do.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);
    }

    /// <summary>A write-only sink that records where each Write call's bytes were and how many.</summary>
    private sealed unsafe class WriteRecorder : Stream
    {
        public List<(nint Address, int Length)> Writes { get; } = [];

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            fixed (byte* p = buffer) Writes.Add(((nint)p, buffer.Length));
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

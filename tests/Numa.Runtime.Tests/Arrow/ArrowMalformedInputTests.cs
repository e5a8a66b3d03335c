// Untrusted Arrow IPC bytes: truncation anywhere, random corruption, lying lengths, bad buffers and offsets,
// oversized messages, unsupported features — each fails with an ArrowFormatException that says what is wrong.
using System.Buffers.Binary;
using System.Text;
using Numa.Arrow;
using Numa.Arrow.FlatBuffers;

namespace Numa.Tests.Arrow;

public sealed class ArrowMalformedInputTests
{
    private static readonly ArrowSchema s_int32 = new([new ArrowField("a", ArrowType.Int32)]);
    private static readonly ArrowSchema s_utf8 = new([new ArrowField("s", ArrowType.Utf8)]);

    private static ArrowFormatException Rejects(byte[] stream, ArrowReadOptions? options = null) =>
        Assert.Throws<ArrowFormatException>(() => new ArrowStreamReader(stream, options).ReadAll().ToList());

    private static byte[] Int32Batch((long, long)[] nodes, (long, long)[] buffers, byte[] body, long? bodyLength = null) =>
        RawIpc.OneBatch(s_int32, RawIpc.RecordBatch(2, nodes, buffers, bodyLength ?? body.Length), body);

    private static (byte[] Bytes, HashSet<int> Boundaries) ValidStream()
    {
        var schema = ArrowTestData.AllTypes();
        var output = new MemoryStream();
        var boundaries = new HashSet<int>();
        using var writer = new ArrowStreamWriter(output, schema, leaveOpen: true);
        writer.WriteSchema();
        boundaries.Add((int)writer.Position);
        foreach (var (first, n) in new[] { (0, 9), (9, 4) })
        {
            writer.WriteRecordBatch(ArrowTestData.AllTypesBatch(schema, first, n));
            boundaries.Add((int)writer.Position);
        }
        writer.Finish();
        return (output.ToArray(), boundaries);
    }

    [Fact]
    public void A_stream_cut_anywhere_but_a_message_boundary_is_rejected_as_truncated()
    {
        var (bytes, boundaries) = ValidStream();
        for (int cut = 0; cut < bytes.Length - 8; cut++)
        {
            var prefix = bytes[..cut];
            if (boundaries.Contains(cut))
            {
                // A stream may end by closing; what was complete reads fine.
                new ArrowStreamReader(prefix).ReadAll().ToList();
                continue;
            }
            var e = Assert.Throws<ArrowFormatException>(() => new ArrowStreamReader(prefix).ReadAll().ToList());
            Assert.False(string.IsNullOrEmpty(e.Message));
            Assert.Throws<ArrowFormatException>(() => new ArrowStreamReader(new MemoryStream(prefix)).ReadAll().ToList());
        }
    }

    [Fact]
    public void A_file_cut_anywhere_is_rejected()
    {
        var schema = ArrowTestData.AllTypes();
        var output = new MemoryStream();
        using (var writer = new ArrowFileWriter(output, schema, leaveOpen: true))
        {
            writer.WriteRecordBatch(ArrowTestData.AllTypesBatch(schema, 0, 5));
            writer.Finish();
        }
        var bytes = output.ToArray();
        for (int cut = 0; cut < bytes.Length; cut++)
            Assert.Throws<ArrowFormatException>(() => new ArrowFileReader(bytes.AsMemory(0, cut)).ReadAll().ToList());
    }

    [Fact]
    public void Random_corruption_never_escapes_as_anything_but_ArrowFormatException()
    {
        var (bytes, _) = ValidStream();
        var random = new Random(20261122);
        int rejected = 0;
        for (int round = 0; round < 3000; round++)
        {
            var corrupt = (byte[])bytes.Clone();
            for (int k = random.Next(1, 4); k > 0; k--) corrupt[random.Next(corrupt.Length)] = (byte)random.Next(256);
            try
            {
                foreach (var batch in new ArrowStreamReader(corrupt).ReadAll()) TouchEveryValue(batch);
            }
            catch (ArrowFormatException)
            {
                rejected++;
            }
        }
        Assert.True(rejected > 100, $"only {rejected} of 3000 corrupted streams were rejected");
    }

    // Reading every value of a batch that passed validation must not fault.
    private static void TouchEveryValue(ArrowRecordBatch batch)
    {
        foreach (var column in batch.Columns) Touch(column);
    }

    private static void Touch(ArrowArray a)
    {
        for (int i = 0; i < a.Length; i++)
        {
            if (a.IsNull(i)) continue;
            switch (a.Type.Id)
            {
                case ArrowTypeId.Bool: a.GetBool(i); break;
                case ArrowTypeId.Utf8: a.GetString(i); break;
                case ArrowTypeId.Binary: a.GetBytes(i); break;
                case ArrowTypeId.List or ArrowTypeId.FixedSizeList:
                    var (start, length) = a.GetListRange(i);
                    for (int k = start; k < start + length; k++) a.Values!.IsNull(k);
                    break;
                default:
                    if (a.Type.ByteWidth == 4) _ = a.GetValues<int>()[i]; else _ = a.GetValues<long>()[i];
                    break;
            }
        }
        if (a.Values is { } values) Touch(values);
    }

    [Fact]
    public void A_metadata_length_past_the_end_is_rejected()
    {
        var bytes = RawIpc.Stream((RawIpc.SchemaHeader(s_int32), []));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 1 << 20);
        Assert.Contains("declares 1048576 metadata bytes", Rejects(bytes).Message);
    }

    [Fact]
    public void A_metadata_length_that_is_not_padded_to_8_is_rejected()
    {
        var bytes = RawIpc.Stream((RawIpc.SchemaHeader(s_int32), []));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)) - 4);
        Assert.Contains("not a multiple of 8", Rejects(bytes).Message);
    }

    [Fact]
    public void A_body_length_past_the_end_is_rejected()
    {
        var bytes = Int32Batch([(2, 0)], [(0, 0), (0, 8)], new byte[8], bodyLength: 4096);
        Assert.Contains("4096-byte body", Rejects(bytes).Message);
    }

    [Fact]
    public void A_body_shorter_than_its_header_says_is_rejected_by_the_pair_decoder()
    {
        var header = RawIpc.RecordBatch(2, [(2, 0)], [(0, 0), (0, 8)], 64);
        var e = Assert.Throws<ArrowFormatException>(() => ArrowMessageDecoder.DecodeRecordBatch(s_int32, header, new byte[8]));
        Assert.Contains("bodyLength is 64 bytes but the body has 8", e.Message);
    }

    [Fact]
    public void A_buffer_outside_the_body_is_rejected()
    {
        var e = Rejects(Int32Batch([(2, 0)], [(0, 0), (8, 8)], new byte[8]));
        Assert.Contains("column 'a' data buffer (buffer 1) at body offset 8, length 8, lies outside the 8-byte body", e.Message);
    }

    [Fact]
    public void A_buffer_with_a_negative_or_overflowing_offset_is_rejected()
    {
        Assert.Contains("lies outside", Rejects(Int32Batch([(2, 0)], [(0, 0), (-8, 8)], new byte[8])).Message);
        Assert.Contains("lies outside", Rejects(Int32Batch([(2, 0)], [(0, 0), (long.MaxValue - 3, 8)], new byte[8])).Message);
    }

    [Fact]
    public void A_misaligned_buffer_is_rejected()
    {
        Assert.Contains("is not 8-byte aligned", Rejects(Int32Batch([(2, 0)], [(0, 0), (4, 8)], new byte[16])).Message);
    }

    [Fact]
    public void A_data_buffer_too_short_for_the_length_is_rejected()
    {
        Assert.Contains("data buffer has 4 bytes; 8 are needed", Rejects(Int32Batch([(2, 0)], [(0, 0), (0, 4)], new byte[8])).Message);
    }

    [Fact]
    public void A_null_count_that_disagrees_with_the_bitmap_is_rejected()
    {
        var body = new byte[16];
        body[0] = 0b11;
        Assert.Contains("declares null_count 1 but its validity bitmap marks 0 nulls", Rejects(Int32Batch([(2, 1)], [(0, 1), (8, 8)], body)).Message);
        Assert.Contains("validity bitmap has 0 bytes", Rejects(Int32Batch([(2, 1)], [(0, 0), (8, 8)], body)).Message);
        Assert.Contains("null_count 3 for 2 slots", Rejects(Int32Batch([(2, 3)], [(0, 1), (8, 8)], body)).Message);
    }

    [Fact]
    public void A_non_nullable_column_with_nulls_is_rejected()
    {
        var schema = new ArrowSchema([new ArrowField("a", ArrowType.Int32, nullable: false)]);
        var body = new byte[16];
        body[0] = 0b01;
        var bytes = RawIpc.OneBatch(schema, RawIpc.RecordBatch(2, [(2, 1)], [(0, 1), (8, 8)], 16), body);
        Assert.Contains("is not nullable but has null_count 1", Rejects(bytes).Message);
    }

    [Fact]
    public void Node_and_buffer_counts_must_match_the_schema()
    {
        Assert.Contains("only 0 field nodes", Rejects(Int32Batch([], [(0, 0), (0, 8)], new byte[8])).Message);
        Assert.Contains("2 field nodes, but the schema describes 1", Rejects(Int32Batch([(2, 0), (2, 0)], [(0, 0), (0, 8)], new byte[8])).Message);
        Assert.Contains("only 1 buffers", Rejects(Int32Batch([(2, 0)], [(0, 0)], new byte[8])).Message);
        Assert.Contains("3 buffers, but the schema describes 2", Rejects(Int32Batch([(2, 0)], [(0, 0), (0, 8), (0, 0)], new byte[8])).Message);
        Assert.Contains("has 3 rows; the batch has 2", Rejects(Int32Batch([(3, 0)], [(0, 0), (0, 16)], new byte[16])).Message);
    }

    private static byte[] Utf8Batch(int[] offsets, byte[] data)
    {
        var body = new byte[16 + ((data.Length + 7) & ~7)];
        for (int i = 0; i < offsets.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(i * 4), offsets[i]);
        data.CopyTo(body, 16);
        var header = RawIpc.RecordBatch(2, [(2, 0)], [(0, 0), (0, 12), (16, data.Length)], body.Length);
        return RawIpc.OneBatch(s_utf8, header, body);
    }

    [Fact]
    public void Offsets_must_be_non_decreasing_and_within_the_data()
    {
        Assert.Contains("offset 2 (3) is below offset 1 (5)", Rejects(Utf8Batch([0, 5, 3], new byte[8])).Message);
        Assert.Contains("last offset 20 is past the 8 data bytes", Rejects(Utf8Batch([0, 2, 20], new byte[8])).Message);
        Assert.Contains("offset 0 is -4", Rejects(Utf8Batch([-4, 2, 3], new byte[8])).Message);
    }

    [Fact]
    public void Utf8_values_must_be_valid_UTF_8()
    {
        Assert.Contains("value 1 is not valid UTF-8", Rejects(Utf8Batch([0, 2, 4], [(byte)'a', (byte)'b', 0xC3, 0x28])).Message);
        // Each piece of "é" alone is invalid even though the bytes together are valid.
        Assert.Contains("value 1 is not valid UTF-8", Rejects(Utf8Batch([0, 1, 2], Encoding.UTF8.GetBytes("é"))).Message);
    }

    [Fact]
    public void A_fixed_size_list_whose_child_is_short_is_rejected()
    {
        var schema = new ArrowSchema([new ArrowField("v", ArrowTestData.Vector4)]);
        var header = RawIpc.RecordBatch(2, [(2, 0), (5, 0)], [(0, 0), (0, 0), (0, 20)], 24);
        var e = Rejects(RawIpc.OneBatch(schema, header, new byte[24]));
        Assert.Contains("2 lists of 4 but its child holds 5 values; 8 are needed", e.Message);
    }

    [Fact]
    public void A_list_whose_offsets_pass_its_child_is_rejected()
    {
        var schema = new ArrowSchema([new ArrowField("l", ArrowTestData.FloatList)]);
        var body = new byte[24];
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(4), 1);
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(8), 3);
        var header = RawIpc.RecordBatch(2, [(2, 0), (2, 0)], [(0, 0), (0, 12), (0, 0), (16, 8)], 24);
        Assert.Contains("last offset 3 is past the 2 child values", Rejects(RawIpc.OneBatch(schema, header, body)).Message);
    }

    [Fact]
    public void Messages_over_the_size_limits_are_rejected_before_allocation()
    {
        var schema = new ArrowSchema([new ArrowField("a", ArrowType.Int32)]);
        var output = new MemoryStream();
        using (var writer = new ArrowStreamWriter(output, schema, leaveOpen: true))
        {
            writer.WriteRecordBatch(new ArrowRecordBatch(schema, 100_000, [ArrowArray.Int32(new int[100_000])]));
            writer.Finish();
        }
        var bytes = output.ToArray();
        Assert.Contains("bodyLength 400000 exceeds the limit of 65536 bytes", Rejects(bytes, new ArrowReadOptions { MaxBodyLength = 65536 }).Message);
        Assert.Contains("past the limit of 64", Rejects(bytes, new ArrowReadOptions { MaxMetadataLength = 64 }).Message);
        Assert.Throws<ArrowFormatException>(() => new ArrowStreamReader(new MemoryStream(bytes), new ArrowReadOptions { MaxBodyLength = 65536 }).ReadAll().ToList());
    }

    [Fact]
    public void A_stream_that_lies_about_a_huge_body_fails_without_allocating_it()
    {
        var header = RawIpc.RecordBatch(2, [(2, 0)], [(0, 0), (0, 8)], 1L << 30);
        var bytes = RawIpc.OneBatch(s_int32, header, new byte[8]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ArrowFormatException>(() => new ArrowStreamReader(new MemoryStream(bytes)).ReadAll().ToList());
        Assert.Contains("truncated", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, "the reader allocated the declared body size");
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_rejected()
    {
        var type = ArrowType.Float32;
        for (int i = 0; i < 5; i++) type = ArrowType.List(type);
        var bytes = RawIpc.Stream((RawIpc.SchemaHeader(new ArrowSchema([new ArrowField("deep", type)])), []));
        Assert.Contains("nested 4 deep, past the limit of 3", Rejects(bytes, new ArrowReadOptions { MaxNestingDepth = 3 }).Message);
        Assert.Contains("more than 4 fields", Rejects(bytes, new ArrowReadOptions { MaxFieldCount = 4 }).Message);
        Assert.Equal(type, new ArrowStreamReader(bytes).Schema.Fields[0].Type);
    }

    [Fact]
    public void A_schema_that_points_thousands_of_fields_at_one_long_string_is_rejected_before_decoding_gigabytes()
    {
        var header = RawIpc.SchemaSharingStrings(10_000, new string('n', 50_000), new string('v', 50_000));
        Assert.True(header.Length < 1 << 20, $"the crafted header is {header.Length} bytes");
        long before = GC.GetAllocatedBytesForCurrentThread();

        var e = Assert.Throws<ArrowFormatException>(() => ArrowMessageDecoder.DecodeSchema(header));

        Assert.Contains("decode to more than", e.Message);
        Assert.Contains("points many fields at the same strings", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, "the decoder kept decoding the shared strings");
    }

    [Fact]
    public void A_schema_that_shares_a_few_strings_still_decodes()
    {
        var header = RawIpc.SchemaSharingStrings(3, "same", "value");

        var schema = ArrowMessageDecoder.DecodeSchema(header);

        Assert.Equal(["same", "same", "same"], schema.Fields.Select(f => f.Name));
        Assert.All(schema.Fields, f => Assert.Equal([new KeyValuePair<string, string>("same", "value")], f.Metadata));
    }

    [Fact]
    public void A_compressed_body_is_rejected_naming_the_codec()
    {
        var bytes = RawIpc.OneBatch(s_int32, RawIpc.RecordBatch(2, [(2, 0)], [(0, 0), (0, 8)], 8, compressed: true), new byte[8]);
        Assert.Contains("compressed (ZSTD)", Rejects(bytes).Message);
    }

    [Fact]
    public void Old_metadata_versions_and_unknown_headers_are_rejected()
    {
        Assert.Contains("metadata version V3", Rejects(RawIpc.OneBatch(s_int32, RawIpc.RecordBatch(2, [(2, 0)], [(0, 0), (0, 8)], 8, version: 2), new byte[8])).Message);
        Assert.Contains("header type 9", Rejects(RawIpc.OneBatch(s_int32, RawIpc.RecordBatch(2, [(2, 0)], [(0, 0), (0, 8)], 8, headerType: 9), new byte[8])).Message);
        Assert.Contains("dictionaries are not supported", Rejects(RawIpc.OneBatch(s_int32, RawIpc.RecordBatch(2, [(2, 0)], [(0, 0), (0, 8)], 8, headerType: 2), new byte[8])).Message);
        Assert.Contains("the first message is a RecordBatch", Rejects(RawIpc.Stream((RawIpc.RecordBatch(2, [(2, 0)], [(0, 0), (0, 8)], 8), new byte[8]))).Message);
        Assert.Contains("only RecordBatch messages may follow", Rejects(RawIpc.Stream((RawIpc.SchemaHeader(s_int32), []), (RawIpc.SchemaHeader(s_int32), []))).Message);
    }

    // A Schema message with one field "x" whose type table is written by `type`; optionally big-endian or dictionary-encoded.
    private static byte[] SchemaWith(byte typeTag, Func<FlatBufferBuilder, int> type, bool bigEndian = false, bool dictionary = false)
    {
        var b = new FlatBufferBuilder();
        int name = b.CreateString("x");
        int typeTable = type(b);
        int dict = 0;
        if (dictionary)
        {
            b.StartTable(1);
            b.AddField(0, 7L);
            dict = b.EndTable();
        }
        b.StartTable(7);
        b.AddOffsetField(0, name);
        b.AddField(1, true);
        b.AddField(2, typeTag);
        b.AddOffsetField(3, typeTable);
        if (dictionary) b.AddOffsetField(4, dict);
        int field = b.EndTable();
        int fields = b.CreateOffsetVector([field]);
        b.StartTable(4);
        b.AddField(0, (short)(bigEndian ? 1 : 0));
        b.AddOffsetField(1, fields);
        int schema = b.EndTable();
        b.StartTable(5);
        b.AddField(0, (short)4);
        b.AddField(1, (byte)1);
        b.AddOffsetField(2, schema);
        b.Finish(b.EndTable());
        return b.WrittenSpan.ToArray();
    }

    private static int IntType(FlatBufferBuilder b, int bits)
    {
        b.StartTable(2);
        b.AddField(0, bits);
        b.AddField(1, true);
        return b.EndTable();
    }

    [Fact]
    public void Unsupported_types_and_features_in_a_schema_are_rejected_by_name()
    {
        ArrowFormatException Schema(byte[] header) => Assert.Throws<ArrowFormatException>(() => ArrowMessageDecoder.DecodeSchema(header));
        Assert.Contains("field 'x' has type Int(bitWidth=8, signed)", Schema(SchemaWith(2, b => IntType(b, 8))).Message);
        Assert.Contains("field 'x' has type Decimal", Schema(SchemaWith(7, b => IntType(b, 128))).Message);
        Assert.Contains("big-endian", Schema(SchemaWith(2, b => IntType(b, 32), bigEndian: true)).Message);
        Assert.Contains("field 'x' is dictionary-encoded", Schema(SchemaWith(2, b => IntType(b, 32), dictionary: true)).Message);
        Assert.Contains("FixedSizeList has 0 children", Schema(SchemaWith(16, b => IntType(b, 4))).Message);
        Assert.Equal(ArrowType.Int32, ArrowMessageDecoder.DecodeSchema(SchemaWith(2, b => IntType(b, 32))).Fields[0].Type);
    }

    private static byte[] ValidFile()
    {
        var output = new MemoryStream();
        using (var writer = new ArrowFileWriter(output, s_int32, leaveOpen: true))
        {
            writer.WriteRecordBatch(new ArrowRecordBatch(s_int32, 3, [ArrowArray.Int32(new[] { 1, 2, 3 })]));
            writer.Finish();
        }
        return output.ToArray();
    }

    [Fact]
    public void A_file_footer_length_that_lies_is_rejected()
    {
        var bytes = ValidFile();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(bytes.Length - 10), bytes.Length);
        Assert.Contains("footer length", Assert.Throws<ArrowFormatException>(() => new ArrowFileReader(bytes)).Message);
        bytes = ValidFile();
        bytes[^1] = (byte)'2';
        Assert.Contains("does not end with the ARROW1 magic", Assert.Throws<ArrowFormatException>(() => new ArrowFileReader(bytes)).Message);
    }

    [Fact]
    public void A_file_block_pointing_outside_the_data_is_rejected()
    {
        foreach (var (field, value, expected) in new (int, long, string)[]
        {
            (0, 1 << 20, "does not lie between the magic and the footer"),
            (0, 12, "does not lie between"),
            (16, 1 << 20, "does not lie between"),
            (16, 8, "differs from the Block's 8"),
        })
        {
            var bytes = ValidFile();
            int footerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(bytes.Length - 10));
            int footerStart = bytes.Length - 10 - footerLength;
            var r = new FlatBufferReader(bytes.AsSpan(footerStart, footerLength), "Footer");
            var blocks = r.GetVector(r.Root("Footer"), 3, 24, 8, "recordBatches");
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(footerStart + blocks.Start + field), value);
            var reader = new ArrowFileReader(bytes);
            Assert.Contains(expected, Assert.Throws<ArrowFormatException>(() => reader.ReadRecordBatch(0)).Message);
        }
    }
}

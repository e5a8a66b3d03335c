// The hand-written FlatBuffers layer: what the builder writes, the reader reads back; what lies, the reader rejects.
using System.Buffers.Binary;
using Numa.Arrow;
using Numa.Arrow.FlatBuffers;

namespace Numa.Tests.Arrow;

public sealed class FlatBufferTests
{
    // table { a: byte; b: short; c: int; d: long; s: string; v: [struct {long, long}]; t: table { x: int }; absent }
    private static byte[] Sample()
    {
        var b = new FlatBufferBuilder(64); // small, so the buffer has to grow
        b.StartTable(1);
        b.AddField(0, 77);
        int inner = b.EndTable();
        int s = b.CreateString("héllo");
        b.StartVector(16, 2, 8);
        b.PutInt64(4); b.PutInt64(3); b.PutInt64(2); b.PutInt64(1);
        int v = b.EndVector(2);
        b.StartTable(8);
        b.AddField(0, (byte)7);
        b.AddField(1, (short)-2);
        b.AddField(2, 123456);
        b.AddField(3, long.MinValue);
        b.AddOffsetField(4, s);
        b.AddOffsetField(5, v);
        b.AddOffsetField(6, inner);
        b.Finish(b.EndTable());
        return b.WrittenSpan.ToArray();
    }

    [Fact]
    public void What_the_builder_writes_the_reader_reads_back()
    {
        var bytes = Sample();
        Assert.Equal(0, bytes.Length % 8);
        var r = new FlatBufferReader(bytes, "Test");
        var root = r.Root("Root");
        Assert.Equal(7, r.GetByte(root, 0, 0, "a"));
        Assert.Equal(-2, r.GetInt16(root, 1, 0, "b"));
        Assert.Equal(123456, r.GetInt32(root, 2, 0, "c"));
        Assert.Equal(long.MinValue, r.GetInt64(root, 3, 0, "d"));
        Assert.Equal("héllo", r.GetString(root, 4, "s"));
        var v = r.GetVector(root, 5, 16, 8, "v");
        Assert.Equal(2, v.Count);
        Assert.Equal([1L, 2L, 3L, 4L], [r.Int64At(v, 0, 0), r.Int64At(v, 0, 8), r.Int64At(v, 1, 0), r.Int64At(v, 1, 8)]);
        var inner = r.GetTable(root, 6, "t");
        Assert.NotNull(inner);
        Assert.Equal(77, r.GetInt32(inner.Value, 0, 0, "x"));
        Assert.Equal(99, r.GetInt32(root, 7, 99, "absent"));
        Assert.Null(r.GetString(root, 7, "absent"));
        Assert.Equal(0, r.GetVector(root, 7, 4, 4, "absent").Count);
    }

    [Fact]
    public void A_root_offset_outside_the_buffer_is_rejected()
    {
        var bytes = Sample();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)bytes.Length + 64);
        var e = Assert.Throws<ArrowFormatException>(() => { var r = new FlatBufferReader(bytes, "Test"); r.Root("Root"); });
        Assert.Contains("outside", e.Message);
    }

    [Fact]
    public void A_vtable_offset_outside_the_buffer_is_rejected()
    {
        var bytes = Sample();
        int root = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(root), root + 1000);
        var e = Assert.Throws<ArrowFormatException>(() => { var r = new FlatBufferReader(bytes, "Test"); r.Root("Root"); });
        Assert.Contains("vtable", e.Message);
    }

    [Fact]
    public void A_string_longer_than_the_buffer_is_rejected()
    {
        var bytes = Sample();
        int at = IndexOf(bytes, "héllo"u8) - 4;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), 100_000);
        var e = Assert.Throws<ArrowFormatException>(() =>
        {
            var r = new FlatBufferReader(bytes, "Test");
            r.GetString(r.Root("Root"), 4, "s");
        });
        Assert.Contains("Root.s", e.Message);
    }

    [Fact]
    public void A_vector_count_past_the_end_is_rejected()
    {
        var bytes = Sample();
        var r0 = new FlatBufferReader(bytes, "Test");
        int at = r0.GetVector(r0.Root("Root"), 5, 16, 8, "v").Start - 4;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), uint.MaxValue);
        var e = Assert.Throws<ArrowFormatException>(() =>
        {
            var r = new FlatBufferReader(bytes, "Test");
            r.GetVector(r.Root("Root"), 5, 16, 8, "v");
        });
        Assert.Contains("4294967295 elements", e.Message);
    }

    [Fact]
    public void A_misaligned_table_is_rejected()
    {
        var bytes = Sample();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, BinaryPrimitives.ReadUInt32LittleEndian(bytes) + 2);
        var e = Assert.Throws<ArrowFormatException>(() => { var r = new FlatBufferReader(bytes, "Test"); r.Root("Root"); });
        Assert.Contains("aligned", e.Message);
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}

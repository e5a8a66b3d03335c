// The Thrift compact protocol: what the writer emits decodes to the same values, and malformed input is refused
// with the offset of the bad byte.
using Numa.Storage.Parquet.Thrift;

namespace Numa.Tests.Storage.Parquet;

public sealed class CompactProtocolTests
{
    [Fact]
    public void Fields_round_trip_with_short_and_long_headers_and_nested_structs()
    {
        var w = new CompactWriter();
        w.BeginStruct();
        w.FieldI32(1, int.MinValue);
        w.FieldI64(2, long.MaxValue);
        w.FieldBool(3, true);
        w.FieldStructBegin(40);          // delta 37 > 15: long form header
        w.FieldI32(1, -1);
        w.EndStruct();
        w.FieldListBegin(41, CompactType.I64, 20);   // 20 ≥ 15: long form list header
        for (int i = 0; i < 20; i++) w.I64(-i * 1_000_000_007L);
        w.FieldString(42, "née");
        w.EndStruct();

        Span<short> stack = stackalloc short[CompactReader.MaxDepth];
        var r = new CompactReader(w.WrittenSpan, 100, stack);
        r.BeginStruct();
        Assert.True(r.ReadFieldHeader(out short id, out CompactType t));
        Assert.Equal((1, CompactType.I32), (id, t));
        Assert.Equal(int.MinValue, r.ReadI32());
        Assert.True(r.ReadFieldHeader(out id, out t));
        Assert.Equal(long.MaxValue, r.ReadI64());
        Assert.True(r.ReadFieldHeader(out id, out t));
        Assert.True(r.ReadBool(t));
        Assert.True(r.ReadFieldHeader(out id, out t));
        Assert.Equal((40, CompactType.Struct), (id, t));
        r.BeginStruct();
        Assert.True(r.ReadFieldHeader(out id, out _));
        Assert.Equal(1, id);
        Assert.Equal(-1, r.ReadI32());
        Assert.False(r.ReadFieldHeader(out _, out _));
        r.EndStruct();
        Assert.True(r.ReadFieldHeader(out id, out t));
        Assert.Equal((41, CompactType.List), (id, t));
        Assert.Equal(20, r.ReadListHeader(out CompactType element));
        Assert.Equal(CompactType.I64, element);
        for (int i = 0; i < 20; i++) Assert.Equal(-i * 1_000_000_007L, r.ReadI64());
        Assert.True(r.ReadFieldHeader(out id, out _));
        Assert.Equal(42, id);
        Assert.Equal("née", r.ReadString());
        Assert.False(r.ReadFieldHeader(out _, out _));
        Assert.Equal(w.WrittenSpan.Length, r.Position);
    }

    [Theory]
    [InlineData(new byte[] { 0x15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, 1, "varint longer than 10 bytes")]
    [InlineData(new byte[] { 0x18, 0x0A, 0x41 }, 1, "binary of 10 bytes runs past the end")]
    [InlineData(new byte[] { 0x19, 0xF5, 0xFF, 0xFF, 0x03 }, 1, "cannot fit")]
    [InlineData(new byte[] { 0x15 }, 1, "unexpected end")]
    [InlineData(new byte[] { 0x1D }, 0, "unknown field type 13")]
    public void Malformed_input_is_refused_at_its_offset(byte[] bytes, int badByte, string problem)
    {
        var e = Assert.Throws<CompactProtocolException>(() => SkipStruct(bytes));
        Assert.Contains(problem, e.Message);
        Assert.Equal(1000 + badByte, e.Offset);
    }

    [Fact]
    public void An_i32_field_wider_than_five_bytes_is_refused()
    {
        byte[] bytes = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];
        Span<short> stack = stackalloc short[CompactReader.MaxDepth];
        var r = new CompactReader(bytes, 7, stack);
        try
        {
            r.ReadI32();
            Assert.Fail("a 6-byte varint was accepted as an i32");
        }
        catch (CompactProtocolException e)
        {
            Assert.Contains("varint longer than 5 bytes", e.Message);
            Assert.Equal(7, e.Offset);
        }
    }

    [Fact]
    public void Structs_nested_deeper_than_the_limit_are_refused()
    {
        // 40 nested struct fields (id 1 each), never closed.
        byte[] bytes = Enumerable.Repeat((byte)0x1C, 40).ToArray();
        var e = Assert.Throws<CompactProtocolException>(() => SkipStruct(bytes));
        Assert.Contains($"deeper than {CompactReader.MaxDepth}", e.Message);
    }

    private static void SkipStruct(byte[] bytes)
    {
        Span<short> stack = stackalloc short[CompactReader.MaxDepth];
        var r = new CompactReader(bytes, 1000, stack);
        r.Skip(CompactType.Struct);
    }
}

// The kernel's list format and the set operations pinning relies on.
using Numa.Topology;

namespace Numa.Tests.Topology;

public sealed class CpuSetTests
{
    [Theory]
    [InlineData("0-3,8,10-11", new[] { 0, 1, 2, 3, 8, 10, 11 }, "0-3,8,10-11")]
    [InlineData(" 5 \n", new[] { 5 }, "5")]
    [InlineData("3,1,2,2", new[] { 1, 2, 3 }, "1-3")]
    [InlineData("", new int[0], "")]
    [InlineData("\n", new int[0], "")]
    [InlineData("0-0,7-8", new[] { 0, 7, 8 }, "0,7-8")]
    public void Lists_parse_and_format_compressed(string text, int[] cpus, string formatted)
    {
        var set = CpuSet.Parse(text);

        Assert.Equal(cpus, set);
        Assert.Equal(formatted, set.ToString());
        Assert.Equal(set, CpuSet.Parse(set.ToString()));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("1-")]
    [InlineData("-1")]
    [InlineData("4-2")]
    [InlineData("1,,2")]
    [InlineData("0-99999999")]
    [InlineData("2147483647-2147483647")]   // the range loop used to overflow and never end
    [InlineData("70000")]
    public void Bad_lists_are_rejected_with_the_text_quoted(string text)
    {
        var e = Assert.Throws<FormatException>(() => CpuSet.Parse(text));

        Assert.Contains($"'{text}'", e.Message);
        Assert.False(CpuSet.TryParse(text, out _));
    }

    [Fact]
    public void Set_operations_follow_set_semantics()
    {
        var a = CpuSet.Parse("0-5");
        var b = CpuSet.Parse("4-9");

        Assert.Equal("4-5", a.Intersect(b).ToString());
        Assert.Equal("0-9", a.Union(b).ToString());
        Assert.Equal("0-3", a.Except(b).ToString());
        Assert.True(CpuSet.Parse("1-2").IsSubsetOf(a));
        Assert.False(b.IsSubsetOf(a));
        Assert.True(a.Contains(5));
        Assert.False(a.Contains(6));
        Assert.Equal(0, a.Min);
        Assert.Equal(9, b.Max);
        Assert.True(a.Intersect(CpuSet.Of(7)).IsEmpty);
    }

    [Fact]
    public void Masks_round_trip_across_word_boundaries()
    {
        var set = CpuSet.Parse("0,63-64,127,1000");

        ulong[] mask = set.ToMask();

        Assert.Equal(16, mask.Length);
        Assert.Equal(1UL | 1UL << 63, mask[0]);
        Assert.Equal(1UL | 1UL << 63, mask[1]);
        Assert.Equal(set, CpuSet.FromMask(mask));
    }

    [Fact]
    public void Negative_ids_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuSet.Of(-1));
    }
}

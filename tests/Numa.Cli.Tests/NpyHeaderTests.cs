// The .npy header dict parsed as the Python literal it is: key order, spacing, quotes, Python 2's long suffix,
// and what is refused.
using Numa.Cli.Datasets;

namespace Numa.Cli.Tests;

public sealed class NpyHeaderTests
{
    [Fact]
    public void The_header_numpy_writes_parses()
    {
        var h = NpyHeader.Parse("{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 784), }          \n");
        Assert.Equal(("<f4", false), (h.Descr, h.FortranOrder));
        Assert.Equal(new long[] { 60000, 784 }, h.Shape);
    }

    [Fact]
    public void Key_order_quotes_spacing_and_long_suffixes_do_not_matter()
    {
        var h = NpyHeader.Parse("{ \"shape\" : ( 3L ,4L ) ,\"fortran_order\":True,'descr':\"<f8\"}");
        Assert.Equal(("<f8", true), (h.Descr, h.FortranOrder));
        Assert.Equal(new long[] { 3, 4 }, h.Shape);
        Assert.Equal(new long[] { 5 }, NpyHeader.Parse("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }").Shape);
        Assert.Empty(NpyHeader.Parse("{'descr': '<f4', 'fortran_order': False, 'shape': (), }").Shape);
        Assert.Equal("(5,)", NpyHeader.FormatShape([5]));
        Assert.Equal("(2, 3, 1)", NpyHeader.FormatShape([2, 3, 1]));
    }

    [Theory]
    [InlineData("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (2,), }", "structured dtype")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (5), }", "'shape' is not a tuple")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3], }", "'shape' is not a tuple")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", "'shape' entry 1 is not a non-negative integer")]
    [InlineData("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3), }", "'fortran_order' is not True or False")]
    [InlineData("{'descr': '<f4', 'shape': (2, 3), }", "no 'fortran_order' key")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}", "unknown key 'extra'")]
    [InlineData("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", "key 'descr' appears twice")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", "expected '}' at the end of the header")]
    [InlineData("{'descr': '<f4, 'fortran_order': False}", "expected '}' at character 17, found 'f'")]
    [InlineData("['descr']", "the header is not a dict")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} x", "unexpected 'x' at character")]
    public void Malformed_headers_are_refused_saying_what_is_wrong(string text, string problem)
    {
        var e = Assert.Throws<FormatException>(() => NpyHeader.Parse(text));
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void A_deeply_nested_header_is_refused_not_a_stack_overflow()
    {
        // 900,000 '[' fit the 1 MiB header limit; unbounded recursion killed the process (Stack overflow, rc 134).
        var e = Assert.Throws<FormatException>(() => NpyHeader.Parse(new string('[', 900_000)));
        Assert.Contains("deeper than 16 levels", e.Message);
    }
}

// Bad input gets a clear exception that names what is wrong: dimension, NaN, infinity, k, ef, duplicate ids,
// zero vectors under cosine, options out of range.
using Numa.Vectors;

namespace Numa.Tests.Vectors;

public sealed class VectorInputTests
{
    private static HnswIndex Small(VectorMetric metric = VectorMetric.L2Squared)
    {
        var index = new HnswIndex(new HnswOptions { Dimension = 4, Metric = metric });
        for (int i = 0; i < 20; i++) index.Add(i, [i, 1, 2, 3]);
        return index;
    }

    [Fact]
    public void A_vector_of_the_wrong_dimension_is_refused()
    {
        using var index = Small();

        var add = Assert.Throws<ArgumentException>(() => index.Add(100, [1f, 2f, 3f]));
        var search = Assert.Throws<ArgumentException>(() => index.Search([1f, 2f, 3f, 4f, 5f], 1));

        Assert.Contains("3 elements", add.Message);
        Assert.Contains("dimension is 4", add.Message);
        Assert.Equal("vector", add.ParamName);
        Assert.Contains("5 elements", search.Message);
        Assert.Equal("query", search.ParamName);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Non_finite_values_are_refused_with_their_position(float value)
    {
        using var index = Small();

        var add = Assert.Throws<ArgumentException>(() => index.Add(100, [1f, 2f, value, 4f]));
        var search = Assert.Throws<ArgumentException>(() => index.Search([value, 2f, 3f, 4f], 1));

        Assert.Contains("element 2", add.Message);
        Assert.Contains("element 0", search.Message);
        Assert.False(index.Contains(100));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void K_must_be_positive(int k)
    {
        using var index = Small();

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1f, 2f, 3f, 4f], k));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.ExactSearch([1f, 2f, 3f, 4f], k, new SearchResult[4]));

        Assert.Equal("k", e.ParamName);
    }

    [Fact]
    public void Ef_below_k_is_refused()
    {
        using var index = Small();

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => index.Search([1f, 2f, 3f, 4f], 10, ef: 5));

        Assert.Equal("ef", e.ParamName);
        Assert.Contains("ef (5) must be at least k (10)", e.Message);
    }

    [Fact]
    public void A_results_span_shorter_than_k_is_refused()
    {
        using var index = Small();

        var e = Assert.Throws<ArgumentException>(() => index.Search([1f, 2f, 3f, 4f], 5, new SearchResult[4]));

        Assert.Contains("k is 5", e.Message);
    }

    [Fact]
    public void A_present_id_is_refused()
    {
        using var index = Small();

        var e = Assert.Throws<ArgumentException>(() => index.Add(7, [1f, 1f, 1f, 1f]));

        Assert.Contains("id 7 is already present", e.Message);
        Assert.Equal(20, index.Count);
    }

    [Fact]
    public void A_zero_vector_under_cosine_is_refused()
    {
        using var index = Small(VectorMetric.Cosine);

        var e = Assert.Throws<ArgumentException>(() => index.Add(100, [0f, 0f, 0f, 0f]));

        Assert.Contains("zero", e.Message);
    }

    [Theory]
    [InlineData(0, 16, 200, "Dimension")]
    [InlineData(4, 1, 200, "M")]
    [InlineData(4, 16, 0, "EfConstruction")]
    public void Options_out_of_range_are_refused_by_name(int dimension, int m, int efConstruction, string name)
    {
        var e = Assert.ThrowsAny<ArgumentOutOfRangeException>(() =>
            new HnswIndex(new HnswOptions { Dimension = dimension, M = m, EfConstruction = efConstruction }));

        Assert.Equal(name, e.ParamName, ignoreCase: true);
    }
}

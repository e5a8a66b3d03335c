// Filtered search: only ids the predicate accepts come back, and recall against the filtered exact search holds.
using Numa.Vectors;

namespace Numa.Tests.Vectors;

public sealed class HnswFilterTests
{
    private const int N = 2000, Dimension = 16;

    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    public void Only_accepted_ids_are_returned_with_recall_above_0_9(int modulus)
    {
        float[] data = Synthetic.Clusters(N + 100, Dimension, clusters: 20, seed: 13);
        using var index = HnswRecallTests.Build(new HnswOptions { Dimension = Dimension, M = 12, EfConstruction = 100 }, data, N);
        Func<long, bool> accept = id => id % modulus == 0;

        for (int q = 0; q < 100; q++)
        {
            var hits = index.Search(data.AsSpan((N + q) * Dimension, Dimension), 10, ef: 50, filter: accept);
            Assert.Equal(10, hits.Length);
            Assert.All(hits, h => Assert.True(accept(h.Id), $"id {h.Id} fails the filter"));
        }
        double recall = HnswRecallTests.Recall(index, data.AsSpan(N * Dimension).ToArray(), 100, Dimension, ef: 50, accept);
        Assert.True(recall >= 0.9, $"filtered recall@10 = {recall:F4}");
    }

    [Fact]
    public void A_filter_that_accepts_nothing_returns_nothing()
    {
        float[] data = Synthetic.Clusters(300, Dimension, clusters: 5, seed: 1);
        using var index = HnswRecallTests.Build(new HnswOptions { Dimension = Dimension }, data, 300);

        Assert.Empty(index.Search(data.AsSpan(0, Dimension), 10, filter: _ => false));
        Assert.Equal(0, index.ExactSearch(data.AsSpan(0, Dimension), 10, new SearchResult[10], _ => false));
    }
}

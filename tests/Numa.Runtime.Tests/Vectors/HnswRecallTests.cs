// Recall of the HNSW index against the exact search, on real data (Fashion-MNIST, L2) and on seeded synthetic
// clusters for the inner-product and cosine metrics.
using Numa.Vectors;

namespace Numa.Tests.Vectors;

public sealed class HnswRecallTests
{
    private const int K = 10;

    [Fact]
    public void Recall_at_10_on_Fashion_MNIST_is_above_0_95_at_ef_64()
    {
        var (train, queries, dimension) = FashionMnist.Require();
        using var index = Build(new HnswOptions { Dimension = dimension, M = 16, EfConstruction = 100 }, train, FashionMnist.TrainCount);

        double recall = Recall(index, queries, FashionMnist.QueryCount, dimension, ef: 64);

        Assert.True(recall >= 0.95, $"recall@10 = {recall:F4}");
        Assert.Equal(FashionMnist.TrainCount, index.Count);
    }

    [Fact]
    public void Recall_grows_with_ef_on_Fashion_MNIST()
    {
        var (train, queries, dimension) = FashionMnist.Require();
        using var index = Build(new HnswOptions { Dimension = dimension, M = 8, EfConstruction = 40 }, train, FashionMnist.TrainCount);

        double low = Recall(index, queries, FashionMnist.QueryCount, dimension, ef: 10);
        double high = Recall(index, queries, FashionMnist.QueryCount, dimension, ef: 100);

        Assert.True(high > low, $"ef=10: {low:F4}, ef=100: {high:F4}");
        Assert.True(high >= 0.95, $"ef=100: {high:F4}");
    }

    [Theory]
    [InlineData(VectorMetric.InnerProduct)]
    [InlineData(VectorMetric.Cosine)]
    [InlineData(VectorMetric.L2Squared)]
    public void Recall_on_clustered_data_is_above_0_9(VectorMetric metric)
    {
        const int n = 3000, dimension = 24, queries = 100;
        float[] data = Synthetic.Clusters(n + queries, dimension, clusters: 30, seed: 5);
        using var index = Build(new HnswOptions { Dimension = dimension, Metric = metric, M = 12, EfConstruction = 100 }, data, n);

        double recall = Recall(index, data.AsSpan(n * dimension).ToArray(), queries, dimension, ef: 50);

        Assert.True(recall >= 0.9, $"{metric}: recall@10 = {recall:F4}");
    }

    [Fact]
    public void The_same_seed_and_input_give_the_same_answers()
    {
        const int n = 1500, dimension = 16;
        float[] data = Synthetic.Clusters(n, dimension, clusters: 10, seed: 9);
        using var a = Build(new HnswOptions { Dimension = dimension, Seed = 42 }, data, n);
        using var b = Build(new HnswOptions { Dimension = dimension, Seed = 42 }, data, n);

        for (int q = 0; q < 50; q++)
        {
            var query = data.AsSpan(q * 7 * dimension, dimension);
            Assert.Equal(a.Search(query, K, ef: 20), b.Search(query, K, ef: 20));
        }
        Assert.Equal(a.TopLevel, b.TopLevel);
    }

    [Fact]
    public void Results_are_ascending_and_distances_are_the_metric()
    {
        const int n = 500, dimension = 8;
        float[] data = Synthetic.Clusters(n, dimension, clusters: 5, seed: 3);
        using var index = Build(new HnswOptions { Dimension = dimension }, data, n);
        var query = data.AsSpan(0, dimension);

        var results = index.Search(query, K, ef: 40);

        Assert.Equal(K, results.Length);
        Assert.Equal(0L, results[0].Id);
        Assert.Equal(0f, results[0].Distance);
        for (int i = 1; i < results.Length; i++)
        {
            Assert.True(results[i - 1].Distance <= results[i].Distance);
            float expected = VectorDistance.L2Squared(query, data.AsSpan((int)results[i].Id * dimension, dimension));
            Assert.Equal(expected, results[i].Distance, 3);
        }
    }

    [Fact]
    public void A_search_into_a_span_allocates_nothing_once_warm()
    {
        const int n = 1000, dimension = 32;
        float[] data = Synthetic.Clusters(n, dimension, clusters: 10, seed: 4);
        using var index = Build(new HnswOptions { Dimension = dimension }, data, n);
        var results = new SearchResult[K];
        Func<long, bool> even = id => id % 2 == 0;
        index.Search(data.AsSpan(0, dimension), K, results, 64, even);   // warm: the thread's search context

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int q = 0; q < 200; q++) index.Search(data.AsSpan(q * dimension, dimension), K, results, 64, even);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    internal static HnswIndex Build(HnswOptions options, float[] data, int count)
    {
        var index = new HnswIndex(options);
        for (int i = 0; i < count; i++) index.Add(i, data.AsSpan(i * options.Dimension, options.Dimension));
        return index;
    }

    internal static double Recall(HnswIndex index, float[] queries, int count, int dimension, int ef, Func<long, bool>? filter = null)
    {
        var approximate = new SearchResult[K];
        var exact = new SearchResult[K];
        int hits = 0, total = 0;
        for (int q = 0; q < count; q++)
        {
            var query = queries.AsSpan(q * dimension, dimension);
            int found = index.Search(query, K, approximate, ef, filter);
            int truth = index.ExactSearch(query, K, exact, filter);
            total += truth;
            for (int i = 0; i < truth; i++)
                for (int j = 0; j < found; j++)
                    if (approximate[j].Id == exact[i].Id) { hits++; break; }
        }
        return (double)hits / total;
    }
}

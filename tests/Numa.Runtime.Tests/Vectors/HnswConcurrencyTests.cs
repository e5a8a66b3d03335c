// Several threads insert while others search: every insert lands, searches never fail or return unknown ids,
// and afterwards every vector finds itself.
using Numa.Vectors;

namespace Numa.Tests.Vectors;

public sealed class HnswConcurrencyTests
{
    [Fact]
    public void Concurrent_inserts_and_searches_lose_nothing()
    {
        const int n = 4000, dimension = 16, inserters = 3;
        float[] data = Synthetic.Clusters(n, dimension, clusters: 25, seed: 21);
        using var index = new HnswIndex(new HnswOptions { Dimension = dimension, M = 8, EfConstruction = 64 });
        int next = -1, searches = 0;
        Exception? failure = null;
        bool done = false;

        var threads = new List<Thread>();
        for (int t = 0; t < inserters; t++)
            threads.Add(new Thread(() =>
            {
                try
                {
                    for (int i; (i = Interlocked.Increment(ref next)) < n;) index.Add(i, data.AsSpan(i * dimension, dimension));
                }
                catch (Exception e) { failure = e; }
            }));
        threads.Add(new Thread(() =>
        {
            try
            {
                var results = new SearchResult[10];
                var random = new Random(3);
                while (!Volatile.Read(ref done))
                {
                    int found = index.Search(data.AsSpan(random.Next(n) * dimension, dimension), 10, results, ef: 20);
                    for (int i = 0; i < found; i++) Assert.InRange(results[i].Id, 0, n - 1);
                    for (int i = 1; i < found; i++) Assert.True(results[i - 1].Distance <= results[i].Distance);
                    searches++;
                }
            }
            catch (Exception e) { failure = e; }
        }));
        foreach (var t in threads) t.Start();
        for (int t = 0; t < inserters; t++) threads[t].Join();
        Volatile.Write(ref done, true);
        threads[^1].Join();

        Assert.Null(failure);
        Assert.True(searches > 0);
        Assert.Equal(n, index.Count);
        int self = 0;
        for (int i = 0; i < n; i++)
            if (index.Search(data.AsSpan(i * dimension, dimension), 1, ef: 32)[0].Id == i) self++;
        Assert.True(self >= n * 0.99, $"{self} of {n} vectors find themselves");
    }

    [Fact]
    public void Concurrent_adds_of_one_id_admit_exactly_one()
    {
        using var index = new HnswIndex(new HnswOptions { Dimension = 4 });
        int admitted = 0, refused = 0;
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            try
            {
                index.Add(77, [t, 1, 2, 3]);
                Interlocked.Increment(ref admitted);
            }
            catch (ArgumentException) { Interlocked.Increment(ref refused); }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Equal(1, admitted);
        Assert.Equal(3, refused);
        Assert.Equal(1, index.Count);
    }
}

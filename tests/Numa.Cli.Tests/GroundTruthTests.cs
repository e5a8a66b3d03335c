// The ground-truth cache: reused only for the very vectors it was computed from, whatever the file name says.
using Numa.Cli.Bench;

namespace Numa.Cli.Tests;

public sealed class GroundTruthTests
{
    private const int Dim = 8, Count = 300, Queries = 20, K = 5;

    private static float[] Vectors(int rows, int seed)
    {
        var random = new Random(seed);
        var v = new float[rows * Dim];
        for (int i = 0; i < v.Length; i++) v[i] = (float)random.NextDouble();
        return v;
    }

    [Fact]
    public void A_cache_made_from_other_vectors_of_the_same_sizes_is_recomputed_not_reused()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "same-name.gt");
        float[] queries = Vectors(Queries, seed: 1), first = Vectors(Count, seed: 2), second = Vectors(Count, seed: 3);

        int[] a = GroundTruth.GetAt(path, first, Count, queries, Queries, Dim, K, 1, TextWriter.Null);
        var log = new StringWriter();
        int[] again = GroundTruth.GetAt(path, first, Count, queries, Queries, Dim, K, 1, log);
        Assert.Equal(a, again);
        Assert.Contains("(cached)", log.ToString());

        // MNIST digits in Fashion-MNIST's folder: the same counts and k, other vectors.
        log = new StringWriter();
        int[] b = GroundTruth.GetAt(path, second, Count, queries, Queries, Dim, K, 1, log);
        Assert.Contains("other vectors or sizes", log.ToString());
        Assert.NotEqual(a, b);
        Assert.Equal(Exact(second, queries), b);
    }

    // The k nearest train rows of each query by a plain scan (squared L2; ties by row index).
    private static int[] Exact(float[] train, float[] queries)
    {
        var ids = new List<int>();
        for (int q = 0; q < Queries; q++)
        {
            var query = queries.AsSpan(q * Dim, Dim).ToArray();
            ids.AddRange(Enumerable.Range(0, Count)
                .OrderBy(i => Enumerable.Range(0, Dim).Sum(d => (double)(train[i * Dim + d] - query[d]) * (train[i * Dim + d] - query[d])))
                .ThenBy(i => i).Take(K));
        }
        return [.. ids];
    }
}

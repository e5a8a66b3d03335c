// The storage under the index: 1 MiB slabs from a node arena, ids mapped to slots, tombstones, exact search,
// and the distance kernels and checksum it relies on.
using Numa.Memory;
using Numa.Vectors;

namespace Numa.Tests.Vectors;

public sealed class VectorStoreTests
{
    [Fact]
    public void Vectors_live_in_1_MiB_slabs_of_the_given_arena()
    {
        var platform = NumaPlatform.Current;
        int node = platform.Topology.MemoryNodes[0].Id;
        using var arena = platform.Node(node).CreateArena();
        using var store = new VectorStore(784, arena: arena);
        var vector = new float[784];

        for (int i = 0; i < 335; i++)
        {
            vector[0] = i;
            store.Add(1000 + i, vector);
        }

        Assert.Equal(334, store.VectorsPerSlab);           // ⌊1 MiB / 3136 B⌋
        Assert.Equal(2L << 20, store.VectorBytes);          // 335 vectors need a second slab
        Assert.Equal(node, store.HomeNode);
        Assert.True(arena.UsedBytes >= store.VectorBytes + store.SlotBytes);
        var copy = new float[784];
        Assert.True(store.TryCopyVector(1334, copy));
        Assert.Equal(334f, copy[0]);
    }

    [Fact]
    public void Exact_search_returns_the_true_nearest_ascending_and_skips_deleted()
    {
        using var store = new VectorStore(2);
        for (int i = 0; i < 100; i++) store.Add(i, [i, 0]);
        store.Delete(50);

        var hits = store.ExactSearch([50.2f, 0], 3);

        Assert.Equal([51L, 49L, 52L], hits.Select(h => h.Id));
        Assert.Equal(0.8f * 0.8f, hits[0].Distance, 4);
        Assert.Equal(99, store.Count);
        Assert.Equal(100, store.SlotCount);
    }

    [Fact]
    public void Cosine_stores_unit_vectors()
    {
        using var store = new VectorStore(2, VectorMetric.Cosine);
        store.Add(1, [3, 4]);
        var copy = new float[2];

        store.TryCopyVector(1, copy);

        Assert.Equal(0.6f, copy[0], 5);
        Assert.Equal(0.8f, copy[1], 5);
        Assert.Equal(0f, store.ExactSearch([6, 8], 1)[0].Distance, 5);
    }

    [Theory]
    [InlineData(2e19f)]     // its square overflows a float: the norm was +∞ and the stored vector all zeros
    [InlineData(1e-30f)]    // its square underflows: the norm was 0 and the vector refused as zero
    public void Cosine_normalizes_vectors_whose_squares_leave_the_float_range(float scale)
    {
        using var store = new VectorStore(2, VectorMetric.Cosine);
        store.Add(1, [3 * scale, 4 * scale]);
        var copy = new float[2];

        store.TryCopyVector(1, copy);

        Assert.Equal(0.6f, copy[0], 5);
        Assert.Equal(0.8f, copy[1], 5);
        Assert.Equal(0f, store.ExactSearch([6 * scale, 8 * scale], 1)[0].Distance, 5);
    }

    [Fact]
    public void A_cosine_index_holding_a_huge_vector_loads_again()
    {
        string path = Path.Combine(Path.GetTempPath(), "numa-huge-" + Guid.NewGuid().ToString("N") + ".hnsw");
        try
        {
            using (var index = new HnswIndex(new HnswOptions { Dimension = 2, Metric = VectorMetric.Cosine }))
            {
                index.Add(1, [2e19f, 0]);
                index.Add(2, [0, 1]);
                index.Save(path);
            }
            using var loaded = HnswIndex.Load(path);       // refused as "the vector is zero" when Add stored zeros
            Assert.Equal(1, loaded.Search([1, 0.01f], 1)[0].Id);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(33)]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(784)]
    public void Kernels_match_the_scalar_definitions_at_every_length(int length)
    {
        var random = new Random(length);
        var a = new float[length];
        var b = new float[length];
        for (int i = 0; i < length; i++) { a[i] = (float)random.NextDouble() - 0.5f; b[i] = (float)random.NextDouble() - 0.5f; }
        double l2 = 0, dot = 0, na = 0, nb = 0;
        for (int i = 0; i < length; i++) { l2 += (a[i] - b[i]) * (a[i] - b[i]); dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }

        Assert.Equal(l2, VectorDistance.L2Squared(a, b), 3);
        Assert.Equal(1 - dot, VectorDistance.InnerProduct(a, b), 3);
        Assert.Equal(1 - dot / Math.Sqrt(na * nb), VectorDistance.Cosine(a, b), 3);
        Assert.Throws<ArgumentException>(() => VectorDistance.L2Squared(a, new float[length + 1]));
    }
}

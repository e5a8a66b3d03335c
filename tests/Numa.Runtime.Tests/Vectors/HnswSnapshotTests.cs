// HNSW shards through Parquet snapshots: what was live comes back (ids and vectors bit for bit), deleted ids do
// not, and the restored index answers searches as the original does; a shard restored twice is refused; a wide,
// small shard is written through a buffer sized to its rows.
using Numa.Storage.Snapshots;
using Numa.Vectors;

namespace Numa.Tests.Vectors;

public sealed class HnswSnapshotTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("numa-hnsw-snapshot-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Live_vectors_of_every_shard_survive_a_snapshot_and_restore()
    {
        const int dimension = 24;
        var random = new Random(7);
        var shards = new Dictionary<SnapshotShard, HnswIndex>();
        try
        {
            for (int s = 0; s < 2; s++)
            {
                var index = new HnswIndex(new HnswOptions { Dimension = dimension, M = 8, EfConstruction = 64 });
                for (long id = 0; id < 5_000 + s; id++)   // more than one 4,096-row batch per shard
                    index.Add(id * 2 + s, Enumerable.Range(0, dimension).Select(_ => (float)random.NextDouble()).ToArray());
                for (long id = 0; id < 100; id++) Assert.True(index.Delete(id * 2 + s));
                shards[new SnapshotShard("images", s, dimension)] = index;
            }

            var store = new SnapshotStore(_dir);
            var manifest = store.Write(lsn: 42, new HnswSnapshots(shards));
            Assert.Equal(42, manifest.Lsn);

            var restored = new HnswSnapshots(shard => new HnswIndex(new HnswOptions { Dimension = shard.Dimension, M = 8, EfConstruction = 64 }));
            Assert.Equal(42, store.Restore(restored)!.Lsn);
            try
            {
                Assert.Equal(shards.Keys.OrderBy(k => k.Shard), restored.Indexes.Keys.OrderBy(k => k.Shard));
                foreach (var (shard, original) in shards)
                {
                    var copy = restored.Indexes[shard];
                    Assert.Equal(original.Count, copy.Count);
                    float[] a = new float[dimension], b = new float[dimension];
                    for (long id = 0; id < 5_000 + shard.Shard; id++)
                    {
                        long key = id * 2 + shard.Shard;
                        Assert.Equal(original.TryCopyVector(key, a), copy.TryCopyVector(key, b));
                        if (id < 100) Assert.False(copy.Contains(key));
                        else Assert.Equal(a, b);
                    }
                    var query = Enumerable.Range(0, dimension).Select(_ => (float)random.NextDouble()).ToArray();
                    var exactOriginal = new SearchResult[10];
                    var exactCopy = new SearchResult[10];
                    Assert.Equal(original.ExactSearch(query, 10, exactOriginal), copy.ExactSearch(query, 10, exactCopy));
                    Assert.Equal(exactOriginal, exactCopy);
                    Assert.Equal(original.Search(query, 10, ef: 200).Select(r => r.Id), copy.Search(query, 10, ef: 200).Select(r => r.Id));
                }
            }
            finally
            {
                foreach (var index in restored.Indexes.Values) index.Dispose();
            }
        }
        finally
        {
            foreach (var index in shards.Values) index.Dispose();
        }
    }

    [Fact]
    public void A_source_whose_shard_dimension_differs_from_its_index_is_refused()
    {
        using var index = new HnswIndex(new HnswOptions { Dimension = 4 });
        var e = Assert.Throws<ArgumentException>(() => new HnswSnapshots(new Dictionary<SnapshotShard, HnswIndex> { [new SnapshotShard("c", 0, 8)] = index }));
        Assert.Contains("dimension 8", e.Message);
    }

    [Fact]
    public void A_shard_that_begins_twice_is_refused_and_the_first_index_kept()
    {
        var shard = new SnapshotShard("c", 0, 4);
        int created = 0;
        var restored = new HnswSnapshots(s => { created++; return new HnswIndex(new HnswOptions { Dimension = s.Dimension }); });
        ISnapshotRestoreTarget target = restored;
        target.BeginShard(shard, 10);
        var first = restored.Indexes[shard];
        try
        {
            var e = Assert.Throws<SnapshotException>(() => target.BeginShard(shard with { Dimension = 4 }, 10));

            Assert.Equal("c", e.Path);
            Assert.Contains("shard 0 begins a second time", e.Message);
            Assert.Equal(1, created);
            Assert.Same(first, Assert.Single(restored.Indexes).Value);
        }
        finally
        {
            first.Dispose();
        }
    }

    [Fact]
    public void One_wide_vector_is_snapshotted_through_a_one_row_buffer()
    {
        const int dimension = 65536;                                           // a full batch would be 1 GiB
        using var index = new HnswIndex(new HnswOptions { Dimension = dimension, M = 4, EfConstruction = 8 });
        index.Add(1, Enumerable.Repeat(1f, dimension).ToArray());
        var source = new HnswSnapshots(new Dictionary<SnapshotShard, HnswIndex> { [new SnapshotShard("wide", 0, dimension)] = index });
        var store = new SnapshotStore(_dir);

        long before = GC.GetAllocatedBytesForCurrentThread();
        store.Write(1, source);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 32L << 20, $"a snapshot of one 256 KiB vector allocated {allocated >> 20} MiB");
        var restored = new HnswSnapshots(s => new HnswIndex(new HnswOptions { Dimension = s.Dimension, M = 4, EfConstruction = 8 }));
        store.Restore(restored);
        using var copy = Assert.Single(restored.Indexes).Value;
        var vector = new float[dimension];
        Assert.True(copy.TryCopyVector(1, vector));
        Assert.All(vector, v => Assert.Equal(1f, v));
    }

    [Theory]
    [InlineData(24, 100_000, HnswSnapshots.BatchRows)]
    [InlineData(24, 10, 10)]
    [InlineData(65536, 1, 1)]
    [InlineData(65536, 100_000, 64)]                                           // 16 MiB / 256 KiB per row
    [InlineData(4096, 100_000, 1024)]
    [InlineData(65536, 0, 1)]
    public void A_batch_holds_at_most_BatchRows_the_live_rows_and_BatchBytes(int dimension, int live, int expected)
    {
        Assert.Equal(expected, HnswSnapshots.BatchRowsFor(dimension, live));
    }
}

// HNSW shards through Parquet snapshots: what was live comes back (ids and vectors bit for bit), deleted ids do
// not, and the restored index answers searches as the original does.
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
}

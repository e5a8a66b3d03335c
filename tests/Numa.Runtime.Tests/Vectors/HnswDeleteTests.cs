// Tombstone deletes, the repair pass and compaction: a deleted id is never returned, before or after repair,
// and recall over the live vectors holds.
using Numa.Vectors;

namespace Numa.Tests.Vectors;

public sealed class HnswDeleteTests
{
    private const int N = 2000, Dimension = 16;
    private static readonly float[] s_data = Synthetic.Clusters(N + 100, Dimension, clusters: 20, seed: 11);

    private static HnswIndex BuildWithEveryThirdDeleted(out HashSet<long> deleted)
    {
        var index = HnswRecallTests.Build(new HnswOptions { Dimension = Dimension, M = 8, EfConstruction = 64 }, s_data, N);
        deleted = [];
        for (long id = 0; id < N; id += 3)
        {
            Assert.True(index.Delete(id));
            deleted.Add(id);
        }
        return index;
    }

    [Fact]
    public void Deleted_ids_are_never_returned()
    {
        using var index = BuildWithEveryThirdDeleted(out var deleted);

        for (int q = 0; q < N; q += 7)
            foreach (var hit in index.Search(s_data.AsSpan(q * Dimension, Dimension), 10, ef: 50))
                Assert.DoesNotContain(hit.Id, deleted);
        Assert.Equal(N - deleted.Count, index.Count);
        Assert.Equal(deleted.Count, index.DeletedCount);
        Assert.False(index.Contains(0));
        Assert.False(index.Delete(0));
    }

    [Fact]
    public void Repair_keeps_deleted_ids_out_and_recall_up()
    {
        using var index = BuildWithEveryThirdDeleted(out var deleted);

        int rewritten = index.RepairDeleted();

        Assert.True(rewritten > 0);
        for (int q = 0; q < N; q += 7)
            foreach (var hit in index.Search(s_data.AsSpan(q * Dimension, Dimension), 10, ef: 50))
                Assert.DoesNotContain(hit.Id, deleted);
        double recall = HnswRecallTests.Recall(index, s_data.AsSpan(N * Dimension).ToArray(), 100, Dimension, ef: 50);
        Assert.True(recall >= 0.9, $"recall@10 after repair = {recall:F4}");
    }

    [Fact]
    public void Compaction_drops_tombstones_and_answers_as_before()
    {
        using var index = BuildWithEveryThirdDeleted(out var deleted);

        using var compacted = index.Compact();

        Assert.Equal(N - deleted.Count, compacted.NodeCount);
        Assert.Equal(0, compacted.DeletedCount);
        Assert.Equal(index.Count, compacted.Count);
        for (int q = 0; q < 100; q++)
        {
            var query = s_data.AsSpan((N + q) * Dimension, Dimension);
            Assert.Equal(index.Search(query, 10, ef: 40), compacted.Search(query, 10, ef: 40));
        }
        double recall = HnswRecallTests.Recall(compacted, s_data.AsSpan(N * Dimension).ToArray(), 100, Dimension, ef: 50);
        Assert.True(recall >= 0.9, $"recall@10 after compaction = {recall:F4}");
    }

    [Fact]
    public void A_deleted_id_can_be_added_again_and_is_found()
    {
        using var index = HnswRecallTests.Build(new HnswOptions { Dimension = Dimension, M = 8 }, s_data, 500);
        var vector = s_data.AsSpan(600 * Dimension, Dimension);

        index.Delete(5);
        index.Add(5, vector);

        var hit = index.Search(vector, 1)[0];
        Assert.Equal(5, hit.Id);
        Assert.Equal(0f, hit.Distance);
    }

    [Fact]
    public void Deleting_the_entry_point_and_repairing_keeps_the_index_searchable()
    {
        using var index = HnswRecallTests.Build(new HnswOptions { Dimension = Dimension, M = 8 }, s_data, 300);
        for (long id = 0; id < 299; id++) index.Delete(id);

        index.RepairDeleted();

        var hits = index.Search(s_data.AsSpan(0, Dimension), 5);
        Assert.Equal([299L], hits.Select(h => h.Id));
        index.Delete(299);
        index.RepairDeleted();
        Assert.Empty(index.Search(s_data.AsSpan(0, Dimension), 5));
        Assert.Equal(-1, index.TopLevel);
    }

    [Fact]
    public void A_result_deleted_while_the_search_runs_is_left_out()
    {
        // The filter runs inside the search, after the node was reached: deleting there is what a concurrent upsert's
        // delete does between the search accepting the old slot and returning (an upsert would then add the id again
        // in a new slot, and the search could return both).
        using var index = HnswRecallTests.Build(new HnswOptions { Dimension = Dimension, M = 8, EfConstruction = 64 }, s_data, N);
        var query = s_data.AsSpan(42 * Dimension, Dimension);
        var results = index.Search(query, 10, ef: 50, filter: id =>
        {
            if (id == 42) index.Delete(42);
            return true;
        });
        Assert.False(index.Contains(42));
        Assert.DoesNotContain(42L, results.Select(r => r.Id));
        Assert.Equal(9, results.Length);
        Assert.Equal(results.Length, results.Select(r => r.Id).Distinct().Count());
        Assert.True(results.Zip(results.Skip(1)).All(p => p.First.Distance <= p.Second.Distance), "still nearest first");
    }
}

// What the server does when things go wrong or race: the weaker durability policies still acknowledge, a shard that
// cannot index logged rows stops (readiness drops, nothing is snapshotted, a restart replays the rows), a catalog that
// cannot be written changes nothing, a put in flight across a delete is refused rather than acknowledged into a
// collection that no longer exists, and a data directory that lost its catalog is refused.
using System.Text;
using Numa.Flight;
using Numa.Grpc;
using Numa.VectorServer;

namespace Numa.Server.Tests;

public sealed class FailureTests
{
    private const int Dimension = 8;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);   // a hang fails the test instead of the run

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);

    [Theory]
    [InlineData("none")]
    [InlineData("interval:50")]
    public async Task Puts_deletes_and_drops_are_acknowledged_under_the_weaker_durability_policies(string durability)
    {
        using var dir = new TempDirectory();
        var vectors = Vectors.Random(300, Dimension, seed: 21);
        await using (var server = await TestServer.StartAsync(dir.Path, o => o.Durability = durability))
        {
            var put = await Vectors.PutAsync(server.Data, "docs", vectors, Dimension, batchRows: 100).WaitAsync(Patience);
            Assert.Equal("ok", (string)put["status"]!);
            await server.Data.DoActionAsync("delete", Json("{\"dataset\":\"docs\",\"id\":7}")).WaitAsync(Patience);
            await Vectors.PutAsync(server.Data, "scratch", Vectors.Random(20, Dimension, 22), Dimension).WaitAsync(Patience);
            await server.Data.DoActionAsync("DeleteNamespace", Json("{\"name\":\"scratch\"}")).WaitAsync(Patience);
            // A drop is synced under every policy (the catalog forgets its tombstone once all shards answered), and
            // with it everything logged before it.
            var stats = System.Text.Json.Nodes.JsonNode.Parse(await server.Admin.GetStringAsync("/api/v1/numa/stats"))!;
            foreach (var shard in stats["node_distribution"]!.AsObject().SelectMany(n => n.Value!["shard_details"]!.AsArray()))
                Assert.Equal((long)shard!["wal_last_lsn"]!, (long)shard["wal_durable_lsn"]!);
            Assert.Equal(299, (long)(await server.GraphStatsAsync("docs"))["rows"]!);
            await server.StopAsync(snapshot: false);                   // a graceful stop flushes the WAL whatever the policy
        }
        await using var restarted = await TestServer.StartAsync(dir.Path, o => o.Durability = durability);
        Assert.Equal(299, (long)(await restarted.GraphStatsAsync("docs"))["rows"]!);
        using var meta = new FlightClient(restarted.Host.MetaAddress);
        Assert.Equal(["docs"], (await meta.ListFlightsAsync()).Select(f => f.FlightDescriptor.Path[0]));
    }

    [Fact]
    public async Task An_acknowledged_put_is_already_searchable()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(dir.Path);
        var vectors = Vectors.Random(400, Dimension, seed: 23);
        await Vectors.PutAsync(server.Data, "docs", vectors, Dimension, batchRows: 400);
        var stats = await server.GraphStatsAsync("docs");                // no WaitIndexedAsync: the ack came after the insert
        Assert.Equal(400, (long)stats["rows"]!);
        Assert.Equal(0, (long)stats["indexing_pending"]!);
        var nearest = await server.Data.SearchAsync("docs", vectors.AsMemory(123 * Dimension, Dimension), 1);
        Assert.Equal(123ul, nearest.Ids[0]);
    }

    [Fact]
    public async Task A_shard_that_cannot_index_logged_rows_stops_and_a_restart_replays_them()
    {
        using var dir = new TempDirectory();
        var first = Vectors.Random(200, Dimension, seed: 24);
        var second = Vectors.Random(200, Dimension, seed: 25);
        var server = await TestServer.StartAsync(dir.Path);
        await Vectors.PutAsync(server.Data, "docs", first, Dimension);
        Assert.True(server.Host.IsReady);
        foreach (var shard in server.Host.Shards) shard.BeforeInsert = () => throw new OutOfMemoryException("test: the arena is full");

        var refused = await Assert.ThrowsAsync<RpcException>(() => Vectors.PutAsync(server.Data, "docs", second, Dimension, firstId: 1000).WaitAsync(Patience));
        Assert.Equal(GrpcStatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("could not be indexed", refused.Status.Detail);
        // One shard failing is enough: the server is no longer ready and its completion says why.
        var failed = await Assert.ThrowsAnyAsync<Exception>(() => server.Host.Completion.WaitAsync(Patience));
        Assert.Contains("could not be indexed", failed.Message);
        Assert.False(server.Host.IsReady);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await server.Admin.GetAsync("/readyz")).StatusCode);
        var later = await Assert.ThrowsAsync<RpcException>(() => server.Data.SearchAsync("docs", first.AsMemory(0, Dimension), 1).WaitAsync(Patience));
        Assert.Equal(GrpcStatusCode.Unavailable, later.StatusCode);
        await server.StopAsync();                                        // a failed shard writes no snapshot
        Assert.False(File.Exists(Path.Combine(dir.Path, "shard-0", "graphs", "graphs.json")));
        Assert.False(File.Exists(Path.Combine(dir.Path, "shard-1", "graphs", "graphs.json")));

        // The rows were in the WAL before the insert failed: they come back, with none of the first put lost.
        await using var restarted = await TestServer.StartAsync(dir.Path);
        long rows = (long)(await restarted.GraphStatsAsync("docs"))["rows"]!;
        Assert.Equal(400, rows);                                          // the first put + both shards' logged jobs of the second
        var nearest = await restarted.Data.SearchAsync("docs", first.AsMemory(50 * Dimension, Dimension), 1);
        Assert.Equal(50ul, nearest.Ids[0]);
    }

    [Fact]
    public async Task A_catalog_that_cannot_be_written_changes_nothing_and_a_retry_succeeds()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(dir.Path);
        string blocker = Path.Combine(dir.Path, Catalog.FileName + ".tmp");
        Directory.CreateDirectory(blocker);                              // the atomic rewrite's temporary file cannot be created
        var refused = await Assert.ThrowsAsync<RpcException>(() => server.Data.DoActionAsync("CreateNamespace", Json("{\"name\":\"late\"}")));
        Assert.Equal(GrpcStatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("nothing was changed", refused.Status.Detail);
        Assert.False(server.Host.Catalog.TryGet("late", out _));
        Directory.Delete(blocker);

        await server.Data.DoActionAsync("CreateNamespace", Json("{\"name\":\"late\"}"));
        Assert.True(server.Host.Catalog.TryGet("late", out _));
        Assert.Contains("\"late\"", await File.ReadAllTextAsync(Path.Combine(dir.Path, Catalog.FileName)));
    }

    [Fact]
    public async Task A_put_in_flight_across_a_delete_and_a_re_create_is_refused_and_leaves_nothing_behind()
    {
        using var dir = new TempDirectory();
        var server = await TestServer.StartAsync(dir.Path, o => o.Shards = "1");
        await Vectors.PutAsync(server.Data, "docs", Vectors.Random(50, Dimension, 26), Dimension);
        using var gate = new ShardJobGate<PutJob>(server);
        var inFlight = Vectors.PutAsync(server.Data, "docs", Vectors.Random(50, Dimension, 27), Dimension, firstId: 100);
        Assert.True(gate.Held.Wait(Patience), "the put never reached the shard");
        var deleting = Task.Run(() => server.Data.DoActionAsync("DeleteNamespace", Json("{\"name\":\"docs\"}")));
        var deadline = DateTime.UtcNow + Patience;
        while (server.Host.Catalog.TryGet("docs", out _))
        {
            Assert.True(DateTime.UtcNow < deadline, "the delete never reached the catalog");
            await Task.Delay(10);
        }
        gate.Release();

        var refused = await Assert.ThrowsAsync<RpcException>(() => inFlight.WaitAsync(Patience));
        Assert.Equal(GrpcStatusCode.NotFound, refused.StatusCode);
        Assert.Contains("deleted while these rows were in flight", refused.Status.Detail);
        await deleting.WaitAsync(Patience);
        // A new collection of the name holds only its own rows, with its own dimension, before and after a restart.
        await Vectors.PutAsync(server.Data, "docs", Vectors.Random(5, 4, 28), 4);
        Assert.Equal(5, (long)(await server.GraphStatsAsync("docs"))["rows"]!);
        await server.StopAsync(snapshot: false);
        await using var restarted = await TestServer.StartAsync(dir.Path, o => o.Shards = "1");
        var stats = await restarted.GraphStatsAsync("docs");
        Assert.Equal(5, (long)stats["rows"]!);
        Assert.Equal(4, (int)stats["dimension"]!);
    }

    [Fact]
    public async Task A_put_stream_that_outlives_a_delete_and_a_re_create_of_its_collection_is_refused_NOT_FOUND()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(dir.Path, o => o.Shards = "1");
        var schema = Vectors.Schema(Dimension);
        using var put = server.Data.StartPut(FlightClient.PathDescriptor("docs"), schema, TestContext.Current.CancellationToken);
        await put.WriteAsync(Vectors.Batch(schema, 0, Vectors.Random(10, Dimension, 30), 10));
        var deadline = DateTime.UtcNow + Patience;
        while (!server.Host.Catalog.TryGet("docs", out _) || (long)(await server.GraphStatsAsync("docs"))["rows"]! != 10)
        {
            Assert.True(DateTime.UtcNow < deadline, "the put's first batch was never stored");
            await Task.Delay(10);
        }
        await server.Data.DoActionAsync("DeleteNamespace", Json("{\"name\":\"docs\"}")).WaitAsync(Patience);
        await Vectors.PutAsync(server.Data, "docs", Vectors.Random(5, Dimension, 31), Dimension, firstId: 1000);   // same name, same dimension

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await put.WriteAsync(Vectors.Batch(schema, 0, Vectors.Random(20, Dimension, 32), 20));
            await put.CompleteAsync().WaitAsync(Patience);
        });
        Assert.Equal(GrpcStatusCode.NotFound, refused.StatusCode);
        Assert.Contains("was deleted during the put", refused.Status.Detail);
        Assert.Equal(5, (long)(await server.GraphStatsAsync("docs"))["rows"]!);
    }

    [Fact]
    public async Task Indexing_pending_counts_the_rows_of_its_own_collection_only()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(dir.Path, o => o.Shards = "1");
        await Vectors.PutAsync(server.Data, "a", Vectors.Random(10, Dimension, 33), Dimension);
        using var gate = new ShardJobGate<PutJob>(server);
        var inFlight = Vectors.PutAsync(server.Data, "b", Vectors.Random(30, Dimension, 34), Dimension);
        Assert.True(gate.Held.Wait(Patience), "the put never reached the shard");
        // Read directly: GetGraphStats would queue behind the held job. It used to report 30 for "a" too.
        Assert.Equal(0, server.Host.Backend.PendingRows("a"));
        Assert.Equal(30, server.Host.Backend.PendingRows("b"));
        gate.Release();
        await inFlight.WaitAsync(Patience);
        Assert.Equal(0, (long)(await server.GraphStatsAsync("b"))["indexing_pending"]!);
    }

    [Fact]
    public async Task Shard_data_without_a_catalog_is_refused_rather_than_discarded()
    {
        using var dir = new TempDirectory();
        await using (var server = await TestServer.StartAsync(dir.Path))
            await Vectors.PutAsync(server.Data, "docs", Vectors.Random(10, Dimension, 29), Dimension);
        File.Delete(Path.Combine(dir.Path, Catalog.FileName));
        var refused = await Assert.ThrowsAsync<VectorServerConfigurationException>(() => TestServer.StartAsync(dir.Path));
        Assert.Contains("the catalog was lost", refused.Message);
        Assert.True(Directory.Exists(Path.Combine(dir.Path, "shard-0", "wal")));
    }

    [Fact]
    public async Task A_scan_across_a_snapshot_that_compacts_the_collection_fails_instead_of_losing_rows()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(dir.Path, o => o.Shards = "1");
        var vectors = Vectors.Random(10_000, Dimension, 46);
        await Vectors.PutAsync(server.Data, "docs", vectors, Dimension, batchRows: 2000);
        await Vectors.PutAsync(server.Data, "docs", vectors, Dimension, batchRows: 2000);   // upserts: 10,000 tombstones
        long seen = 0;
        var failed = Assert.Throws<VectorBackendException>(() =>
        {
            foreach (var batch in server.Host.Backend.Scan("docs", [], 0))
            {
                if (seen == 0) server.Host.Backend.SnapshotAsync(CancellationToken.None).AsTask().Wait(Patience);   // compacts
                seen += batch.Length;
            }
        });
        Assert.Equal(VectorBackendError.Unavailable, failed.Error);
        Assert.Contains("compacted by a snapshot", failed.Message);
        Assert.InRange(seen, 1, 9_999);
        // A scan that starts after the compaction reads every row.
        Assert.Equal(10_000, server.Host.Backend.Scan("docs", [], 0).Sum(b => (long)b.Length));
    }
}

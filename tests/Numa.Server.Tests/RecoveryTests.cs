// Restarts of the server over the same data directory: from saved graphs after a graceful stop (no rebuild, the same
// answers), from the WAL alone when no snapshot was taken, from a snapshot plus the WAL tail after an automatic
// snapshot, from a snapshot whose WAL lost its tail, from the snapshot when the graph list does not match it, and
// refusals of a data directory that does not fit the settings. The next snapshot sweeps a graph file a crash left half written.
using Numa.VectorServer;

namespace Numa.Server.Tests;

public sealed class RecoveryTests
{
    private const int Dimension = 16;

    private static async Task<List<ulong[]>> SearchAllAsync(TestServer server, float[] queries)
    {
        var results = new List<ulong[]>();
        for (int q = 0; q < queries.Length / Dimension; q++)
            results.Add((await server.Data.SearchAsync("docs", queries.AsMemory(q * Dimension, Dimension), 10)).Ids);
        return results;
    }

    private static async Task<string> RecoveredFromAsync(TestServer server)
    {
        var stats = System.Text.Json.Nodes.JsonNode.Parse(await server.Admin.GetStringAsync("/api/v1/numa/stats"))!;
        var sources = stats["node_distribution"]!.AsObject().SelectMany(n => n.Value!["shard_details"]!.AsArray())
            .Select(s => (string)s!["recovered_from"]!).Distinct().ToList();
        return Assert.Single(sources);
    }

    [Fact]
    public async Task After_a_graceful_stop_the_saved_graphs_load_and_answer_exactly_as_before()
    {
        using var dir = new TempDirectory();
        var vectors = Vectors.Random(2000, Dimension, seed: 11);
        var queries = Vectors.Random(30, Dimension, seed: 12);
        List<ulong[]> before;
        await using (var server = await TestServer.StartAsync(dir.Path))
        {
            await Vectors.PutAsync(server.Data, "docs", vectors, Dimension);
            await server.WaitIndexedAsync("docs");
            before = await SearchAllAsync(server, queries);
        }
        Assert.True(File.Exists(Path.Combine(dir.Path, "shard-0", "graphs", "graphs.json")));

        await using var restarted = await TestServer.StartAsync(dir.Path);
        Assert.Equal("saved graphs", await RecoveredFromAsync(restarted));
        Assert.All(restarted.Host.Recoveries, r => Assert.Equal(0, r.ReplayedRecords));
        Assert.Equal(2000, (long)(await restarted.GraphStatsAsync("docs"))["rows"]!);
        Assert.Equal(before, await SearchAllAsync(restarted, queries));    // the same graph: the same answers
    }

    [Fact]
    public async Task A_graph_file_a_crash_left_half_written_is_swept_by_the_next_snapshot()
    {
        using var dir = new TempDirectory();
        string graphs = Path.Combine(dir.Path, "shard-0", "graphs");
        await using (var server = await TestServer.StartAsync(dir.Path))
            await Vectors.PutAsync(server.Data, "docs", Vectors.Random(300, Dimension, seed: 15), Dimension);
        string stray = Path.Combine(graphs, "docs.999.hnsw" + Numa.Vectors.HnswIndex.TemporarySuffix);
        await File.WriteAllBytesAsync(stray, new byte[100], TestContext.Current.CancellationToken);

        await using (var server = await TestServer.StartAsync(dir.Path))
        {
            Assert.Equal("saved graphs", await RecoveredFromAsync(server));    // the stray file is not read
            await Vectors.PutAsync(server.Data, "more", Vectors.Random(50, Dimension, seed: 16), Dimension);
        }

        Assert.False(File.Exists(stray), "the snapshot left the interrupted save's file behind");
        var names = Directory.GetFiles(graphs)
            .Select(f => System.Text.RegularExpressions.Regex.Replace(Path.GetFileName(f), @"\.\d+\.hnsw$", ".LSN.hnsw"))
            .Order(StringComparer.Ordinal);
        Assert.Equal(["docs.LSN.hnsw", "graphs.json", "more.LSN.hnsw"], names);
    }

    [Fact]
    public async Task Without_a_snapshot_every_acknowledged_row_comes_back_from_the_WAL()
    {
        using var dir = new TempDirectory();
        var vectors = Vectors.Random(1500, Dimension, seed: 13);
        var server = await TestServer.StartAsync(dir.Path);
        await Vectors.PutAsync(server.Data, "docs", vectors, Dimension);
        await server.Data.DoActionAsync("delete", System.Text.Encoding.UTF8.GetBytes("{\"dataset\":\"docs\",\"id\":42}"));
        await server.StopAsync(snapshot: false);                        // the WAL is all there is

        await using var restarted = await TestServer.StartAsync(dir.Path);
        Assert.Equal("empty", await RecoveredFromAsync(restarted));
        Assert.True(restarted.Host.Recoveries.Sum(r => r.ReplayedRecords) >= 3);   // puts on both shards + the delete
        Assert.Equal(1499, (long)(await restarted.GraphStatsAsync("docs"))["rows"]!);
        var (_, batches) = await restarted.Data.ScanAsync("docs");
        var ids = batches.SelectMany(b => b.Column("id").GetValues<long>().ToArray()).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 1500).Where(i => i != 42).Select(i => (long)i), ids);
        var nearest = await restarted.Data.SearchAsync("docs", vectors.AsMemory(500 * Dimension, Dimension), 1);
        Assert.Equal(500ul, nearest.Ids[0]);
    }

    [Fact]
    public async Task A_WAL_past_its_limit_snapshots_by_itself_and_a_restart_replays_only_the_tail()
    {
        using var dir = new TempDirectory();
        const int Wide = 512;                                            // 2 KiB per row: 16 MiB of WAL in ~8,000 rows
        var vectors = Vectors.Random(12_000, Wide, seed: 14);
        await using (var server = await TestServer.StartAsync(dir.Path, o =>
        {
            o.Shards = "1";
            o.WalMaxBytes = 16L * 1024 * 1024;
            o.M = 4;
            o.EfConstruction = 8;
        }))
        {
            await Vectors.PutAsync(server.Data, "wide", vectors, Wide, batchRows: 1000);
            await server.WaitIndexedAsync("wide");
            var stats = System.Text.Json.Nodes.JsonNode.Parse(await server.Admin.GetStringAsync("/api/v1/numa/stats"))!;
            var shard = stats["node_distribution"]!.AsObject().Single().Value!["shard_details"]![0]!;
            Assert.True((long)shard["snapshot_lsn"]! > 0, "the WAL passed 16 MiB, so the shard snapshotted by itself");
            Assert.True((long)shard["wal_bytes"]! < 16L * 1024 * 1024, $"the WAL was truncated after the snapshot ({shard["wal_bytes"]} bytes)");
            // rows after the snapshot: only the WAL holds them
            await Vectors.PutAsync(server.Data, "wide", Vectors.Random(300, Wide, seed: 17), Wide, firstId: 12_000);
            await server.StopAsync(snapshot: false);
        }
        await using var restarted = await TestServer.StartAsync(dir.Path, o => o.Shards = "1");
        var recovery = Assert.Single(restarted.Host.Recoveries);
        Assert.Equal("saved graphs", recovery.Source);
        Assert.True(recovery.SnapshotLsn > 0 && recovery.ReplayedRecords > 0, $"{recovery}");
        Assert.Equal(12_300, (long)(await restarted.GraphStatsAsync("wide"))["rows"]!);
    }

    [Fact]
    public async Task A_WAL_that_ends_before_the_snapshot_starts_after_it_and_later_rows_survive_the_next_restart()
    {
        using var dir = new TempDirectory();
        string wal = Path.Combine(dir.Path, "shard-0", "wal");
        string older = Path.Combine(dir.Path, "older-wal");
        var server = await TestServer.StartAsync(dir.Path, o => o.Shards = "1");
        await Vectors.PutAsync(server.Data, "docs", Vectors.Random(500, Dimension, 18), Dimension, batchRows: 100);
        await server.StopAsync(snapshot: false);
        CopyDirectory(wal, older);                                          // the log as it was at LSN ~6

        await using (var second = await TestServer.StartAsync(dir.Path, o => o.Shards = "1"))
            await Vectors.PutAsync(second.Data, "docs", Vectors.Random(500, Dimension, 19), Dimension, batchRows: 100, firstId: 500);
        // The graceful stop snapshotted all 1,000 rows. Put the older log back: what a machine crash under
        // --durability interval leaves when the snapshot reached the disk and the log's unsynced tail did not.
        Directory.Delete(wal, recursive: true);
        Directory.Move(older, wal);

        long snapshotLsn;
        await using (var third = await TestServer.StartAsync(dir.Path, o => o.Shards = "1"))
        {
            var recovery = Assert.Single(third.Host.Recoveries);
            snapshotLsn = recovery.SnapshotLsn;
            Assert.Equal(1000, (long)(await third.GraphStatsAsync("docs"))["rows"]!);
            await Vectors.PutAsync(third.Data, "docs", Vectors.Random(100, Dimension, 20), Dimension, firstId: 1000);
            await third.StopAsync(snapshot: false);                      // only the WAL holds rows 1000–1099
        }

        // Had the log continued at its own end (LSN ~7), the new put would carry an LSN the snapshot covers and a
        // replay from the snapshot would skip it.
        await using var fourth = await TestServer.StartAsync(dir.Path, o => o.Shards = "1");
        var last = Assert.Single(fourth.Host.Recoveries);
        Assert.Equal(snapshotLsn, last.SnapshotLsn);
        Assert.True(last.ReplayedRecords >= 1, $"{last}");
        var (_, batches) = await fourth.Data.ScanAsync("docs");
        var ids = batches.SelectMany(b => b.Column("id").GetValues<long>().ToArray()).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 1100).Select(i => (long)i), ids);
    }

    // graphs.json is not checksummed; the Parquet snapshot is. A graph list that names another collection, leaves one
    // out or holds nulls must not stand for the snapshot: loaded under a wrong name, the graph would be dropped as
    // unknown, and the next snapshot would delete the Parquet file that still held the rows.
    [Theory]
    [InlineData("renamed")]
    [InlineData("missing")]
    [InlineData("null files")]
    [InlineData("null file")]
    public async Task A_graph_list_that_does_not_match_the_snapshot_rebuilds_from_it_and_loses_no_row(string damage)
    {
        using var dir = new TempDirectory();
        await using (var server = await TestServer.StartAsync(dir.Path, o => o.Shards = "1"))
        {
            await Vectors.PutAsync(server.Data, "docs", Vectors.Random(700, Dimension, seed: 21), Dimension);
            await Vectors.PutAsync(server.Data, "more", Vectors.Random(300, Dimension, seed: 22), Dimension);
            await server.WaitIndexedAsync("docs");
            await server.WaitIndexedAsync("more");
        }
        string listPath = Path.Combine(dir.Path, "shard-0", "graphs", "graphs.json");
        var list = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(listPath))!;
        var files = list["Files"]!.AsObject();
        Assert.Equal(["docs", "more"], files.Select(p => p.Key).Order());
        switch (damage)
        {
            case "renamed":                                                   // one flipped bit: 'd' (0x64) → 'l' (0x6C)
                var graph = files["docs"]!.GetValue<string>();
                files.Remove("docs");
                files["locs"] = graph;
                break;
            case "missing": files.Remove("more"); break;
            case "null files": list["Files"] = null; break;
            case "null file": files["more"] = null; break;
        }
        await File.WriteAllTextAsync(listPath, list.ToJsonString());

        await using (var restarted = await TestServer.StartAsync(dir.Path, o => o.Shards = "1"))
        {
            Assert.Equal("parquet snapshot (graphs rebuilt)", await RecoveredFromAsync(restarted));
            Assert.Equal(700, (long)(await restarted.GraphStatsAsync("docs"))["rows"]!);
            Assert.Equal(300, (long)(await restarted.GraphStatsAsync("more"))["rows"]!);
        }                                                                     // a graceful stop: a new snapshot and graph list
        await using var again = await TestServer.StartAsync(dir.Path, o => o.Shards = "1");
        Assert.Equal("saved graphs", await RecoveredFromAsync(again));
        var (_, batches) = await again.Data.ScanAsync("docs");
        Assert.Equal(Enumerable.Range(0, 700).Select(i => (long)i),
            batches.SelectMany(b => b.Column("id").GetValues<long>().ToArray()).Order());
        Assert.Equal(300, (long)(await again.GraphStatsAsync("more"))["rows"]!);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    [Fact]
    public async Task A_data_directory_written_by_another_shard_count_is_refused_with_the_fix()
    {
        using var dir = new TempDirectory();
        await using (var server = await TestServer.StartAsync(dir.Path, o => o.Shards = "2"))
            await Vectors.PutAsync(server.Data, "docs", Vectors.Random(10, Dimension, 15), Dimension);
        var refused = await Assert.ThrowsAsync<VectorServerConfigurationException>(() => TestServer.StartAsync(dir.Path, o => o.Shards = "1"));
        Assert.Contains("written by 2 shard(s)", refused.Message);
        Assert.Contains("--shards 2", refused.Message);
    }

    [Fact]
    public async Task A_corrupted_WAL_record_stops_startup_with_the_segment_and_offset()
    {
        using var dir = new TempDirectory();
        var server = await TestServer.StartAsync(dir.Path, o => o.Shards = "1");
        await Vectors.PutAsync(server.Data, "docs", Vectors.Random(600, Dimension, 16), Dimension, batchRows: 100);
        await server.StopAsync(snapshot: false);
        string segment = Directory.GetFiles(Path.Combine(dir.Path, "shard-0", "wal")).Order().First();
        using (var file = File.Open(segment, FileMode.Open))
        {
            file.Position = 200;                                          // inside the first record, well before the tail
            int b = file.ReadByte();
            file.Position = 200;
            file.WriteByte((byte)(b ^ 0x40));
        }
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => TestServer.StartAsync(dir.Path, o => o.Shards = "1"));
        Assert.IsType<Numa.Storage.Wal.WalCorruptionException>(refused);
        Assert.Contains(Path.GetFileName(segment), refused.Message);
    }

    [Fact]
    public void Settings_that_cannot_work_are_refused_before_anything_starts()
    {
        foreach (var (configure, expected) in new (Action<VectorServerOptions>, string)[]
        {
            (o => o.Shards = "many", "per-node, per-cpu or a count"),
            (o => o.Policy = "random", "compact or scatter"),
            (o => o.Durability = "sometimes", "always, none, or interval:MS"),
            (o => o.Listen = "localhost:80", "not an IP address"),
            (o => o.Strategy = "nearest", "local_node, round_robin, most_memory or disabled"),
            (o => o.DataPort = 70000, "a port is 0 to 65535"),
            (o => o.QueueCapacity = 100, "power of two"),
            (o => { o.DataPort = 3100; o.MetaPort = 3100; }, "DataPort and MetaPort are both 3100"),
            (o => o.Token = "", "Token is empty"),
            (o => o.Token = "  ", "Token is empty"),
        })
        {
            var options = new VectorServerOptions();
            configure(options);
            var refused = Assert.Throws<VectorServerConfigurationException>(options.Validate);
            Assert.Contains(expected, refused.Message);
        }
    }

    [Fact]
    public async Task After_a_restart_from_saved_graphs_searches_use_the_configured_efSearch_and_stats_the_graphs_own_M()
    {
        using var dir = new TempDirectory();
        var vectors = Vectors.Random(3000, Dimension, 47);
        var queries = Vectors.Random(100, Dimension, 48);
        await using (var server = await TestServer.StartAsync(dir.Path, o => { o.Shards = "1"; o.EfSearch = 1; o.M = 4; }))
            await Vectors.PutAsync(server.Data, "docs", vectors, Dimension);
        await using var restarted = await TestServer.StartAsync(dir.Path, o => { o.Shards = "1"; o.EfSearch = 400; o.M = 32; });
        Assert.Equal("saved graphs", await RecoveredFromAsync(restarted));
        int exact = 0;
        for (int q = 0; q < 100; q++)
        {
            var query = queries.AsMemory(q * Dimension, Dimension);
            var found = await restarted.Data.SearchAsync("docs", query, 1);
            if ((long)found.Ids[0] == Vectors.Exact(vectors, Dimension, query.Span, 1)[0]) exact++;
        }
        Assert.Equal(100, exact);                  // efSearch 400 over 3000 rows; the graph's own 1 misses some
        var stats = await restarted.GraphStatsAsync("docs");
        Assert.Equal(400, (int)stats["ef_search"]!);
        Assert.Equal(4, (int)stats["m"]!);         // the saved graph keeps the M it was built with
        Assert.Equal(4, (int)stats["shards"]![0]!["m"]!);
    }
}

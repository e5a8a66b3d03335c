// The catalog against the shards' data: a delete is durable as a tombstone before any shard drops a row, so a crash
// in between can neither bring the rows back nor hand them to a re-created collection; shard rows the catalog does
// not know stop the start instead of being deleted; a missing shard directory, a damaged catalog and a lost snapshot
// manifest are refused with what to do.
using System.Text;
using Numa.Flight;
using Numa.Grpc;
using Numa.VectorServer;

namespace Numa.Server.Tests;

public sealed class CatalogTests
{
    private const int Dimension = 8;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);

    private static string CatalogPath(TempDirectory dir) => Path.Combine(dir.Path, Catalog.FileName);

    // What a kill -9 leaves on disk at this moment (every file the server wrote is durable before it acknowledges).
    private static void CopyTree(string from, string to)
    {
        foreach (string d in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, d)));
        foreach (string f in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            if (Path.GetFileName(f) != "wal.lock") File.Copy(f, Path.Combine(to, Path.GetRelativePath(from, f)));
    }

    [Fact]
    public async Task A_crash_between_a_delete_and_its_drops_never_gives_the_rows_to_a_re_created_collection()
    {
        using var dir = new TempDirectory();
        using var crash = new TempDirectory();
        var server = await TestServer.StartAsync(dir.Path, o => o.Shards = "1");
        await Vectors.PutAsync(server.Data, "docs", Vectors.Random(50, Dimension, 40), Dimension);
        using var gate = new ShardJobGate<DropJob>(server);
        var deleting = Task.Run(() => server.Data.DoActionAsync("DeleteNamespace", Json("{\"name\":\"docs\"}")));
        Assert.True(gate.Held.Wait(Patience), "the drop never reached the shard");

        // While the shard still holds the rows, the name cannot be taken again ...
        var early = await Assert.ThrowsAsync<RpcException>(() => server.Data.DoActionAsync("CreateNamespace", Json("{\"name\":\"docs\"}")));
        Assert.Equal(GrpcStatusCode.Unavailable, early.StatusCode);
        Assert.Contains("still being deleted", early.Status.Detail);
        Assert.Contains("\"Dropping\":[\"docs\"]", await File.ReadAllTextAsync(CatalogPath(dir)));
        CopyTree(dir.Path, crash.Path);                                  // ... and a crash now keeps the tombstone
        gate.Release();
        await deleting.WaitAsync(Patience);

        // Live: once every drop is durable the name is free, and the tombstone is gone from the file.
        await server.Data.DoActionAsync("CreateNamespace", Json("{\"name\":\"docs\"}"));
        Assert.Contains("\"Dropping\":[]", await File.ReadAllTextAsync(CatalogPath(dir)));
        await server.StopAsync(snapshot: false);

        // After the crash: the shard discards the rows of the dropping name and the catalog forgets it; a new
        // collection of the name starts empty and takes another dimension.
        await using var restarted = await TestServer.StartAsync(crash.Path, o => o.Shards = "1");
        Assert.Equal(0, restarted.Host.Recoveries.Sum(r => r.Rows));
        Assert.Contains("\"Dropping\":[]", await File.ReadAllTextAsync(Path.Combine(crash.Path, Catalog.FileName)));
        await Vectors.PutAsync(restarted.Data, "docs", Vectors.Random(5, 4, 41), 4);
        var stats = await restarted.GraphStatsAsync("docs");
        Assert.Equal(5, (long)stats["rows"]!);
        Assert.Equal(4, (int)stats["dimension"]!);
    }

    [Fact]
    public async Task Rows_of_a_collection_an_older_catalog_does_not_name_stop_the_start_and_are_kept()
    {
        using var dir = new TempDirectory();
        string backup = CatalogPath(dir) + ".backup";
        await using (var server = await TestServer.StartAsync(dir.Path, o => o.Shards = "1"))
        {
            await Vectors.PutAsync(server.Data, "docs", Vectors.Random(20, Dimension, 42), Dimension);
            File.Copy(CatalogPath(dir), backup);
            await Vectors.PutAsync(server.Data, "recent", Vectors.Random(30, Dimension, 43), Dimension);
        }
        string current = await File.ReadAllTextAsync(CatalogPath(dir));
        File.Copy(backup, CatalogPath(dir), overwrite: true);            // "restored from a backup"

        var refused = await Assert.ThrowsAsync<VectorServerConfigurationException>(() => TestServer.StartAsync(dir.Path, o => o.Shards = "1"));
        Assert.Contains("collection 'recent' (30 rows of dimension 8)", refused.Message);
        Assert.Contains("Nothing was deleted", refused.Message);
        Assert.Contains("\"recent\": 8", refused.Message);

        await File.WriteAllTextAsync(CatalogPath(dir), current);
        await using var again = await TestServer.StartAsync(dir.Path, o => o.Shards = "1");
        Assert.Equal(20, (long)(await again.GraphStatsAsync("docs"))["rows"]!);
        Assert.Equal(30, (long)(await again.GraphStatsAsync("recent"))["rows"]!);
    }

    [Fact]
    public async Task A_missing_shard_directory_is_refused_rather_than_served_as_a_part_of_the_data()
    {
        using var dir = new TempDirectory();
        await using (var server = await TestServer.StartAsync(dir.Path, o => o.Shards = "2"))
            await Vectors.PutAsync(server.Data, "docs", Vectors.Random(200, Dimension, 44), Dimension);
        Directory.Delete(Path.Combine(dir.Path, "shard-1"), recursive: true);
        var refused = await Assert.ThrowsAsync<VectorServerConfigurationException>(() => TestServer.StartAsync(dir.Path, o => o.Shards = "2"));
        Assert.Contains(Path.Combine("shard-1", "wal") + " is missing", refused.Message);
        Assert.Contains("shard 1's data was lost or moved", refused.Message);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "shard-1")));  // nothing was re-created in its place
    }

    [Theory]
    [InlineData("{\"Shards\":1,\"Collections\":null}", "Collections is null")]
    [InlineData("{\"Shards\":1,\"Collections\":{},\"Dropping\":null}", "Dropping is null")]
    [InlineData("{\"Shards\":1,\"Collections\":{\"docs\":-3}}", "collection 'docs' has dimension -3")]
    [InlineData("{\"Shards\":1,\"Collections\":{\"docs\":70000}}", "collection 'docs' has dimension 70000")]
    [InlineData("{\"Shards\":1,\"Collections\":{\"a/../../x\":4}}", "no path separators")]
    [InlineData("{\"Shards\":1,\"Collections\":{},\"Dropping\":[\"a/b\"]}", "no path separators")]
    [InlineData("{\"Shards\":1,\"Collections\":{\"docs\":4},\"Dropping\":[\"docs\"]}", "'docs' is both a collection and being dropped")]
    public async Task A_damaged_catalog_is_refused_naming_the_bad_entry(string catalog, string expected)
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(CatalogPath(dir), catalog);
        var refused = await Assert.ThrowsAsync<VectorServerConfigurationException>(() => TestServer.StartAsync(dir.Path, o => o.Shards = "1"));
        Assert.Contains(expected, refused.Message);
        Assert.Contains(Catalog.FileName, refused.Message);
    }

    [Fact]
    public async Task A_lost_snapshot_manifest_is_named_as_the_cause()
    {
        using var dir = new TempDirectory();
        await using (var server = await TestServer.StartAsync(dir.Path, o => o.Shards = "1"))
            await Vectors.PutAsync(server.Data, "docs", Vectors.Random(20, Dimension, 45), Dimension);   // the graceful stop snapshots
        File.Delete(Path.Combine(dir.Path, "shard-0", "snapshots", "manifest.json"));
        var refused = await Assert.ThrowsAsync<VectorServerConfigurationException>(() => TestServer.StartAsync(dir.Path, o => o.Shards = "1"));
        Assert.Contains("holds no snapshot manifest (manifest.json): the snapshot was lost", refused.Message);
        Assert.Contains("was truncated through LSN", refused.Message);
    }

    [Fact]
    public async Task A_lost_snapshot_manifest_is_named_as_the_cause_when_records_follow_the_snapshot()
    {
        using var dir = new TempDirectory();
        await using (var server = await TestServer.StartAsync(dir.Path, o => o.Shards = "1"))
            await Vectors.PutAsync(server.Data, "docs", Vectors.Random(20, Dimension, 46), Dimension);   // snapshot at the stop
        var again = await TestServer.StartAsync(dir.Path, o => o.Shards = "1");
        await Vectors.PutAsync(again.Data, "docs", Vectors.Random(5, Dimension, 47), Dimension, firstId: 100);
        await again.StopAsync(snapshot: false);                           // records after the snapshot's truncation
        File.Delete(Path.Combine(dir.Path, "shard-0", "snapshots", "manifest.json"));
        var refused = await Assert.ThrowsAsync<VectorServerConfigurationException>(() => TestServer.StartAsync(dir.Path, o => o.Shards = "1"));
        Assert.Contains("holds no snapshot manifest (manifest.json): the snapshot was lost", refused.Message);
        Assert.Contains("resumes at LSN", refused.Message);
    }
}

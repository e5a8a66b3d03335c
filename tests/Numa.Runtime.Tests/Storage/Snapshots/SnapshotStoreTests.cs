// Snapshots: written atomically (temp file, fsync, rename, directory fsync), restored exactly, and refused —
// before any row reaches the store — when the manifest or a file is missing, truncated or corrupt, or the manifest
// names a shard twice.
using System.Text;
using System.Text.Json.Nodes;
using Numa.Storage;
using Numa.Storage.Parquet;
using Numa.Storage.Snapshots;
using Numa.Tests.Storage.Parquet;

namespace Numa.Tests.Storage.Snapshots;

public sealed class SnapshotStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "numa-snapshot-tests-" + Guid.NewGuid().ToString("N"));
    private static readonly ParquetWriterOptions s_options = new() { RowGroupSize = 100, PageSize = 2_000 };

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void A_snapshot_restores_every_shard_with_its_rows_and_lsn()
    {
        var source = new Source(
            (new SnapshotShard("docs", 0, 8), TestRows.Build(250, 8, seed: 1)),
            (new SnapshotShard("docs", 1, 8), TestRows.Build(3, 8, seed: 2)),
            (new SnapshotShard("images", 0, 784), TestRows.Build(120, 784, seed: 3)));
        var store = new SnapshotStore(_dir, s_options);

        SnapshotManifest written = store.Write(41, source);

        Assert.Equal(41, written.Lsn);
        Assert.Equal(["docs.0.g1.parquet", "docs.1.g1.parquet", "images.0.g1.parquet"], written.Files.Select(f => f.FileName));
        Assert.Equal(["docs.0.g1.parquet", "docs.1.g1.parquet", "images.0.g1.parquet", "manifest.json"],
            Directory.GetFiles(_dir).Select(Path.GetFileName).Order());

        var target = new Target();
        SnapshotManifest? restored = new SnapshotStore(_dir).Restore(target);
        Assert.NotNull(restored);
        Assert.Equal(41, restored.Lsn);
        Assert.Equal(written.Files, restored.Files);
        foreach ((SnapshotShard shard, VectorBatchBuffer rows) in source.Data)
        {
            Assert.Equal(rows.Count, target.Declared[shard]);
            TestRows.Equal(rows.AsBatch(), target.Rows[shard].AsBatch());
        }
        Assert.Equal(3, target.Ended.Count);
    }

    [Fact]
    public void A_newer_snapshot_replaces_the_old_files_and_an_older_lsn_is_refused()
    {
        var store = new SnapshotStore(_dir, s_options);
        store.Write(10, new Source((new SnapshotShard("c", 0, 4), TestRows.Build(10, 4))));
        SnapshotManifest second = store.Write(20, new Source((new SnapshotShard("c", 0, 4), TestRows.Build(5, 4, seed: 9))));

        Assert.Equal(2, second.Generation);
        Assert.Equal(["c.0.g2.parquet", "manifest.json"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order());
        Assert.Throws<ArgumentException>(() => store.Write(19, new Source()));
        var target = new Target();
        store.Restore(target);
        TestRows.Equal(TestRows.Build(5, 4, seed: 9).AsBatch(), target.Rows[new SnapshotShard("c", 0, 4)].AsBatch());
    }

    [Fact]
    public void A_write_that_fails_midway_leaves_the_previous_snapshot_current()
    {
        var store = new SnapshotStore(_dir, s_options);
        store.Write(10, new Source((new SnapshotShard("c", 0, 4), TestRows.Build(10, 4))));

        var failing = new Source((new SnapshotShard("c", 0, 4), TestRows.Build(10, 4)), (new SnapshotShard("c", 1, 4), TestRows.Build(10, 4))) { FailOn = 1 };
        Assert.Throws<IOException>(() => store.Write(11, failing));

        // The first shard's new file may be left behind (never named by a manifest); no temporary file is.
        Assert.DoesNotContain(Directory.GetFiles(_dir), f => f.EndsWith(".tmp", StringComparison.Ordinal));
        var target = new Target();
        Assert.Equal(10, store.Restore(target)!.Lsn);
        TestRows.Equal(TestRows.Build(10, 4).AsBatch(), target.Rows[new SnapshotShard("c", 0, 4)].AsBatch());
        // The next snapshot removes what the failed one left.
        store.Write(12, new Source((new SnapshotShard("c", 0, 4), TestRows.Build(1, 4))));
        Assert.Equal(["c.0.g2.parquet", "manifest.json"], Directory.GetFiles(_dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_directory_without_a_manifest_restores_nothing()
    {
        var target = new Target();
        Assert.Null(new SnapshotStore(_dir).Restore(target));
        Assert.Empty(target.Declared);
    }

    [Fact]
    public void A_bit_flip_anywhere_in_a_snapshot_file_is_refused_before_any_row_is_restored()
    {
        var store = new SnapshotStore(_dir, s_options);
        SnapshotManifest m = store.Write(5, new Source((new SnapshotShard("c", 0, 2), TestRows.Build(12, 2))));
        string path = Path.Combine(_dir, m.Files[0].FileName);
        byte[] original = File.ReadAllBytes(path);
        // CRC-32C catches every single-bit error; 97 flips spread over the file (first and last byte included)
        // show that nothing reaches the target first. ParquetCorruptionTests flips every bit of the format itself.
        for (int k = 0; k <= 96; k++)
        {
            int bit = (int)((long)k * (original.Length * 8 - 1) / 96);
            byte[] damaged = (byte[])original.Clone();
            damaged[bit >> 3] ^= (byte)(1 << (bit & 7));
            File.WriteAllBytes(path, damaged);
            var target = new Target();
            var e = Assert.Throws<SnapshotException>(() => store.Restore(target));
            Assert.Equal(path, e.Path);
            Assert.Contains("CRC-32C", e.Message);
            Assert.Empty(target.Declared);
        }
    }

    [Theory]
    [InlineData("truncate", "is 100 bytes, the manifest says")]
    [InlineData("delete", "is missing")]
    public void A_truncated_or_missing_file_is_named(string damage, string expected)
    {
        var store = new SnapshotStore(_dir, s_options);
        SnapshotManifest m = store.Write(5, new Source((new SnapshotShard("c", 0, 2), TestRows.Build(40, 2))));
        string path = Path.Combine(_dir, m.Files[0].FileName);
        if (damage == "truncate")
        {
            using var f = new FileStream(path, FileMode.Open);
            f.SetLength(100);
        }
        else
        {
            File.Delete(path);
        }
        var e = Assert.Throws<SnapshotException>(() => store.Restore(new Target()));
        Assert.Equal(path, e.Path);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_changed_lsn_in_the_manifest_fails_its_checksum()
    {
        var store = new SnapshotStore(_dir, s_options);
        store.Write(123_456, new Source((new SnapshotShard("c", 0, 2), TestRows.Build(4, 2))));
        string manifest = Path.Combine(_dir, SnapshotStore.ManifestFileName);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"lsn\":123456", "\"lsn\":923456", StringComparison.Ordinal));

        var e = Assert.Throws<SnapshotException>(() => store.Restore(new Target()));
        Assert.Contains("manifest CRC-32C", e.Message);
        File.WriteAllText(manifest, "{\"crc32c\":");
        Assert.Contains("manifest is malformed", Assert.Throws<SnapshotException>(() => store.ReadManifest()).Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../up")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    public void Collection_names_that_cannot_be_file_names_are_refused(string name)
    {
        var store = new SnapshotStore(_dir);
        Assert.Throws<ArgumentException>(() => store.Write(1, new Source((new SnapshotShard(name, 0, 2), TestRows.Build(1, 2)))));
    }

    [Fact]
    public void A_row_the_store_refuses_is_a_SnapshotException_naming_the_file()
    {
        var rows = TestRows.Build(5, 4, seed: 2);
        rows.Append(TestRows.Build(5, 4, seed: 2).AsBatch());                 // every id twice; the checksums still match
        new SnapshotStore(_dir, s_options).Write(3, new Source((new SnapshotShard("docs", 0, 4), rows)));
        var target = new Numa.Vectors.HnswSnapshots(shard => new Numa.Vectors.HnswIndex(new Numa.Vectors.HnswOptions { Dimension = shard.Dimension }));

        var e = Assert.Throws<SnapshotException>(() => new SnapshotStore(_dir).Restore(target));

        Assert.Equal(Path.Combine(_dir, "docs.0.g1.parquet"), e.Path);
        Assert.Contains($"id {2_000_000 - 17} is already present", e.Message);
        Assert.IsType<ArgumentException>(e.InnerException);
        foreach (var index in target.Indexes.Values) index.Dispose();
    }

    [Fact]
    public void A_manifest_naming_one_shard_twice_is_refused_before_any_shard_begins()
    {
        var store = new SnapshotStore(_dir, s_options);
        store.Write(5, new Source(
            (new SnapshotShard("c", 0, 4), TestRows.Build(10, 4, seed: 1)),
            (new SnapshotShard("c", 1, 4), TestRows.Build(10, 4, seed: 2))));
        // The second entry renamed to shard 0 (its file intact), the manifest's checksum recomputed.
        string path = Path.Combine(_dir, SnapshotStore.ManifestFileName);
        var root = JsonNode.Parse(File.ReadAllText(path))!;
        JsonNode body = root["manifest"]!;
        body["files"]![1]!["shard"] = 0;
        string raw = body.ToJsonString();
        File.WriteAllText(path, $"{{\"crc32c\":\"{Crc32C.Compute(Encoding.UTF8.GetBytes(raw)):X8}\",\"manifest\":{raw}}}");
        var target = new Target();

        var e = Assert.Throws<SnapshotException>(() => store.Restore(target));

        Assert.Equal(path, e.Path);
        Assert.Contains("manifest lists shard 0 of 'c' twice", e.Message);
        Assert.Empty(target.Declared);
    }

    private sealed class Source(params (SnapshotShard Shard, VectorBatchBuffer Rows)[] data) : ISnapshotSource
    {
        public (SnapshotShard Shard, VectorBatchBuffer Rows)[] Data { get; } = data;
        public int FailOn { get; init; } = -1;
        public IReadOnlyList<SnapshotShard> Shards => Data.Select(d => d.Shard).ToList();

        public void WriteShard(SnapshotShard shard, ParquetVectorWriter writer)
        {
            int index = Array.FindIndex(Data, d => d.Shard == shard);
            if (index == FailOn) throw new IOException("disk full (simulated)");
            VectorBatch all = Data[index].Rows.AsBatch();
            // Feed in two batches to cross row-group boundaries.
            writer.Write(all.Slice(0, all.Count / 2));
            writer.Write(all.Slice(all.Count / 2, all.Count - all.Count / 2));
        }
    }

    private sealed class Target : ISnapshotRestoreTarget
    {
        public Dictionary<SnapshotShard, long> Declared { get; } = [];
        public Dictionary<SnapshotShard, VectorBatchBuffer> Rows { get; } = [];
        public List<SnapshotShard> Ended { get; } = [];

        public void BeginShard(SnapshotShard shard, long rows)
        {
            Declared[shard] = rows;
            Rows[shard] = new VectorBatchBuffer(shard.Dimension);
        }

        public void Restore(SnapshotShard shard, in VectorBatch rows) => Rows[shard].Append(rows);

        public void EndShard(SnapshotShard shard) => Ended.Add(shard);
    }
}

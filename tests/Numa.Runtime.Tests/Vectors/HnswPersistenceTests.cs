// Save and load: a loaded index answers exactly as the saved one; a flipped byte anywhere, a truncated file or
// another version is refused with an error naming the offset and the field.
using System.Buffers.Binary;
using Numa.Vectors;

namespace Numa.Tests.Vectors;

public sealed class HnswPersistenceTests : IDisposable
{
    private const int N = 1200, Dimension = 12;
    private static readonly float[] s_data = Synthetic.Clusters(N + 50, Dimension, clusters: 12, seed: 17);
    private readonly string _folder = Directory.CreateTempSubdirectory("numa-hnsw-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string SaveSample(VectorMetric metric = VectorMetric.L2Squared)
    {
        using var index = HnswRecallTests.Build(new HnswOptions { Dimension = Dimension, Metric = metric, M = 6, EfConstruction = 40 }, s_data, N);
        index.Delete(3);
        index.Delete(700);
        string path = Path.Combine(_folder, $"index-{metric}.hnsw");
        index.Save(path);
        return path;
    }

    [Fact]
    public void A_save_that_fails_leaves_no_temporary_file_and_the_directory_as_it_was()
    {
        using var index = HnswRecallTests.Build(new HnswOptions { Dimension = Dimension, M = 6, EfConstruction = 40 }, s_data, 100);
        string path = Path.Combine(_folder, "taken.hnsw");
        Directory.CreateDirectory(Path.Combine(path, "inside"));             // the rename over it fails (EISDIR)

        Assert.ThrowsAny<IOException>(() => index.Save(path));

        Assert.False(File.Exists(path + HnswIndex.TemporarySuffix), "the failed save left its temporary file");
        Assert.Equal([path], Directory.GetFileSystemEntries(_folder));
        index.Save(Path.Combine(_folder, "free.hnsw"));                     // the index is unharmed
        using var loaded = HnswIndex.Load(Path.Combine(_folder, "free.hnsw"));
        Assert.Equal(index.Count, loaded.Count);
    }

    [Theory]
    [InlineData(VectorMetric.L2Squared)]
    [InlineData(VectorMetric.Cosine)]
    public void A_loaded_index_answers_exactly_as_the_saved_one(VectorMetric metric)
    {
        using var original = HnswRecallTests.Build(new HnswOptions { Dimension = Dimension, Metric = metric, M = 6, EfConstruction = 40 }, s_data, N);
        original.Delete(3);
        string path = Path.Combine(_folder, "roundtrip.hnsw");

        original.Save(path);
        using var loaded = HnswIndex.Load(path);

        Assert.Equal(original.Options, loaded.Options);
        Assert.Equal(original.Count, loaded.Count);
        Assert.Equal(original.NodeCount, loaded.NodeCount);
        Assert.Equal(original.TopLevel, loaded.TopLevel);
        Assert.False(loaded.Contains(3));
        for (int q = 0; q < 50; q++)
        {
            var query = s_data.AsSpan((N + q) * Dimension, Dimension);
            Assert.Equal(original.Search(query, 10, ef: 30), loaded.Search(query, 10, ef: 30));
        }
        // The level generator continues where it stopped: the same next insert gives the same graph.
        original.Add(N, s_data.AsSpan(N * Dimension, Dimension));
        loaded.Add(N, s_data.AsSpan(N * Dimension, Dimension));
        var probe = s_data.AsSpan((N + 1) * Dimension, Dimension);
        Assert.Equal(original.Search(probe, 10), loaded.Search(probe, 10));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void A_flipped_byte_anywhere_in_the_file_is_detected()
    {
        string path = SaveSample();
        byte[] good = File.ReadAllBytes(path);
        var random = new Random(5);
        // Header, slot table, vectors, level-0 links, upper links and trailer, plus random positions.
        var offsets = new List<int> { 0, 9, 20, 33, 60, 64 + 8, 64 + 16 * N - 1, 64 + 16 * N + 5, good.Length - 40, good.Length - 8, good.Length - 1 };
        for (int i = 0; i < 20; i++) offsets.Add(random.Next(good.Length));
        foreach (int offset in offsets)
        {
            byte[] bad = (byte[])good.Clone();
            bad[offset] ^= 0x10;
            string corrupt = Path.Combine(_folder, "corrupt.hnsw");
            File.WriteAllBytes(corrupt, bad);

            var e = Assert.Throws<VectorIndexFormatException>(() => HnswIndex.Load(corrupt));
            Assert.Equal(corrupt, e.FilePath);
            Assert.Contains("offset", e.Message);
        }
    }

    [Fact]
    public void A_flipped_vector_byte_fails_the_body_checksum()
    {
        string path = SaveSample();
        byte[] bytes = File.ReadAllBytes(path);
        bytes[64 + 16 * N + 4 * Dimension * 10 + 2] ^= 1;   // inside the 11th vector
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<VectorIndexFormatException>(() => HnswIndex.Load(path));

        Assert.Equal("body checksum", e.Field);
        Assert.Contains("CRC-32C mismatch", e.Message);
    }

    [Fact]
    public void A_truncated_file_is_refused()
    {
        string path = SaveSample();
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<VectorIndexFormatException>(() => HnswIndex.Load(path));

        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Another_version_is_refused_by_name()
    {
        string path = SaveSample();
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 2);
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<VectorIndexFormatException>(() => HnswIndex.Load(path));

        Assert.Equal("version", e.Field);
        Assert.Equal(8, e.Offset);
    }

    [Fact]
    public void A_file_that_is_not_an_index_is_refused()
    {
        string path = Path.Combine(_folder, "other.bin");
        File.WriteAllBytes(path, new byte[500]);

        var e = Assert.Throws<VectorIndexFormatException>(() => HnswIndex.Load(path));

        Assert.Equal("magic", e.Field);
    }

    [Fact]
    public void An_empty_index_round_trips()
    {
        string path = Path.Combine(_folder, "empty.hnsw");
        using (var empty = new HnswIndex(new HnswOptions { Dimension = 3 })) empty.Save(path);

        using var loaded = HnswIndex.Load(path);

        Assert.Equal(0, loaded.Count);
        Assert.Empty(loaded.Search([1f, 2f, 3f], 3));
    }
}

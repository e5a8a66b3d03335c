// Save and load: a loaded index answers exactly as the saved one; a flipped byte anywhere, a truncated file,
// another version, slot levels the file is too short for, or a vector Add would refuse is rejected with an error
// naming the offset and the field.
using System.Buffers.Binary;
using Numa.Memory;
using Numa.Storage;
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

    [Fact]
    public void Slot_levels_the_file_is_too_short_for_are_refused_before_anything_is_allocated()
    {
        // 500 slots of M = 1024 all claiming level 31 want 500 × 31 × 1025 × 4 bytes (≈ 61 MiB) of upper lists; the
        // file holds the fixed part only, with a valid header CRC.
        const int slots = 500, m = 1024;
        long fixedBody = (long)slots * (16 + sizeof(float) + (1 + 2 * m) * sizeof(int));
        string path = Path.Combine(_folder, "levels.hnsw");
        using (var file = File.Create(path))
        {
            file.Write(Header(dimension: 1, m, slots, entryNode: 0, entryLevel: 31));
            var slot = new byte[16];
            for (int i = 0; i < slots; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(slot, i);
                BinaryPrimitives.WriteInt32LittleEndian(slot.AsSpan(8), 1);
                BinaryPrimitives.WriteInt32LittleEndian(slot.AsSpan(12), HnswIndex.MaxLevel);
                file.Write(slot);
            }
            file.SetLength(HnswIndexFile.HeaderBytes + fixedBody + HnswIndexFile.TrailerBytes);
        }
        var platform = NumaPlatform.Current;
        using var arena = new NumaArena(platform, new NumaArenaOptions { Nodes = [platform.Topology.MemoryNodes[0].Id] });

        var e = Assert.Throws<VectorIndexFormatException>(() => HnswIndex.Load(path, arena));

        Assert.Equal("body length", e.Field);
        Assert.Equal(HnswIndexFile.HeaderBytes + 16L * slots, e.Offset);
        Assert.True(arena.ReservedBytes < 1 << 20, $"the arena reserved {arena.ReservedBytes} bytes before the file was refused");
    }

    [Theory]
    [InlineData(VectorMetric.L2Squared, float.NaN)]
    [InlineData(VectorMetric.L2Squared, float.PositiveInfinity)]
    [InlineData(VectorMetric.InnerProduct, float.NegativeInfinity)]
    public void A_vector_component_add_would_refuse_is_refused_naming_the_slot(VectorMetric metric, float value)
    {
        string path = SaveSample(metric);
        byte[] bytes = File.ReadAllBytes(path);
        long vectorAt = HnswIndexFile.HeaderBytes + 16L * N + 41L * Dimension * sizeof(float);   // slot 41
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan((int)vectorAt + 5 * sizeof(float)), value);
        RewriteBodyChecksum(bytes);
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<VectorIndexFormatException>(() => HnswIndex.Load(path));

        Assert.Equal("vector of slot 41", e.Field);
        Assert.Equal(vectorAt, e.Offset);
        Assert.Contains($"holds {value} at element 5", e.Message);
    }

    [Fact]
    public void A_zero_vector_under_cosine_is_refused_naming_the_slot()
    {
        string path = SaveSample(VectorMetric.Cosine);
        byte[] bytes = File.ReadAllBytes(path);
        int vectorAt = HnswIndexFile.HeaderBytes + 16 * N + 700 * Dimension * sizeof(float);      // slot 700, a tombstone
        bytes.AsSpan(vectorAt, Dimension * sizeof(float)).Clear();
        RewriteBodyChecksum(bytes);
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<VectorIndexFormatException>(() => HnswIndex.Load(path));

        Assert.Equal("vector of slot 700", e.Field);
        Assert.Equal(vectorAt, e.Offset);
        Assert.Contains("zero", e.Message);
    }

    [Fact]
    public void A_loaded_index_has_the_default_seed_and_draws_the_levels_the_saved_one_would()
    {
        using var original = HnswRecallTests.Build(new HnswOptions { Dimension = Dimension, M = 6, EfConstruction = 40, Seed = 7 }, s_data, 300);
        string path = Path.Combine(_folder, "seed.hnsw");
        original.Save(path);
        using var loaded = HnswIndex.Load(path);

        Assert.Equal(new HnswOptions { Dimension = Dimension }.Seed, loaded.Options.Seed);       // the seed is not stored; the generator state is
        for (int i = 300; i < 400; i++)
        {
            original.Add(i, s_data.AsSpan(i * Dimension, Dimension));
            loaded.Add(i, s_data.AsSpan(i * Dimension, Dimension));
        }
        Assert.Equal(original.TopLevel, loaded.TopLevel);
        for (int q = 0; q < 20; q++)
        {
            var query = s_data.AsSpan((N + q) * Dimension, Dimension);
            Assert.Equal(original.Search(query, 10), loaded.Search(query, 10));
        }
    }

    private static byte[] Header(int dimension, int m, int slots, int entryNode, int entryLevel)
    {
        var header = new byte[HnswIndexFile.HeaderBytes];
        "NUMAHNSW"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), HnswIndexFile.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), (uint)dimension);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), (uint)m);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(24), 10);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(28), 10);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(32), (uint)slots);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(36), entryNode);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(40), entryLevel);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(56), Crc32C.Compute(header.AsSpan(0, 56)));
        return header;
    }

    // A deliberate edit must still pass the body CRC, so that the check under test is the one that refuses it.
    private static void RewriteBodyChecksum(byte[] bytes)
    {
        int bodyEnd = bytes.Length - HnswIndexFile.TrailerBytes;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bodyEnd + 8), Crc32C.Compute(bytes.AsSpan(HnswIndexFile.HeaderBytes, bodyEnd - HnswIndexFile.HeaderBytes)));
    }
}

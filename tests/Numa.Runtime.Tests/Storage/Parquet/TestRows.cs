// Deterministic rows of the snapshot schema for the Parquet and snapshot tests.
using System.Text;
using Numa.Storage.Parquet;

namespace Numa.Tests.Storage.Parquet;

internal static class TestRows
{
    /// <summary><paramref name="rows"/> rows; metadata null on every third row (none when <paramref name="withMetadata"/>
    /// is false), some of it non-ASCII.</summary>
    public static VectorBatchBuffer Build(int rows, int dim, bool withMetadata = true, int seed = 1)
    {
        var random = new Random(seed);
        var ids = new long[rows];
        var vectors = new float[rows * dim];
        var timestamps = new long[rows];
        var offsets = new int[rows + 1];
        var validity = new byte[(rows + 7) / 8];
        var bytes = new List<byte>();
        for (int i = 0; i < rows; i++)
        {
            ids[i] = seed * 1_000_000L + i * 3 - 17;
            timestamps[i] = 1_700_000_000_000_000_000L + i * 999_999_937L;
            for (int j = 0; j < dim; j++) vectors[i * dim + j] = (float)(random.NextDouble() * 2 - 1);
            if (i % 3 != 0)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes($"{{\"n\":{i},\"s\":\"ß→{i % 5}\"}}"));
                validity[i >> 3] |= (byte)(1 << (i & 7));
            }
            offsets[i + 1] = bytes.Count;
        }
        var buffer = new VectorBatchBuffer(dim);
        buffer.Append(withMetadata
            ? new VectorBatch(ids, vectors, dim, timestamps, offsets, bytes.ToArray(), validity)
            : new VectorBatch(ids, vectors, dim, timestamps));
        return buffer;
    }

    public static byte[] Write(VectorBatch rows, ParquetWriterOptions options)
    {
        using var stream = new MemoryStream();
        using (var writer = new ParquetVectorWriter(stream, rows.Dimension, options)) 
        {
            writer.Write(rows);
            writer.Finish();
        }
        return stream.ToArray();
    }

    public static VectorBatchBuffer ReadAll(byte[] file, int dim)
    {
        using var reader = new ParquetVectorReader(new MemoryStream(file), "test.parquet");
        var all = new VectorBatchBuffer(dim);
        var buffer = new VectorBatchBuffer(dim);
        for (int g = 0; g < reader.RowGroupCount; g++) all.Append(reader.ReadRowGroup(g, buffer).AsBatch());
        return all;
    }

    /// <summary>Asserts that two batches hold the same rows, column by column.</summary>
    public static void Equal(VectorBatch expected, VectorBatch actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Dimension, actual.Dimension);
        Assert.True(expected.Ids.SequenceEqual(actual.Ids), "ids differ");
        Assert.True(expected.Timestamps.SequenceEqual(actual.Timestamps), "timestamps differ");
        Assert.True(expected.Vectors.SequenceEqual(actual.Vectors), "vectors differ");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected.IsMetadataNull(i), actual.IsMetadataNull(i));
            Assert.True(expected.Metadata(i).SequenceEqual(actual.Metadata(i)), $"metadata of row {i} differs");
        }
    }
}

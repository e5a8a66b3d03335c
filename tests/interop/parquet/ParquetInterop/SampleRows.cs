// The rows the interop suite writes and expects, by formula, so that node scripts can recompute any row
// (tests/interop/parquet/expected.mjs holds the same formulas). The low-cardinality variant (100 distinct
// floats, 17 distinct metadata strings) is what makes DuckDB choose dictionary encoding.
using System.Text;
using Numa.Storage.Parquet;

namespace Numa.Interop.Parquet;

internal static class SampleRows
{
    public static long Id(int i) => 1_000 + 7L * i;

    public static bool LowCardinality { get; set; }

    public static float Element(int i, int j, int dim) => (((long)i * dim + j) % (LowCardinality ? 100 : 1_000)) / 8f - 50f;

    public static string? Metadata(int i) =>
        i % 3 == 0 ? null : LowCardinality ? $"tag-{i % 17}" : $"{{\"row\":{i},\"tag\":\"ü-{i % 17}\"}}";

    public static long Timestamp(int i) => 1_700_000_000_123_456_789L + 1_000_003L * i;

    public static VectorBatchBuffer Build(int rows, int dim)
    {
        var buffer = new VectorBatchBuffer(dim);
        var ids = new long[rows];
        var vectors = new float[rows * dim];
        var timestamps = new long[rows];
        var offsets = new int[rows + 1];
        var validity = new byte[(rows + 7) / 8];
        var bytes = new List<byte>();
        for (int i = 0; i < rows; i++)
        {
            ids[i] = Id(i);
            timestamps[i] = Timestamp(i);
            for (int j = 0; j < dim; j++) vectors[i * dim + j] = Element(i, j, dim);
            if (Metadata(i) is { } m)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(m));
                validity[i >> 3] |= (byte)(1 << (i & 7));
            }
            offsets[i + 1] = bytes.Count;
        }
        buffer.Append(new VectorBatch(ids, vectors, dim, timestamps, offsets, bytes.ToArray(), validity));
        return buffer;
    }

    /// <summary>Compares what a reader restored with the formulas; returns the first difference or null.</summary>
    public static string? Check(VectorBatch rows, int firstRow)
    {
        for (int k = 0; k < rows.Count; k++)
        {
            int i = firstRow + k;
            if (rows.Ids[k] != Id(i)) return $"row {i}: id {rows.Ids[k]}, expected {Id(i)}";
            if (rows.Timestamps[k] != Timestamp(i)) return $"row {i}: timestamp {rows.Timestamps[k]}, expected {Timestamp(i)}";
            ReadOnlySpan<float> v = rows.Vector(k);
            for (int j = 0; j < v.Length; j++)
            {
                if (v[j] != Element(i, j, rows.Dimension)) return $"row {i}: vector[{j}] {v[j]}, expected {Element(i, j, rows.Dimension)}";
            }
            string? expected = Metadata(i);
            string? actual = rows.IsMetadataNull(k) ? null : Encoding.UTF8.GetString(rows.Metadata(k));
            if (actual != expected) return $"row {i}: metadata {actual ?? "null"}, expected {expected ?? "null"}";
        }
        return null;
    }
}

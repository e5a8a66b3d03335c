// The write and read commands of the interop helper.
using Numa.Storage.Parquet;

namespace Numa.Interop.Parquet;

internal static class Commands
{
    public static readonly (string Name, ParquetCompression Codec)[] Codecs =
    [
        ("uncompressed", ParquetCompression.Uncompressed), ("snappy", ParquetCompression.Snappy), ("gzip", ParquetCompression.Gzip),
    ];

    public static int Write(string dir, int rows, int dim, int rowGroup)
    {
        Directory.CreateDirectory(dir);
        VectorBatchBuffer data = SampleRows.Build(rows, dim);
        foreach ((string name, ParquetCompression codec) in Codecs)
        {
            string path = Path.Combine(dir, $"numa-{name}.parquet");
            using (var stream = File.Create(path))
            using (var writer = new ParquetVectorWriter(stream, dim, new ParquetWriterOptions { RowGroupSize = rowGroup, PageSize = 16 << 10, Compression = codec }))
            {
                // Feed in uneven batches so that row groups are cut across batch boundaries.
                VectorBatch all = data.AsBatch();
                for (int start = 0, step = 997; start < rows; start += step) writer.Write(all.Slice(start, Math.Min(step, rows - start)));
                writer.Finish();
            }
            Console.WriteLine($"wrote {path} ({new FileInfo(path).Length} bytes)");
        }
        return 0;
    }

    public static int Read(string file, int rows, int dim, bool lowCardinality = false)
    {
        SampleRows.LowCardinality = lowCardinality;
        try
        {
            using var reader = ParquetVectorReader.Open(file);
            if (reader.RowCount != rows) return Fail($"{file}: {reader.RowCount} rows, expected {rows}");
            if (reader.Dimension != dim) return Fail($"{file}: dimension {reader.Dimension}, expected {dim}");
            var buffer = new VectorBatchBuffer(dim);
            int first = 0;
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                reader.ReadRowGroup(g, buffer);
                if (SampleRows.Check(buffer.AsBatch(), first) is { } difference) return Fail($"{file}: {difference}");
                first += buffer.Count;
            }
            Console.WriteLine($"read {Path.GetFileName(file)}: {first} rows in {reader.RowGroupCount} row groups, created_by '{reader.CreatedBy}', all equal");
            return first == rows ? 0 : Fail($"{file}: row groups hold {first} rows");
        }
        catch (ParquetFormatException e)
        {
            return Fail(e.Message);
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"FAIL {message}");
        return 1;
    }
}

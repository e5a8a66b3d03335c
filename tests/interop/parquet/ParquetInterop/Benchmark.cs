// The C# side of the snapshot benchmark (tests/interop/parquet/bench.sh): Fashion-MNIST's 60,000 × 784 training
// images as float vectors, written and read with Numa's Parquet writer/reader and snapshot store, per codec.
// Prints one JSON line per measurement; bench.mjs times DuckDB on the same data in the same run.
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Numa.Storage.Parquet;
using Numa.Storage.Snapshots;

namespace Numa.Interop.Parquet;

internal static class Benchmark
{
    public const int RowGroupSize = 32_768;

    public static int Run(string imagesGz, string dir, int repeats)
    {
        Directory.CreateDirectory(dir);
        VectorBatchBuffer data = Load(imagesGz);
        VectorBatch rows = data.AsBatch();
        long logicalBytes = rows.Ids.Length * 16L + rows.Vectors.Length * 4L + rows.MetadataBytes.Length;
        Emit(new { kind = "data", rows = rows.Count, dim = rows.Dimension, logicalBytes });

        foreach ((string name, ParquetCompression codec) in Commands.Codecs)
        {
            var options = new ParquetWriterOptions { RowGroupSize = RowGroupSize, Compression = codec };
            string file = Path.Combine(dir, $"numa-{name}.parquet");
            var write = new List<double>();
            var read = new List<double>();
            var snapshotWrite = new List<double>();
            var restore = new List<double>();
            for (int r = 0; r <= repeats; r++)   // r = 0 warms up (JIT, page cache) and is not counted
            {
                var sw = Stopwatch.StartNew();
                using (var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
                using (var writer = new ParquetVectorWriter(stream, rows.Dimension, options))
                {
                    writer.Write(rows);
                    writer.Finish();
                }
                if (r > 0) write.Add(sw.Elapsed.TotalSeconds);

                sw.Restart();
                long restored = 0;
                using (var reader = ParquetVectorReader.Open(file))
                {
                    var buffer = new VectorBatchBuffer(reader.Dimension, RowGroupSize);
                    for (int g = 0; g < reader.RowGroupCount; g++) restored += reader.ReadRowGroup(g, buffer).Count;
                }
                if (r > 0) read.Add(sw.Elapsed.TotalSeconds);
                if (restored != rows.Count) throw new InvalidDataException($"read {restored} rows back");

                var store = new SnapshotStore(Path.Combine(dir, $"snapshots-{name}"), options);
                sw.Restart();
                store.Write(r + 1, new Source(data));
                if (r > 0) snapshotWrite.Add(sw.Elapsed.TotalSeconds);
                sw.Restart();
                var target = new CountingTarget();
                store.Restore(target);
                if (r > 0) restore.Add(sw.Elapsed.TotalSeconds);
                if (target.Rows != rows.Count) throw new InvalidDataException($"restored {target.Rows} rows");
            }
            // Disk space is shared: only the plain files stay (bench.mjs reads them).
            Directory.Delete(Path.Combine(dir, $"snapshots-{name}"), recursive: true);
            long size = new FileInfo(file).Length;
            Emit(new { kind = "numa", codec = name, op = "write", seconds = Median(write), mbps = logicalBytes / 1e6 / Median(write), fileBytes = size });
            Emit(new { kind = "numa", codec = name, op = "read", seconds = Median(read), mbps = logicalBytes / 1e6 / Median(read), fileBytes = size });
            Emit(new { kind = "numa", codec = name, op = "snapshot-write", seconds = Median(snapshotWrite), mbps = logicalBytes / 1e6 / Median(snapshotWrite), fileBytes = size });
            Emit(new { kind = "numa", codec = name, op = "snapshot-restore", seconds = Median(restore), mbps = logicalBytes / 1e6 / Median(restore), fileBytes = size });
        }
        return 0;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static void Emit(object value) => Console.WriteLine(JsonSerializer.Serialize(value));

    // IDX3 (gzip): big-endian magic 0x00000803, count, rows, columns, then uint8 pixels. Labels (IDX1, magic
    // 0x00000801) beside it become each row's metadata {"label":N}.
    private static VectorBatchBuffer Load(string imagesGz)
    {
        byte[] images = Gunzip(imagesGz);
        if (images.Length < 16 || ReadBigEndian(images, 0) != 0x803) throw new InvalidDataException($"{imagesGz} is not an IDX3 file");
        int count = ReadBigEndian(images, 4), dim = ReadBigEndian(images, 8) * ReadBigEndian(images, 12);
        if ((long)count * dim + 16 != images.Length) throw new InvalidDataException($"{imagesGz}: {images.Length} bytes for {count} × {dim}");
        string labelsGz = imagesGz.Replace("images-idx3", "labels-idx1", StringComparison.Ordinal);
        byte[]? labels = File.Exists(labelsGz) ? Gunzip(labelsGz) : null;

        var ids = new long[count];
        var vectors = new float[count * dim];
        var timestamps = new long[count];
        var offsets = new int[count + 1];
        var meta = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            ids[i] = i;
            timestamps[i] = 1_700_000_000_000_000_000L + i * 1_000L;
            for (int j = 0; j < dim; j++) vectors[i * dim + j] = images[16 + i * dim + j];
            if (labels is not null) meta.Append("{\"label\":").Append(labels[8 + i]).Append('}');
            offsets[i + 1] = meta.Length;
        }
        var buffer = new VectorBatchBuffer(dim);
        buffer.Append(labels is null
            ? new VectorBatch(ids, vectors, dim, timestamps)
            : new VectorBatch(ids, vectors, dim, timestamps, offsets, Encoding.ASCII.GetBytes(meta.ToString())));
        return buffer;
    }

    private static byte[] Gunzip(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    private static int ReadBigEndian(byte[] b, int at) => b[at] << 24 | b[at + 1] << 16 | b[at + 2] << 8 | b[at + 3];

    private sealed class Source(VectorBatchBuffer data) : ISnapshotSource
    {
        public IReadOnlyList<SnapshotShard> Shards { get; } = [new SnapshotShard("fashion-mnist", 0, data.Dimension)];

        public void WriteShard(SnapshotShard shard, ParquetVectorWriter writer) => writer.Write(data.AsBatch());
    }

    private sealed class CountingTarget : ISnapshotRestoreTarget
    {
        public long Rows { get; private set; }
        public void BeginShard(SnapshotShard shard, long rows) { }
        public void Restore(SnapshotShard shard, in VectorBatch rows) => Rows += rows.Count;
        public void EndShard(SnapshotShard shard) { }
    }
}

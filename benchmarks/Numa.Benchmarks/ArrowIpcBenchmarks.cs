// Arrow IPC encode and decode of the batch Flight DoPut/DoGet moves: 100,000 rows of {id int64, vector
// FixedSizeList<float32>[128]} (51.2 MB of vectors). The peer is a plain memcpy of the same column bytes into the
// same destination — the floor any encoder pays (Apache.Arrow does not restore here; ENVIRONMENT.md). The MB/s
// column counts the encoded stream's bytes per second.
using System.Numerics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Numa.Arrow;

namespace Numa.Benchmarks;

[Config(typeof(ThroughputConfig))]
public class ArrowIpcBenchmarks
{
    public const int Rows = 100_000;
    public const int Dim = 128;

    private ArrowRecordBatch _batch = null!;
    private long[] _ids = null!;
    private float[] _vectors = null!;
    private byte[] _destination = null!;
    private MemoryStream _stream = null!;
    private byte[] _encoded = null!;
    private byte[] _header = null!;
    private byte[] _body = null!;
    private ArrowSchema _schema = null!;
    private readonly ArrowMessageEncoder _encoder = new();

    /// <summary>Bytes of the encoded stream; the MB/s column divides this by the mean time.</summary>
    public static long StreamBytes { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var vectorType = ArrowType.FixedSizeList(new ArrowField("item", ArrowType.Float32, nullable: false), Dim);
        _schema = new ArrowSchema([new ArrowField("id", ArrowType.Int64, nullable: false), new ArrowField("vector", vectorType, nullable: false)]);
        _ids = new long[Rows];
        _vectors = new float[Rows * Dim];
        var random = new Random(42);
        for (int i = 0; i < Rows; i++) _ids[i] = i;
        for (int i = 0; i < _vectors.Length; i++) _vectors[i] = random.NextSingle();
        _batch = new ArrowRecordBatch(_schema, Rows, [ArrowArray.Int64(_ids), ArrowArray.FixedSizeList(vectorType, Rows, ArrowArray.Float32(_vectors))]);

        _stream = new MemoryStream(64 << 20);
        EncodeStream();
        _encoded = _stream.ToArray();
        StreamBytes = _encoded.Length;
        _destination = new byte[_encoded.Length];
        _header = _encoder.EncodeRecordBatch(_batch).ToArray();
        _body = new byte[_encoder.BodyLength];
        _encoder.WriteBody(_body);
    }

    /// <summary>The floor: copy the two columns' bytes once into a preallocated buffer.</summary>
    [Benchmark(Baseline = true)]
    public int Memcpy_columns()
    {
        var ids = MemoryMarshal.AsBytes(_ids.AsSpan());
        var vectors = MemoryMarshal.AsBytes(_vectors.AsSpan());
        ids.CopyTo(_destination);
        vectors.CopyTo(_destination.AsSpan(ids.Length));
        return _destination[^1];
    }

    /// <summary>ArrowStreamWriter: schema, the batch and end-of-stream into a preallocated MemoryStream.</summary>
    [Benchmark]
    public long EncodeStream()
    {
        _stream.Position = 0;
        using var writer = new ArrowStreamWriter(_stream, _schema, leaveOpen: true);
        writer.WriteRecordBatch(_batch);
        writer.Finish();
        return _stream.Position;
    }

    /// <summary>The Flight path: the Message header, then the body straight into a preallocated buffer.</summary>
    [Benchmark]
    public long EncodeFlightPair()
    {
        var header = _encoder.EncodeRecordBatch(_batch);
        _encoder.WriteBody(_destination);
        return header.Length + _encoder.BodyLength;
    }

    /// <summary>ArrowStreamReader over the encoded bytes: schema and batch validated, columns viewed in place.</summary>
    [Benchmark]
    public int DecodeStream()
    {
        var reader = new ArrowStreamReader(_encoded);
        return reader.ReadNextBatch()!.Length;
    }

    /// <summary>The Flight path: decode a (header, body) pair.</summary>
    [Benchmark]
    public int DecodeFlightPair() => ArrowMessageDecoder.DecodeRecordBatch(_schema, _header, _body).Length;

    /// <summary>Decode, then read every float once (the decode cost next to touching the data).</summary>
    [Benchmark]
    public float DecodeStream_and_sum_vectors()
    {
        var batch = new ArrowStreamReader(_encoded).ReadNextBatch()!;
        return Sum(batch.Columns[1].Values!.GetValues<float>());
    }

    /// <summary>Summing the raw float array: the floor for DecodeStream_and_sum_vectors.</summary>
    [Benchmark]
    public float Sum_vectors_raw() => Sum(_vectors);

    private static float Sum(ReadOnlySpan<float> values)
    {
        var acc = Vector<float>.Zero;
        foreach (var v in MemoryMarshal.Cast<float, Vector<float>>(values)) acc += v;
        return Vector.Sum(acc);
    }

    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig() => AddColumn(new MegabytesPerSecondColumn());
    }

    /// <summary>Encoded stream bytes (about 52 MB) divided by the mean time, in MB/s (10^6 bytes).</summary>
    private sealed class MegabytesPerSecondColumn : IColumn
    {
        public string Id => "MBps";
        public string ColumnName => "MB/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Encoded stream bytes per second, in 10^6 bytes";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var stats = summary[benchmarkCase]?.ResultStatistics;
            return stats is null || StreamBytes == 0 ? "-" : $"{StreamBytes / (stats.Mean / 1e9) / 1e6:N0}";
        }
    }
}

// Appending a record into the WAL's node-local buffer (copy, CRC-32C, LSN, timestamp, under the appenders' lock)
// against a FileStream with a buffer of the same size writing the same record bytes with the same CRC and the same
// clock. 64 B and 1 KiB payloads. Each iteration starts with both written out (IterationSetup) and appends 10,000
// records (1–10.6 MB) into one 32 MiB buffer: neither writes to the file system while it is measured (the WAL's
// flusher wakes at half a buffer under Interval(60 s)), so this measures the append itself, not how fast the data
// drains (on an oversubscribed 2-core machine the flusher competes with the appender for a core). The WAL's two
// buffers alternate, so a 1 KiB run touches about 21 MB, within this VM's 32 MiB L3 but more than the 2 MiB a
// default 4 MiB buffer holds before the flusher takes it. GlobalSetup appends for three seconds first: each
// iteration is one invocation, too few for the tiered JIT to finish with TryAppend during BenchmarkDotNet's warm-up.
// Both write to /dev/shm and keep at most 128 MiB there plus one iteration's records: past that the WAL truncates
// and the peer rewinds.
using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Numa.Storage;
using Numa.Storage.Wal;

namespace Numa.Benchmarks;

[MemoryDiagnoser]
[IterationCount(100)]
[WarmupCount(10)]
public class WalAppendBenchmarks
{
    private const int Batch = 10_000;
    private const int BufferBytes = 32 * WalOptions.MiB;
    private const long KeepBytes = 128L * WalOptions.MiB;
    private string _dir = null!;
    private WriteAheadLog _log = null!;
    private FileStream _file = null!;
    private byte[] _payload = null!;
    private byte[] _record = null!;

    [Params(64, 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _dir = Path.Combine(root, $"numa-bench-wal-{Guid.NewGuid():N}");
        _log = WriteAheadLog.Open(new WalOptions
        {
            Directory = _dir, Durability = WalDurability.Interval(60_000), BufferBytes = BufferBytes,
            SegmentBytes = 256 * WalOptions.MiB, MaxLogBytes = long.MaxValue,
        });
        _file = new FileStream(Path.Combine(_dir, "peer.log"), FileMode.Create, FileAccess.Write, FileShare.None, BufferBytes);
        _payload = new byte[Size];
        new Random(1).NextBytes(_payload);
        _record = new byte[28 + "vectors".Length + Size];

        var warm = System.Diagnostics.Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(3))
        {
            Drain();
            Wal_TryAppend();
            FileStream_buffered_write();
        }
    }

    [IterationSetup]
    public void Drain()
    {
        _log.FlushAsync().AsTask().GetAwaiter().GetResult();
        if (_log.LogBytes > KeepBytes) _log.TruncateThroughAsync(_log.WrittenLsn).GetAwaiter().GetResult();
        _file.Flush();
        if (_file.Position > KeepBytes) _file.Position = 0;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log.Dispose();
        _file.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>WriteAheadLog.TryAppend (spins in the rare case both buffers are busy).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public long Wal_TryAppend()
    {
        long lsn = 0;
        for (int i = 0; i < Batch; i++)
            while (!_log.TryAppend(1, "vectors"u8, _payload, out lsn)) Thread.SpinWait(20);
        return lsn;
    }

    /// <summary>The same record bytes (header, name, payload, CRC-32C, the WAL's clock) through a 32 MiB FileStream buffer.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public long FileStream_buffered_write()
    {
        Span<byte> r = _record;
        for (int i = 0; i < Batch; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(r, (uint)r.Length);
            BinaryPrimitives.WriteInt64LittleEndian(r[8..], i);
            BinaryPrimitives.WriteInt64LittleEndian(r[16..], WalClock.NowUnixNanoseconds());
            r[24] = 1;
            BinaryPrimitives.WriteUInt16LittleEndian(r[26..], 7);
            "vectors"u8.CopyTo(r[28..]);
            _payload.CopyTo(r[35..]);
            BinaryPrimitives.WriteUInt32LittleEndian(r[4..], Crc32C.Compute(r[8..]));
            _file.Write(r);
        }
        return _file.Position;
    }
}

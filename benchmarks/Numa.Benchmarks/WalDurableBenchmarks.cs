// Durable throughput: 8 concurrent appenders on one WriteAheadLog with the Always policy (every append waits for the
// fdatasync that covers it; appends that arrive during a sync share the next one) against the plain way on the same
// disk in the same run: one thread writing the same record bytes through a FileStream, fdatasync after every batch
// of 8 (one record per appender). Both sync the same number of bytes; the ratio of the means is the ratio of bytes/s.
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Numa.Storage;
using Numa.Storage.Wal;

namespace Numa.Benchmarks;

[IterationCount(20)]
[WarmupCount(2)]
public partial class WalDurableBenchmarks
{
    private const int Appenders = 8;
    private const int PerAppender = 100;
    private const int Records = Appenders * PerAppender;
    private string _dir = null!;
    private WriteAheadLog _log = null!;
    private FileStream _file = null!;
    private byte[] _payload = null!;
    private byte[] _batch = null!;

    [Params(64, 1024)]
    public int Size { get; set; }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fdatasync(int fd);

    [GlobalSetup]
    public void Setup()
    {
        // Under the user's home, not /tmp: /tmp may be a tmpfs, where fdatasync costs nothing.
        _dir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "numa", $"bench-wal-{Guid.NewGuid():N}");
        _log = WriteAheadLog.Open(new WalOptions { Directory = _dir, Durability = WalDurability.Always, SegmentBytes = 64 * WalOptions.MiB, MaxLogBytes = long.MaxValue });
        _file = new FileStream(Path.Combine(_dir, "peer.log"), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        _payload = new byte[Size];
        new Random(1).NextBytes(_payload);
        int record = 28 + "vectors".Length + Size;
        _batch = new byte[record * Appenders];
        for (int i = 0; i < Appenders; i++)
        {
            var r = _batch.AsSpan(i * record, record);
            BitConverter.TryWriteBytes(r, record);
            "vectors"u8.CopyTo(r[28..]);
            _payload.CopyTo(r[35..]);
            BitConverter.TryWriteBytes(r[4..], Crc32C.Compute(r[8..]));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // Group commit at a glance: the baseline syncs once per 8 records by construction.
        if (_log.LastLsn > 0)
            Console.WriteLine($"// WAL group commit: {_log.LastLsn} records in {_log.SyncCount} syncs = {(double)_log.LastLsn / Math.Max(1, _log.SyncCount):F2} records per fdatasync");
        _log.Dispose();
        _file.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public void Wal_Always_8_appenders()
    {
        var tasks = new Task[Appenders];
        for (int a = 0; a < Appenders; a++)
            tasks[a] = Task.Run(async () =>
            {
                for (int i = 0; i < PerAppender; i++) await _log.AppendAsync(1, "vectors", _payload);
            });
        Task.WaitAll(tasks);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Records)]
    public void FileStream_write_and_fdatasync_per_batch_of_8()
    {
        int fd = (int)_file.SafeFileHandle.DangerousGetHandle();
        for (int b = 0; b < PerAppender; b++)
        {
            _file.Write(_batch);
            if (fdatasync(fd) != 0) throw new IOException($"fdatasync failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}

// The write-ahead log: round trip through segments, policies, group commit, backpressure, snapshot requests and
// truncation, node-local buffers, bad input.
using Numa.Storage;
using Numa.Storage.Wal;
using static Numa.Tests.Storage.WalTestData;

namespace Numa.Tests.Storage;

public sealed class WriteAheadLogTests
{
    [Fact]
    public async Task Records_come_back_in_LSN_order_with_every_field_across_segments_and_reopens()
    {
        using var dir = new TempDirectory();
        var random = new Random(1);
        var sizes = new Dictionary<long, int>();
        long before = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100 - 20_000_000;   // the coarse clock lags by a tick
        for (int round = 0; round < 3; round++)
        {
            using var log = WriteAheadLog.Open(Options(dir.Path, segmentBytes: 256 * 1024));
            Assert.Equal(sizes.Count, log.LastLsn);
            for (int i = 0; i < 700; i++)
            {
                long lsn = sizes.Count + 1;
                int size = random.Next(0, 2000);
                sizes[lsn] = size;
                Assert.Equal(lsn, await log.AppendAsync((byte)(lsn % 7), "vectors", Payload(lsn, size)));
            }
            Assert.Equal(sizes.Count, log.DurableLsn);
        }
        Assert.True(dir.Segments().Length > 3, "the log should have rotated segments");
        Assert.Equal(2100, ReadAndCheck(dir.Path, 1, lsn => sizes[lsn], out var torn));
        Assert.Null(torn);

        using var reader = WalReader.Open(dir.Path, fromLsn: 1500);
        Assert.True(reader.TryRead(out var r));
        Assert.Equal(1500, r.Lsn);
        Assert.InRange(r.TimestampUnixNanoseconds, before, (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100);
        var scan = WalReader.Scan(dir.Path);
        Assert.Equal(2100, scan.Records);
        Assert.Equal(1, scan.FirstLsn);
        Assert.Equal(2100, scan.LastLsn);
        Assert.Equal(scan.Bytes, dir.Segments().Sum(f => new FileInfo(f).Length));
    }

    [Fact]
    public void Segment_files_start_with_the_header_and_are_named_by_their_first_LSN()
    {
        using var dir = new TempDirectory();
        using (var log = WriteAheadLog.Open(new WalOptions { Directory = dir.Path, Shard = 5 }))
            Append(log, 1, 10);
        byte[] file = File.ReadAllBytes(Assert.Single(dir.Segments()));
        Assert.Equal("00000000000000000001.wal", Path.GetFileName(dir.Segments()[0]));
        Assert.Equal("NUMA-WAL"u8.ToArray(), file[..8]);
        Assert.Equal(1, BitConverter.ToUInt16(file, 8));
        Assert.Equal(5, BitConverter.ToInt32(file, 12));
        Assert.Equal(1L, BitConverter.ToInt64(file, 16));
        Assert.Equal(Crc32C.Compute(file.AsSpan(0, 28)), BitConverter.ToUInt32(file, 28));
        int length = BitConverter.ToInt32(file, 32);
        Assert.Equal(28 + "vectors".Length + 10, length);
        Assert.Equal(32 + length, file.Length);
        Assert.Equal(Crc32C.Compute(file.AsSpan(32 + 8, length - 8)), BitConverter.ToUInt32(file, 36));
    }

    [Fact]
    public async Task Opening_another_shards_directory_is_refused()
    {
        using var dir = new TempDirectory();
        using (var log = WriteAheadLog.Open(new WalOptions { Directory = dir.Path, Shard = 1 }))
            await log.AppendAsync(0, "vectors", new byte[3]);
        var e = Assert.Throws<WalException>(() => WriteAheadLog.Open(new WalOptions { Directory = dir.Path, Shard = 2 }));
        Assert.Contains("shard 1", e.Message);
    }

    [Fact]
    public async Task Concurrent_appenders_share_syncs_and_get_dense_unique_LSNs()
    {
        using var dir = new TempDirectory();
        const int appenders = 8, each = 150;
        var lsns = new long[appenders][];
        long syncs;
        using (var log = WriteAheadLog.Open(Options(dir.Path)))
        {
            var tasks = Enumerable.Range(0, appenders).Select(a => Task.Run(async () =>
            {
                var mine = new long[each];
                for (int i = 0; i < each; i++)
                {
                    mine[i] = await log.AppendAsync(1, "vectors", BitConverter.GetBytes(a * 1000 + i));
                    Assert.True(log.DurableLsn >= mine[i], "an Always append completed before its sync");
                }
                lsns[a] = mine;
            })).ToArray();
            await Task.WhenAll(tasks);
            syncs = log.SyncCount;
        }
        var all = lsns.SelectMany(x => x).Order().ToArray();
        Assert.Equal(Enumerable.Range(1, appenders * each).Select(i => (long)i), all);
        // Eight appenders each wait for their sync, so most syncs cover several of them; one record per sync would be
        // a log that syncs each append alone.
        Assert.True(syncs * 2 <= appenders * each, $"{syncs} syncs for {appenders * each} appends: fewer than 2 records per sync, no group commit");
        using var reader = WalReader.Open(dir.Path);
        var payloadOf = new Dictionary<long, int>();
        while (reader.TryRead(out var r)) payloadOf[r.Lsn] = BitConverter.ToInt32(r.Payload);
        for (int a = 0; a < appenders; a++)
            for (int i = 0; i < each; i++)
                Assert.Equal(a * 1000 + i, payloadOf[lsns[a][i]]);
    }

    [Fact]
    public async Task Interval_and_None_complete_appends_before_the_sync_and_flush_makes_them_durable()
    {
        foreach (var policy in new[] { WalDurability.Interval(60_000), WalDurability.None })
        {
            using var dir = new TempDirectory();
            using var log = WriteAheadLog.Open(Options(dir.Path, policy));
            long lsn = 0;
            for (int i = 0; i < 50; i++) lsn = await log.AppendAsync(2, "vectors", new byte[100]);
            Assert.Equal(50, lsn);
            Assert.Equal(0, log.DurableLsn);   // a 60 s interval (or never) has not come
            var durable = log.WaitDurableAsync(lsn);
            await log.FlushAsync();
            await durable;
            Assert.Equal(50, log.DurableLsn);
            Assert.Equal(1, log.SyncCount);
        }
    }

    [Fact]
    public async Task Interval_policy_syncs_on_its_own_within_the_interval()
    {
        using var dir = new TempDirectory();
        using var log = WriteAheadLog.Open(Options(dir.Path, WalDurability.Interval(20)));
        long lsn = await log.AppendAsync(2, "vectors", new byte[100]);
        await log.WaitDurableAsync(lsn).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(log.DurableLsn >= lsn);
    }

    [Fact]
    public async Task A_slow_disk_raises_pressure_at_80_percent_then_refuses_appends_until_it_catches_up()
    {
        using var dir = new TempDirectory();
        using var log = WriteAheadLog.Open(Options(dir.Path, bufferBytes: 64 * 1024, maxRecordBytes: 8 * 1024));
        using var disk = new ManualResetEventSlim(false);
        log.BeforeBatchWrite = () => disk.Wait();
        var payload = new byte[1000];
        Assert.True(log.TryAppend(1, "vectors"u8, payload, out _));
        while (log.Pressure > 0) Thread.Yield();   // the flusher took the first record and is stuck "writing" it
        var pressures = new List<double>();
        int accepted = 0;
        while (log.TryAppend(1, "vectors"u8, payload, out _))
        {
            accepted++;
            pressures.Add(log.Pressure);
        }
        Assert.Equal(64 * 1024 / 1035, accepted);   // bounded memory: one buffer's worth, then refusal
        int firstPressured = pressures.FindIndex(p => p >= 0.8);
        Assert.True(firstPressured > 0 && firstPressured < accepted - 1, "pressure should show before appends are refused");
        Assert.True(log.IsUnderPressure);
        var waiting = log.AppendAsync(1, "vectors", payload).AsTask();
        Assert.False(waiting.IsCompleted);

        disk.Set();
        long lsn = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(accepted + 2, lsn);
        Assert.False(log.IsUnderPressure);
    }

    [Fact]
    public async Task A_failed_segment_deletion_after_a_sync_keeps_the_records_that_sync_acknowledged()
    {
        using var dir = new TempDirectory();
        long acknowledged;
        using (var log = WriteAheadLog.Open(Options(dir.Path, segmentBytes: 256 * 1024)))
        {
            for (int i = 1; i <= 300; i++) Assert.Equal(i, await log.AppendAsync(1, "vectors", Payload(i, 2000)));
            string closed = dir.Segments()[0];
            // A segment that cannot be deleted: a non-empty directory where the file was (unlink gives EISDIR).
            File.Delete(closed);
            Directory.CreateDirectory(Path.Combine(closed, "x"));
            using var disk = new ManualResetEventSlim(false);
            log.BeforeBatchWrite = () => disk.Wait();
            var first = log.AppendAsync(1, "vectors", Payload(301, 2000)).AsTask();   // the flusher takes it and waits
            while (log.Pressure > 0) Thread.Yield();
            var second = log.AppendAsync(1, "vectors", Payload(302, 2000)).AsTask();  // waits in the buffer…
            var truncation = log.TruncateThroughAsync(200);                           // …with a truncation: one pass
            log.BeforeBatchWrite = null;
            disk.Set();
            Assert.Equal(301, await first.WaitAsync(TimeSpan.FromSeconds(10)));
            acknowledged = await second.WaitAsync(TimeSpan.FromSeconds(10));         // synced before the deletion failed
            var failed = await Assert.ThrowsAsync<WalException>(() => truncation.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Contains("deleting the segments a snapshot covers", failed.Message);
            Directory.Delete(closed, recursive: true);
        }
        Assert.Equal(302, acknowledged);
        using var reopened = WriteAheadLog.Open(Options(dir.Path, segmentBytes: 256 * 1024));
        Assert.Equal(302, reopened.LastLsn);   // was 301: the failure cut the synced batch of 302 off again
    }

    [Fact]
    public async Task AppendAsync_waits_for_space_instead_of_failing_when_buffers_are_full()
    {
        using var dir = new TempDirectory();
        using var log = WriteAheadLog.Open(Options(dir.Path, WalDurability.None, bufferBytes: 64 * 1024, maxRecordBytes: 16 * 1024, segmentBytes: 1 << 20));
        var payload = new byte[16 * 1024 - 64];
        for (int i = 0; i < 400; i++) Assert.Equal(i + 1, await log.AppendAsync(1, "vectors", payload));
        await log.FlushAsync();
        Assert.Equal(400, WalReader.Scan(dir.Path).Records);
    }

    [Fact]
    public async Task Size_limit_requests_a_snapshot_and_truncation_deletes_covered_segments()
    {
        using var dir = new TempDirectory();
        using var log = WriteAheadLog.Open(Options(dir.Path, bufferBytes: 64 * 1024, segmentBytes: 64 * 1024, maxLogBytes: 256 * 1024));
        var requested = new TaskCompletionSource();
        log.SnapshotRequested += (_, _) => requested.TrySetResult();
        var payload = new byte[1000];
        long lsn = 0;
        while (!log.IsSnapshotRequested) lsn = await log.AppendAsync(3, "vectors", payload);
        await requested.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(log.LogBytes >= 256 * 1024);
        int before = dir.Segments().Length;

        long snapshotLsn = lsn - 10;
        await log.TruncateThroughAsync(snapshotLsn);
        Assert.True(dir.Segments().Length < before);
        Assert.False(log.IsSnapshotRequested);
        var scan = WalReader.Scan(dir.Path);
        Assert.InRange(scan.FirstLsn, 2, snapshotLsn + 1);   // nothing at or after snapshotLsn + 1 is gone
        Assert.Equal(lsn, scan.LastLsn);

        // Covering everything leaves one empty segment that carries the next LSN across a reopen.
        await log.TruncateThroughAsync(lsn);
        var empty = WalReader.Scan(dir.Path);
        Assert.Equal(0, empty.Records);
        Assert.Equal(lsn, empty.LastLsn);
        log.Dispose();
        using var reopened = WriteAheadLog.Open(Options(dir.Path, bufferBytes: 64 * 1024, segmentBytes: 64 * 1024, maxLogBytes: 256 * 1024));
        Assert.Equal(lsn + 1, await reopened.AppendAsync(3, "vectors", payload));
    }

    [Fact]
    public void Append_buffers_come_from_the_requested_node_arena()
    {
        using var dir = new TempDirectory();
        var platform = NumaPlatform.Current;
        int node = platform.Topology.MemoryNodes[^1].Id;
        using var arena = platform.Node(node).CreateArena();
        long before = arena.UsedBytes;
        using (var log = WriteAheadLog.Open(new WalOptions { Directory = dir.Path, Arena = arena, BufferBytes = 128 * 1024 }, platform))
        {
            Assert.Equal(node, log.HomeNode);
            Assert.True(arena.UsedBytes - before >= 2 * 128 * 1024, "the two buffers should come from the worker's arena");
        }
        using var own = WriteAheadLog.Open(new WalOptions { Directory = dir.Path, Node = node }, platform);
        Assert.Equal(node, own.HomeNode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("a\\b")]
    [InlineData("nul\0x")]
    [InlineData("tab\tx")]
    public void Bad_collection_names_are_rejected_before_anything_is_appended(string name)
    {
        using var dir = new TempDirectory();
        using var log = WriteAheadLog.Open(Options(dir.Path));
        var e = Assert.Throws<ArgumentException>(() => log.TryAppend(1, name, [1, 2, 3], out _));
        Assert.Equal("collection", e.ParamName);
        Assert.Equal(0, log.LastLsn);
        Assert.Throws<ArgumentException>(() => log.TryAppend(1, new string('x', 256), [], out _));
    }

    [Fact]
    public async Task Records_over_the_size_limit_are_rejected_and_the_log_goes_on()
    {
        using var dir = new TempDirectory();
        using var log = WriteAheadLog.Open(Options(dir.Path, maxRecordBytes: 4096));
        var e = Assert.Throws<ArgumentException>(() => log.TryAppend(1, "vectors", new byte[4096], out _));
        Assert.Contains("MaxRecordBytes", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(async () => await log.AppendAsync(1, "vectors", new byte[5000]));
        Assert.Equal(1, await log.AppendAsync(1, "vectors", new byte[4096 - 28 - 7]));
    }

    [Fact]
    public void Inconsistent_options_are_rejected()
    {
        using var dir = new TempDirectory();
        Assert.Throws<ArgumentOutOfRangeException>(() => WriteAheadLog.Open(new WalOptions { Directory = dir.Path, MaxRecordBytes = 8 * WalOptions.MiB }));
        Assert.Throws<ArgumentOutOfRangeException>(() => WriteAheadLog.Open(new WalOptions { Directory = dir.Path, BufferBytes = 1000 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => WriteAheadLog.Open(new WalOptions { Directory = dir.Path, SegmentBytes = 1 << 20 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => WalDurability.Interval(0));
        Assert.Equal(WalDurability.Interval(10), WalDurability.Parse("interval:10"));
        Assert.Equal(WalDurability.Always, default);
        Assert.Throws<FormatException>(() => WalDurability.Parse("sometimes"));
    }

    [Fact]
    public async Task Disposing_flushes_what_is_buffered_and_later_calls_fail()
    {
        using var dir = new TempDirectory();
        var log = WriteAheadLog.Open(Options(dir.Path, WalDurability.None));
        for (int i = 1; i <= 20; i++) Append(log, i, 50);
        log.Dispose();
        Assert.Equal(20, ReadAndCheck(dir.Path, 1, _ => 50, out _));
        Assert.Throws<ObjectDisposedException>(() => log.TryAppend(1, "vectors", [], out _));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await log.FlushAsync());
    }

    [Fact]
    public async Task A_handler_added_while_a_snapshot_request_is_pending_is_called_at_once()
    {
        using var dir = new TempDirectory();
        using (var log = WriteAheadLog.Open(Options(dir.Path, bufferBytes: 64 * 1024, segmentBytes: 64 * 1024, maxLogBytes: 128 * 1024)))
            while (log.LogBytes < 128 * 1024) await log.AppendAsync(3, "vectors", new byte[1000]);

        // Reopened over the limit: the flusher's first pass (None runs on a timer) requests a snapshot before anyone listens.
        using var reopened = WriteAheadLog.Open(Options(dir.Path, WalDurability.None, bufferBytes: 64 * 1024, segmentBytes: 64 * 1024, maxLogBytes: 128 * 1024));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!reopened.IsSnapshotRequested && DateTime.UtcNow < deadline) await Task.Delay(5);
        Assert.True(reopened.IsSnapshotRequested, "the reopened log is over MaxLogBytes");
        var raised = new TaskCompletionSource();
        reopened.SnapshotRequested += (sender, _) => raised.TrySetResult();
        await raised.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_snapshot_cannot_cover_LSNs_the_log_has_not_assigned()
    {
        using var dir = new TempDirectory();
        using var log = WriteAheadLog.Open(Options(dir.Path));
        for (int i = 1; i <= 10; i++) Append(log, i, 20);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => { _ = log.TruncateThroughAsync(11); });   // at the call, not in the task
        Assert.Contains("last LSN is 10", e.Message);
        await log.TruncateThroughAsync(10);
        Assert.Equal(11, await log.AppendAsync(1, "vectors", new byte[20]));
        Assert.Equal(1, WalReader.Scan(dir.Path).Records);
    }

    [Fact]
    public void A_name_with_an_unpaired_surrogate_is_rejected_not_rewritten()
    {
        using var dir = new TempDirectory();
        using var log = WriteAheadLog.Open(Options(dir.Path));
        var e = Assert.Throws<ArgumentException>(() => log.TryAppend(1, "a\uD800", [1], out _));
        Assert.Equal("collection", e.ParamName);
        Assert.Contains("surrogate", e.Message);
        Assert.True(log.TryAppend(1, "a\uD83D\uDE00", [1], out long lsn));   // a pair is fine
        Assert.Equal(1, lsn);
    }

    [Fact]
    public void A_lock_file_that_cannot_be_created_is_not_reported_as_a_second_writer()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(dir.Path, "wal.lock"));   // EISDIR, whoever runs the test (root too)
        var e = Assert.Throws<WalException>(() => WriteAheadLog.Open(Options(dir.Path)));
        Assert.StartsWith("Cannot create or lock ", e.Message);
        Assert.DoesNotContain("open elsewhere", e.Message);
    }

    [Fact]
    public async Task A_log_in_directories_that_do_not_exist_yet_creates_them_all()
    {
        using var dir = new TempDirectory();
        string nested = Path.Combine(dir.Path, "data", "shard-0", "wal");
        using (var log = WriteAheadLog.Open(Options(nested)))
            Assert.Equal(1, await log.AppendAsync(1, "vectors", new byte[10]));
        Assert.Equal(1, WalReader.Scan(nested).Records);
        FileSync.CreateDirectory(nested);                                  // exists: nothing to do
        Assert.Single(Directory.GetDirectories(dir.Path));
    }
}

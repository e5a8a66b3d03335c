// The write-ahead log of one shard: appenders copy records into a node-local buffer; one flusher thread swaps it
// with a second buffer, writes the full one to the current segment and syncs it, so appends never wait for a
// write in progress and every append that arrived during a sync shares the next one (group commit).
using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text.Unicode;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Numa.Memory;
using Numa.Native;

namespace Numa.Storage.Wal;

/// <summary>
/// An append-only, segmented log of checksummed records for one shard (format: <see cref="WalFormat"/>;
/// Longbow's batched WAL, reference/vector-anchors.md §1.7, with CRC-32C).
/// </summary>
/// <remarks>
/// <para><b>Appending.</b> <see cref="TryAppend(byte, ReadOnlySpan{byte}, ReadOnlySpan{byte}, out long)"/> copies the
/// record into the active buffer and assigns the next LSN; it never blocks and returns false when the buffer is full.
/// <see cref="AppendAsync(byte, ReadOnlyMemory{byte}, ReadOnlyMemory{byte}, CancellationToken)"/> waits for space
/// and, under <see cref="WalSyncMode.Always"/>, for the <c>fdatasync(2)</c> that makes the record durable.
/// LSNs are dense (1, 2, 3 …) and file order is LSN order. Appenders on several threads are serialised by a short
/// lock that covers the copy and the CRC.</para>
/// <para><b>Double buffering and group commit.</b> Two buffers of <see cref="WalOptions.BufferBytes"/> come from
/// the shard's node arena. A dedicated flusher thread swaps the active buffer with the free one, writes it at the end
/// of the segment and, per policy, syncs; meanwhile appenders fill the other buffer. Everything appended during a
/// write and sync goes out with the next one, so under load many appends share one sync. When both buffers are
/// full appends wait (bounded memory); <see cref="IsUnderPressure"/> turns true before that.</para>
/// <para><b>Failures.</b> A failed write or sync (disk full, I/O error) fails every append not yet durable with
/// <see cref="WalException"/>, cuts the segment back to where that batch began, and the log refuses further appends:
/// after an fsync error the page cache's state is unknown (PostgreSQL's "fsyncgate"), so the safe way on is to
/// dispose the log and open it again once the cause is fixed. Acknowledged records are never touched.</para>
/// <para><b>Open</b> scans the directory (<see cref="WalReader"/>), cuts a torn tail, and continues after the last
/// valid record (or after the snapshot's LSN, <see cref="WalOptions.AfterLsn"/>, when the log ends before it).
/// Replay with <see cref="WalReader"/> before opening.</para>
/// </remarks>
public sealed class WriteAheadLog : IDisposable
{
    private readonly WalOptions _options;
    private readonly ILogger _logger;
    private readonly NumaArena? _ownArena;
    private readonly int _capacity;
    private readonly long _syncIntervalTicks;
    private readonly int _wakeAt;          // the fill at which an append wakes the flusher (Always: the first record)
    private readonly int _tickMilliseconds; // the flusher's own period (Interval: the interval; None: 10 ms; Always: none)

    // Appenders' state, guarded by _lock: the active buffer, its fill, the next LSN, and requests to the flusher.
    // A spin lock without owner tracking (one compare-exchange to enter, a plain release store to leave): every
    // section it guards is a few stores or one record copy, and System.Threading.Lock's second atomic and thread-id
    // lookup cost about 5 ns of a 30 ns append of 64 B (fastest of ~7,000 rounds of 10,000 appends: 32.4 → 26.9 ns).
    // Waiters spin, then yield and sleep (SpinWait). Not reentrant; nothing that blocks runs under it.
    private SpinLock _lock = new(enableThreadOwnerTracking: false);
    private readonly Lock _buffersInUse = new();   // keeps the buffers alive while QueryPlacement reads their pages
    private nint _active;                  // native buffers from the node arena
    private int _activeBytes;              // also read without the lock (Volatile) for the pressure signal
    private long _nextLsn;                 // written under _lock, also read without it (Volatile)
    private nint _standby;                 // the flusher's buffer between swaps
    private bool _closing;
    private WalException? _fault;
    private bool _syncRequested;
    private long _truncateThrough = -1;
    private TaskCompletionSource? _truncateDone;

    // The flusher's state: only the flusher thread touches these after Open.
    private SafeFileHandle _segment = null!;
    private string _segmentPath = "";
    private long _segmentFirstLsn;
    private long _segmentLength;
    private FileStream? _ownership;   // the directory's lock file, held from Open to Dispose
    private readonly List<(string Path, long FirstLsn, long Bytes)> _closedSegments = [];
    private long _nextSyncDue;
    private long _lastSyncTicks;           // how long the last fdatasync took
    private long _lastBatchRecords;        // how many records it made durable

    // Published by the flusher, read anywhere.
    private long _writtenLsn;
    private long _durableLsn;
    private long _logBytes;
    private long _syncCount;
    private long _batchCount;
    private int _snapshotRequested;
    private EventHandler? _snapshotHandlers;
    private readonly Lock _snapshotHandlersGate = new();  // a request is raised to the handlers, or seen by the one added
    private TaskCompletionSource _synced = NewSignal();   // completed (and replaced) after every sync
    private TaskCompletionSource _space = NewSignal();    // completed (and replaced) after every swap
    private readonly ManualResetEventSlim _work = new(false);
    private readonly Thread _flusher;
    private bool _disposed;

    /// <summary>Under <see cref="WalSyncMode.None"/>, buffered records are written to the segment at least this often.</summary>
    public const int NoneFlushMilliseconds = 10;

    private WriteAheadLog(WalOptions options, NumaPlatform platform, ILogger logger, WalScanResult recovery)
    {
        _options = options;
        _logger = logger;
        Recovery = recovery;
        _capacity = options.BufferBytes;
        _syncIntervalTicks = (long)options.Durability.IntervalMilliseconds * Stopwatch.Frequency / 1000;
        // Always: every append is waited for, so the first record of a batch wakes the flusher. Otherwise nobody waits:
        // the flusher runs on its own period and is woken early only by a half-full buffer, so appends do not pay a
        // futex wake each (Longbow flushes every 10 ms or every 100 entries).
        _wakeAt = options.Durability.Mode == WalSyncMode.Always ? 1 : _capacity / 2;
        _tickMilliseconds = options.Durability.Mode switch
        {
            WalSyncMode.Interval => options.Durability.IntervalMilliseconds,
            WalSyncMode.None => NoneFlushMilliseconds,
            _ => Timeout.Infinite,
        };
        NumaArena arena;
        if (options.Arena is { } given) arena = given;
        else arena = _ownArena = platform.Node(options.Node ?? platform.CurrentNode()).CreateArena();
        HomeNode = arena.HomeNode;
        try
        {
            // Zeroed now: the pages are touched (so placed, by the arena's binding) before the first append needs them.
            unsafe
            {
                _active = (nint)Unsafe.AsPointer(ref arena.AllocateSpan<byte>(_capacity, 4096)[0]);
                _standby = (nint)Unsafe.AsPointer(ref arena.AllocateSpan<byte>(_capacity, 4096)[0]);
            }
        }
        catch
        {
            _ownArena?.Dispose();
            throw;
        }
        _flusher = new Thread(FlushLoop) { IsBackground = true, Name = $"numa-wal-{options.Shard}" };
    }

    /// <summary>Opens (or creates) the log in <see cref="WalOptions.Directory"/> on <see cref="NumaPlatform.Current"/>.</summary>
    /// <inheritdoc cref="Open(WalOptions, NumaPlatform, ILogger?)"/>
    public static WriteAheadLog Open(WalOptions options) => Open(options, NumaPlatform.Current);

    /// <summary>Opens (or creates) the log: scans every segment, truncates a torn tail (logged as a warning and kept in
    /// <see cref="Recovery"/>), and continues after the last valid LSN in the last segment, or after
    /// <see cref="WalOptions.AfterLsn"/> when the log ends before it (its segments are deleted then, with a warning).</summary>
    /// <exception cref="ArgumentException">Inconsistent options (sizes, a node that does not exist).</exception>
    /// <exception cref="WalCorruptionException">Damage before the tail; nothing is changed on disk.</exception>
    /// <exception cref="WalException">A segment belongs to another shard, or a file cannot be created or cut.</exception>
    public static WriteAheadLog Open(WalOptions options, NumaPlatform platform, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(platform);
        CheckOptions(options);
        logger ??= platform.Logger;
        string dir = Path.GetFullPath(options.Directory);
        FileSync.CreateDirectory(dir);
        var ownership = LockDirectory(dir);
        WriteAheadLog log;
        try
        {
            log = OpenLocked(options, platform, logger, dir);
        }
        catch
        {
            ownership.Dispose();
            throw;
        }
        log._ownership = ownership;
        log._flusher.Start();
        return log;
    }

    /// <summary>The file whose lock (flock(2) LOCK_EX, which .NET takes for FileShare.None) marks a log directory as
    /// open; the kernel drops it when the process dies.</summary>
    internal const string LockFileName = "wal.lock";

    // One writer per directory: a second Open (a restart overlapping the old process, the same directory configured
    // twice) would cut the first one's batch in flight as a torn tail and interleave its writes with it.
    internal static FileStream LockDirectory(string dir)
    {
        string path = Path.Combine(dir, LockFileName);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        // .NET reports a FileShare.None conflict as the errno of flock(LOCK_EX | LOCK_NB), EWOULDBLOCK (= EAGAIN).
        catch (IOException e) when (e.HResult == Errno.EAGAIN)
        {
            throw new WalException($"The log in {dir} is open elsewhere (another process, or another WriteAheadLog or repair in this one): {path} is locked.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WalException($"Cannot create or lock {path}: {e.Message}", e);
        }
    }

    private static WriteAheadLog OpenLocked(WalOptions options, NumaPlatform platform, ILogger logger, string dir)
    {
        var scan = WalReader.Scan(dir);
        foreach (var s in scan.Segments)
            if (s.Shard != options.Shard)
                throw new WalException($"Segment {s.Path} belongs to shard {s.Shard}; this log is shard {options.Shard}.");
        if (scan.TornTail is { } torn) CutTornTail(dir, torn, logger);
        var kept = scan.LastLsn < options.AfterLsn && scan.Segments.Count > 0 ? DropCoveredLog(dir, scan, options.AfterLsn, logger) : scan;

        var log = new WriteAheadLog(options, platform, logger, scan);
        try
        {
            log.Directory = dir;
            log.ResumeAfter(kept, Math.Max(kept.LastLsn, options.AfterLsn));
        }
        catch
        {
            log.ReleaseMemory();
            throw;
        }
        return log;
    }

    private static void CheckOptions(WalOptions o)
    {
        ArgumentException.ThrowIfNullOrEmpty(o.Directory, nameof(o.Directory));
        if (o.BufferBytes < 64 * 1024) throw new ArgumentOutOfRangeException(nameof(o), o.BufferBytes, "BufferBytes must be at least 64 KiB.");
        if (o.RecordLimit < WalFormat.RecordHeaderBytes + 1 || o.RecordLimit > o.BufferBytes)
            throw new ArgumentOutOfRangeException(nameof(o), o.RecordLimit, $"MaxRecordBytes must be between {WalFormat.RecordHeaderBytes + 1} and BufferBytes ({o.BufferBytes}).");
        if (o.SegmentBytes < o.BufferBytes) throw new ArgumentOutOfRangeException(nameof(o), o.SegmentBytes, "SegmentBytes must be at least BufferBytes.");
        if (o.MaxLogBytes < o.SegmentBytes) throw new ArgumentOutOfRangeException(nameof(o), o.MaxLogBytes, "MaxLogBytes must be at least SegmentBytes.");
        // The reader holds a segment in one array; a segment can end up to one buffer past SegmentBytes.
        if (o.SegmentBytes + o.BufferBytes > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(o), o.SegmentBytes, $"SegmentBytes + BufferBytes must be at most {Array.MaxLength} (segments stay below 2 GiB).");
        if (o.PressureThreshold is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(o), o.PressureThreshold, "PressureThreshold must be in (0, 1].");
        if (o.Shard < 0) throw new ArgumentOutOfRangeException(nameof(o), o.Shard, "Shard must not be negative.");
        if (o.AfterLsn < 0) throw new ArgumentOutOfRangeException(nameof(o), o.AfterLsn, "AfterLsn must not be negative.");
    }

    // The log ends before the LSN its owner's snapshot covers: every record in it is covered, and continuing it would
    // hand out LSNs the snapshot already holds. Delete the segments (the newest first, so a crash part-way leaves a
    // shorter log that ends on a segment boundary) and report what was there.
    private static WalScanResult DropCoveredLog(string dir, WalScanResult scan, long afterLsn, ILogger logger)
    {
        try
        {
            for (int i = scan.Segments.Count - 1; i >= 0; i--) File.Delete(scan.Segments[i].Path);
            FileSync.Directory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Native.NumaNativeException)
        {
            throw new WalException($"Cannot delete the segments in {dir} that the snapshot at LSN {afterLsn} covers: {e.Message}", e);
        }
        logger.LogWarning("WAL recovery: the log in {Directory} ends at LSN {LastLsn}, before LSN {AfterLsn} that the snapshot covers " +
            "(its unsynced tail was lost, or it was repaired); deleted its {Count} segments and continuing at LSN {Next}",
            dir, scan.LastLsn, afterLsn, scan.Segments.Count, afterLsn + 1);
        return scan with { Segments = [] };
    }

    private static void CutTornTail(string dir, WalTornTail torn, ILogger logger)
    {
        try
        {
            if (torn.Offset == 0) File.Delete(torn.Segment);
            else
            {
                using var handle = File.OpenHandle(torn.Segment, FileMode.Open, FileAccess.ReadWrite);
                RandomAccess.SetLength(handle, torn.Offset);
                FileSync.DataSync(handle, torn.Segment);
            }
            FileSync.Directory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Native.NumaNativeException)
        {
            throw new WalException($"Cannot truncate the torn tail of {torn.Segment} at offset {torn.Offset}: {e.Message}", e);
        }
        logger.LogWarning("WAL recovery: {TornTail}; the records after offset {Offset} were never complete and are discarded", torn, torn.Offset);
    }

    // Picks up after the last valid record: the last segment stays open for appends; a new log gets its first segment.
    private void ResumeAfter(WalScanResult scan, long lastLsn)
    {
        var segments = scan.Segments;
        _nextLsn = lastLsn + 1;
        _writtenLsn = _durableLsn = lastLsn;
        for (int i = 0; i < segments.Count - 1; i++)
        {
            _closedSegments.Add((segments[i].Path, segments[i].FirstLsn, segments[i].ValidBytes));
            _logBytes += segments[i].ValidBytes;
        }
        if (segments.Count > 0)
        {
            var last = segments[^1];
            _segmentPath = last.Path;
            _segmentFirstLsn = last.FirstLsn;
            _segmentLength = last.ValidBytes;
            _logBytes += last.ValidBytes;
            _segment = File.OpenHandle(last.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        }
        else
        {
            CreateSegment(_nextLsn);
        }
    }

    /// <summary>The log directory (full path).</summary>
    public string Directory { get; private set; } = "";

    /// <summary>The shard in the segment headers.</summary>
    public int Shard => _options.Shard;

    /// <summary>The durability policy.</summary>
    public WalDurability Durability => _options.Durability;

    /// <summary>The node the append buffers live on (null when the arena spans several nodes).</summary>
    public int? HomeNode { get; }

    /// <summary>Which node each page of the two append buffers is on (move_pages(2)).</summary>
    /// <exception cref="ObjectDisposedException">The log is disposed.</exception>
    public unsafe PlacementSummary QueryPlacement()
    {
        lock (_buffersInUse)
        {
            nint active, standby;
            using (Hold()) (active, standby) = (_active, _standby);
            ObjectDisposedException.ThrowIf(active == 0, this);
            return PlacementSummary.From([.. PagePlacement.Query((void*)active, (nuint)_capacity), .. PagePlacement.Query((void*)standby, (nuint)_capacity)]);
        }
    }

    /// <summary>What open found: segments, LSN range and the torn tail it cut (if any), before any segment was
    /// deleted for <see cref="WalOptions.AfterLsn"/>.</summary>
    public WalScanResult Recovery { get; }

    /// <summary>The LSN of the last record appended (in the buffer, maybe not yet written); 0 when none.</summary>
    public long LastLsn => Volatile.Read(ref _nextLsn) - 1;

    /// <summary>Every record up to this LSN has been written to the segment (in the kernel's page cache at least).</summary>
    public long WrittenLsn => Volatile.Read(ref _writtenLsn);

    /// <summary>Every record up to this LSN has been made durable by <c>fdatasync(2)</c>.</summary>
    public long DurableLsn => Volatile.Read(ref _durableLsn);

    /// <summary>Bytes in the log's segments (written so far).</summary>
    public long LogBytes => Volatile.Read(ref _logBytes);

    /// <summary>How many fdatasync calls the log has made (a measure of group commit: records per sync).</summary>
    public long SyncCount => Volatile.Read(ref _syncCount);

    /// <summary>How long the last <c>fdatasync(2)</c> took (zero before the first).</summary>
    public TimeSpan LastSyncDuration => Stopwatch.GetElapsedTime(0, Volatile.Read(ref _lastSyncTicks));

    /// <summary>How many batches (buffer swaps) the log has written.</summary>
    public long BatchCount => Volatile.Read(ref _batchCount);

    /// <summary>How full the active buffer is, 0 to 1: the queue behind the flusher. It stays low while the disk keeps
    /// up (the flusher swaps it out after every write) and reaches 1 when appends must wait.</summary>
    public double Pressure => Volatile.Read(ref _activeBytes) / (double)_capacity;

    /// <summary>True while <see cref="Pressure"/> is at or above <see cref="WalOptions.PressureThreshold"/> (80 % by
    /// default): the disk is not keeping up; producers should slow down (Longbow's <c>{"status":"slow_down"}</c>).</summary>
    public bool IsUnderPressure => Pressure >= _options.PressureThreshold;

    /// <summary>True once the segments reached <see cref="WalOptions.MaxLogBytes"/>, until
    /// <see cref="TruncateThroughAsync"/> brings them below it again.</summary>
    public bool IsSnapshotRequested => Volatile.Read(ref _snapshotRequested) != 0;

    /// <summary>Raised once, on a thread-pool thread, when the segments reach <see cref="WalOptions.MaxLogBytes"/>:
    /// take a snapshot covering some LSN n, then call <see cref="TruncateThroughAsync"/>(n). Raised again after a
    /// truncation that brought the log below the limit is followed by growth past it. A handler added while a request
    /// is pending (the log opened over the limit, and the flusher got there before the subscription) is called at once,
    /// so no request is missed.</summary>
    public event EventHandler? SnapshotRequested
    {
        add
        {
            if (value is null) return;
            lock (_snapshotHandlersGate)
            {
                _snapshotHandlers += value;
                if (Volatile.Read(ref _snapshotRequested) != 0) ThreadPool.QueueUserWorkItem(_ => value(this, EventArgs.Empty));
            }
        }
        remove
        {
            lock (_snapshotHandlersGate) _snapshotHandlers -= value;
        }
    }

    /// <summary>Appends a record without waiting: copies it into the active buffer and assigns its LSN. Not durable
    /// yet: see <see cref="DurableLsn"/> and <see cref="WaitDurableAsync"/>.</summary>
    /// <param name="kind">The application's record kind.</param>
    /// <param name="collectionUtf8">The collection name, UTF-8: 1..255 bytes, no '/', '\', NUL or control characters.</param>
    /// <param name="payload">The payload; header + name + payload at most <see cref="WalOptions.MaxRecordBytes"/>.</param>
    /// <param name="lsn">The record's LSN, or 0 when it returns false.</param>
    /// <returns>False when the active buffer has no room (both buffers busy: the disk is behind); nothing was appended.</returns>
    /// <exception cref="ArgumentException">The name is invalid or the record is larger than MaxRecordBytes.</exception>
    /// <exception cref="WalException">The log failed earlier (the cause is the inner exception).</exception>
    /// <exception cref="ObjectDisposedException">The log is disposed.</exception>
    public bool TryAppend(byte kind, ReadOnlySpan<byte> collectionUtf8, ReadOnlySpan<byte> payload, out long lsn)
    {
        int length = CheckRecord(collectionUtf8, payload.Length);
        long timestamp = WalClock.NowUnixNanoseconds();
        bool wake = false, full = false;
        using (Hold())
        {
            if (_fault is not null || _closing) ThrowUnusable();
            int at = _activeBytes;
            if (length > _capacity - at)
            {
                lsn = 0;
                full = true;
            }
            else
            {
                lsn = _nextLsn;
                unsafe { WriteRecord(new Span<byte>((byte*)_active + at, length), lsn, timestamp, kind, collectionUtf8, payload); }
                Volatile.Write(ref _nextLsn, lsn + 1);
                wake = at < _wakeAt && at + length >= _wakeAt;
                Volatile.Write(ref _activeBytes, at + length);
            }
        }
        // No room: the flusher takes this buffer now, even below its wake-up mark (a record larger than the rest of
        // a buffer under half full would otherwise wait for the next interval tick).
        if (wake || full) _work.Set();
        return !full;
    }

    /// <summary>As <see cref="TryAppend(byte, ReadOnlySpan{byte}, ReadOnlySpan{byte}, out long)"/> with the name as a
    /// string (encoded to UTF-8 on the stack; no allocation).</summary>
    public bool TryAppend(byte kind, string collection, ReadOnlySpan<byte> payload, out long lsn)
    {
        Span<byte> name = stackalloc byte[WalFormat.MaxNameBytes];
        return TryAppend(kind, EncodeName(collection, name), payload, out lsn);
    }

    /// <summary>Appends a record, waiting for buffer space when both buffers are busy, and under
    /// <see cref="WalSyncMode.Always"/> until the record is durable. Returns its LSN.</summary>
    /// <exception cref="ArgumentException">The name is invalid or the record is larger than MaxRecordBytes
    /// (thrown before anything is appended).</exception>
    /// <exception cref="WalException">Writing or syncing failed (disk full, I/O error): the record is not acknowledged.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired; the record may still
    /// be appended if the wait was for durability.</exception>
    public ValueTask<long> AppendAsync(byte kind, ReadOnlyMemory<byte> collectionUtf8, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        Task space = Volatile.Read(ref _space).Task;
        try
        {
            if (!TryAppend(kind, collectionUtf8.Span, payload.Span, out long lsn))
                return AppendWhenSpaceAsync(kind, collectionUtf8, payload, space, cancellationToken);
            return Completed(lsn, cancellationToken);
        }
        catch (WalException e)
        {
            return ValueTask.FromException<long>(e);
        }
    }

    /// <summary>As <see cref="AppendAsync(byte, ReadOnlyMemory{byte}, ReadOnlyMemory{byte}, CancellationToken)"/>
    /// with the name as a string.</summary>
    public ValueTask<long> AppendAsync(byte kind, string collection, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        Span<byte> name = stackalloc byte[WalFormat.MaxNameBytes];
        ReadOnlySpan<byte> utf8 = EncodeName(collection, name);
        Task space = Volatile.Read(ref _space).Task;
        try
        {
            if (!TryAppend(kind, utf8, payload.Span, out long lsn))
                return AppendWhenSpaceAsync(kind, utf8.ToArray(), payload, space, cancellationToken);
            return Completed(lsn, cancellationToken);
        }
        catch (WalException e)
        {
            return ValueTask.FromException<long>(e);
        }
    }

    private ValueTask<long> Completed(long lsn, CancellationToken cancellationToken) =>
        _options.Durability.Mode == WalSyncMode.Always && Volatile.Read(ref _durableLsn) < lsn
            ? WaitThenReturnAsync(lsn, cancellationToken)
            : new ValueTask<long>(lsn);

    private async ValueTask<long> WaitThenReturnAsync(long lsn, CancellationToken cancellationToken)
    {
        await WaitDurableCoreAsync(lsn, cancellationToken).ConfigureAwait(false);
        return lsn;
    }

    private async ValueTask<long> AppendWhenSpaceAsync(byte kind, ReadOnlyMemory<byte> name, ReadOnlyMemory<byte> payload, Task space, CancellationToken cancellationToken)
    {
        while (true)
        {
            await space.WaitAsync(cancellationToken).ConfigureAwait(false);
            space = Volatile.Read(ref _space).Task;
            if (TryAppend(kind, name.Span, payload.Span, out long lsn))
            {
                if (_options.Durability.Mode == WalSyncMode.Always) await WaitDurableCoreAsync(lsn, cancellationToken).ConfigureAwait(false);
                return lsn;
            }
        }
    }

    /// <summary>Completes when every record up to <paramref name="lsn"/> is durable. Under
    /// <see cref="WalSyncMode.None"/> that happens only through <see cref="FlushAsync"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lsn"/> has not been appended.</exception>
    /// <exception cref="WalException">A write or sync failed before the record became durable.</exception>
    public ValueTask WaitDurableAsync(long lsn, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _durableLsn) >= lsn) return default;
        if (lsn > LastLsn) throw new ArgumentOutOfRangeException(nameof(lsn), lsn, $"LSN {lsn} has not been appended (the last is {LastLsn}).");
        return WaitDurableCoreAsync(lsn, cancellationToken);
    }

    private async ValueTask WaitDurableCoreAsync(long lsn, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task synced = Volatile.Read(ref _synced).Task;
            if (Volatile.Read(ref _durableLsn) >= lsn) return;
            await synced.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes and syncs everything appended so far, whatever the policy; completes when it is durable.</summary>
    /// <exception cref="WalException">The write or sync failed.</exception>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        long target;
        using (Hold())
        {
            if (_fault is not null || _closing) ThrowUnusable();
            target = Volatile.Read(ref _nextLsn) - 1;
            _syncRequested = true;
        }
        _work.Set();
        return Volatile.Read(ref _durableLsn) >= target ? default : WaitDurableCoreAsync(target, cancellationToken);
    }

    /// <summary>Deletes the segments whose records all have LSNs ≤ <paramref name="snapshotLsn"/>, once a snapshot
    /// covering them is safely stored. When the current segment is covered too it is closed first, so the log can
    /// shrink to nothing but an empty segment that keeps the next LSN. Runs on the flusher between batches.</summary>
    /// <exception cref="WalException">A segment could not be deleted, or the log failed.</exception>
    public Task TruncateThroughAsync(long snapshotLsn)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(snapshotLsn);
        Task done;
        using (Hold())
        {
            if (_fault is not null || _closing) ThrowUnusable();
            // A snapshot cannot cover records the log has not assigned yet: deleting "through" them would also drop,
            // on the next open with AfterLsn = snapshotLsn, records appended after this call.
            long last = Volatile.Read(ref _nextLsn) - 1;
            if (snapshotLsn > last)
                throw new ArgumentOutOfRangeException(nameof(snapshotLsn), snapshotLsn, $"The log's last LSN is {last}; a snapshot covers at most that.");
            _truncateThrough = Math.Max(_truncateThrough, snapshotLsn);
            _truncateDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            done = _truncateDone.Task;
        }
        _work.Set();
        return done;
    }

    // Header + name + payload length, after checking the name and the size limit.
    private int CheckRecord(ReadOnlySpan<byte> collectionUtf8, int payloadLength)
    {
        WalFormat.ValidateName(collectionUtf8, "collection");
        long length = (long)WalFormat.RecordHeaderBytes + collectionUtf8.Length + payloadLength;
        if (length > _options.RecordLimit)
            throw new ArgumentException($"The record is {length} bytes (header {WalFormat.RecordHeaderBytes}, name {collectionUtf8.Length}, payload {payloadLength}); the limit is MaxRecordBytes = {_options.RecordLimit}.", "payload");
        return (int)length;
    }

    private static ReadOnlySpan<byte> EncodeName(string collection, Span<byte> buffer)
    {
        ArgumentNullException.ThrowIfNull(collection);
        if (collection.Length > WalFormat.MaxNameBytes)
            throw new ArgumentException($"The collection name is longer than {WalFormat.MaxNameBytes} UTF-8 bytes.", nameof(collection));
        // Strict: a lone surrogate would otherwise be stored as U+FFFD, and two different names as one.
        var status = Utf8.FromUtf16(collection, buffer, out _, out int n, replaceInvalidSequences: false);
        if (status == OperationStatus.InvalidData)
            throw new ArgumentException("The collection name is not valid UTF-16 (it holds an unpaired surrogate).", nameof(collection));
        if (status != OperationStatus.Done)
            throw new ArgumentException($"The collection name is longer than {WalFormat.MaxNameBytes} UTF-8 bytes.", nameof(collection));
        return buffer[..n];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteRecord(Span<byte> r, long lsn, long timestamp, byte kind, ReadOnlySpan<byte> name, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(r, (uint)r.Length);
        BinaryPrimitives.WriteInt64LittleEndian(r[8..], lsn);
        BinaryPrimitives.WriteInt64LittleEndian(r[16..], timestamp);
        r[24] = kind;
        r[25] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(r[26..], (ushort)name.Length);
        name.CopyTo(r[WalFormat.RecordHeaderBytes..]);
        payload.CopyTo(r[(WalFormat.RecordHeaderBytes + name.Length)..]);
        // The CRC of bytes 8.. from the values and the caller's spans, not from the buffer: its lines are usually
        // not in the cache yet (two buffers of megabytes, alternating), and reading them back would wait for the
        // stores above to complete; this way the CRC overlaps them. Same bytes, same order (little-endian).
        uint state = BitOperations.Crc32C(~0u, (ulong)lsn);
        state = BitOperations.Crc32C(state, (ulong)timestamp);
        state = BitOperations.Crc32C(state, kind | (uint)name.Length << 16);
        state = Crc32C.Update(Crc32C.Update(state, name), payload);
        BinaryPrimitives.WriteUInt32LittleEndian(r[4..], ~state);
    }

    private HeldLock Hold() => new(ref _lock);

    // `using (Hold()) …`: _lock held for the block, released even when it throws.
    private ref struct HeldLock
    {
        private readonly ref SpinLock _lock;

        public HeldLock(ref SpinLock spinLock)
        {
            _lock = ref spinLock;
            bool taken = false;
            _lock.Enter(ref taken);
        }

        public readonly void Dispose() => _lock.Exit(useMemoryBarrier: false);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowUnusable()
    {
        if (_fault is { } fault) throw new WalException($"The log in {Directory} failed and accepts no appends: {fault.Message}", fault);
        throw new ObjectDisposedException(nameof(WriteAheadLog), $"The log in {Directory} is closed.");
    }

    // ---- the flusher thread ----

    // How long the flusher sleeps unless woken. Interval: a half-full buffer wakes it early to write without syncing;
    // the sync those bytes wait for is then due at the interval's end, not a whole interval after that early pass
    // (which would leave them unsynced for up to 1.5 intervals, past what WalDurability.Interval promises).
    private int NextPassMilliseconds()
    {
        if (_options.Durability.Mode != WalSyncMode.Interval || _writtenLsn <= _durableLsn) return _tickMilliseconds;
        long remaining = _nextSyncDue - Stopwatch.GetTimestamp();
        return remaining <= 0 ? 0 : (int)Math.Min(_tickMilliseconds, remaining * 1000 / Stopwatch.Frequency + 1);
    }

    private void FlushLoop()
    {
        while (true)
        {
            _work.Wait(NextPassMilliseconds());
            _work.Reset();
            if (_options.Durability.Mode == WalSyncMode.Always) AwaitStragglers();

            nint batch = 0;
            int bytes = 0;
            long lastLsn = 0;
            bool closing, syncRequested;
            long truncate;
            TaskCompletionSource? truncateDone;
            using (Hold())
            {
                if (_activeBytes > 0 && _fault is null)
                {
                    batch = _active;
                    bytes = _activeBytes;
                    lastLsn = _nextLsn - 1;
                    _active = _standby;
                    _standby = batch;
                    Volatile.Write(ref _activeBytes, 0);
                }
                closing = _closing;
                syncRequested = _syncRequested;
                _syncRequested = false;
                truncate = _truncateThrough;
                truncateDone = _truncateDone;
                _truncateThrough = -1;
                _truncateDone = null;
            }
            if (batch != 0) Signal(ref _space);

            if (Volatile.Read(ref _fault) is null)
            {
                long batchStart = _segmentLength;
                var step = FlushStep.Write;   // how far this pass got: a failure cuts the batch only before it is synced
                try
                {
                    BeforeBatchWrite?.Invoke();
                    if (batch != 0) WriteBatch(batch, bytes, lastLsn, ref batchStart);
                    step = FlushStep.Sync;
                    bool due = _options.Durability.Mode switch
                    {
                        WalSyncMode.Always => true,
                        WalSyncMode.Interval => Stopwatch.GetTimestamp() >= _nextSyncDue - _syncIntervalTicks / 4,   // ticks drift a little
                        _ => false,
                    };
                    if (_writtenLsn > _durableLsn && (due || syncRequested || closing)) Sync();
                    step = FlushStep.Truncate;
                    if (truncate >= 0) Truncate(truncate);
                    truncateDone?.TrySetResult();
                    truncateDone = null;
                    CheckSnapshotLimit();
                }
                catch (Exception e)
                {
                    Fail(e, step, batch != 0 ? bytes : 0, lastLsn, batchStart);
                }
            }
            truncateDone?.TrySetException(_fault ?? new WalException("The log is closed."));

            if (closing)
            {
                using (Hold())
                {
                    if (_activeBytes == 0 || _fault is not null) break;
                }
            }
        }
        _segment.Dispose();
        var closed = new ObjectDisposedException(nameof(WriteAheadLog), $"The log in {Directory} is closed.");
        Exception final = (Exception?)_fault ?? closed;
        Interlocked.Exchange(ref _synced, Faulted(final)).TrySetException(final);
        Interlocked.Exchange(ref _space, Faulted(final)).TrySetException(final);
    }

    // Tests hold the flusher here to play a slow disk.
    internal Action? BeforeBatchWrite { get; set; }

    private unsafe void WriteBatch(nint batch, int bytes, long lastLsn, ref long batchStart)
    {
        var data = new ReadOnlySpan<byte>((byte*)batch, bytes);
        long firstLsn = BinaryPrimitives.ReadInt64LittleEndian(data[8..]);
        if (_segmentLength >= _options.SegmentBytes && _segmentLength > WalFormat.SegmentHeaderBytes)
        {
            Rotate(firstLsn);
            batchStart = _segmentLength;
        }
        RandomAccess.Write(_segment, data, _segmentLength);
        _segmentLength += bytes;
        Volatile.Write(ref _logBytes, _logBytes + bytes);
        Volatile.Write(ref _writtenLsn, lastLsn);
        Volatile.Write(ref _batchCount, _batchCount + 1);
    }

    // Group commit under Always: the appenders released by the last sync come back within microseconds, but the
    // first of them wakes the flusher at once, which would split them over two syncs (batches alternating, say, 5
    // and 3). So when the buffer holds fewer records than the last synced batch, wait for the rest, at most a quarter
    // of the last sync's duration (so latency grows by at most 25 %) — an adaptive binlog_group_commit_sync_delay.
    private void AwaitStragglers()
    {
        if (_lastBatchRecords <= 1) return;
        long deadline = Stopwatch.GetTimestamp() + Math.Min(_lastSyncTicks / 4, Stopwatch.Frequency / 1000);
        var spin = new SpinWait();
        while (Volatile.Read(ref _nextLsn) - 1 - _writtenLsn < _lastBatchRecords && Stopwatch.GetTimestamp() < deadline)
            spin.SpinOnce(sleep1Threshold: -1);
    }

    private void Sync()
    {
        long written = _writtenLsn;
        long start = Stopwatch.GetTimestamp();
        FileSync.DataSync(_segment, _segmentPath);
        Volatile.Write(ref _lastSyncTicks, Stopwatch.GetTimestamp() - start);
        _lastBatchRecords = written - _durableLsn;
        Volatile.Write(ref _durableLsn, written);
        Volatile.Write(ref _syncCount, _syncCount + 1);
        _nextSyncDue = Stopwatch.GetTimestamp() + _syncIntervalTicks;
        Signal(ref _synced);
    }

    // Closes the current segment (synced, so only the last segment can ever end torn) and starts one at firstLsn.
    private void Rotate(long firstLsn)
    {
        if (_writtenLsn > _durableLsn) Sync();
        else FileSync.DataSync(_segment, _segmentPath);
        _closedSegments.Add((_segmentPath, _segmentFirstLsn, _segmentLength));
        _segment.Dispose();
        CreateSegment(firstLsn);
    }

    private void CreateSegment(long firstLsn)
    {
        string path = Path.Combine(Directory, WalFormat.SegmentName(firstLsn));
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            Span<byte> header = stackalloc byte[WalFormat.SegmentHeaderBytes];
            WalFormat.WriteSegmentHeader(header, _options.Shard, firstLsn);
            RandomAccess.Write(handle, header, 0);
            FileSync.DataSync(handle, path);
            FileSync.Directory(Directory);
        }
        catch
        {
            handle.Dispose();
            try { File.Delete(path); } catch (IOException) { }
            throw;
        }
        _segment = handle;
        _segmentPath = path;
        _segmentFirstLsn = firstLsn;
        _segmentLength = WalFormat.SegmentHeaderBytes;
        Volatile.Write(ref _logBytes, _logBytes + WalFormat.SegmentHeaderBytes);
    }

    private void Truncate(long snapshotLsn)
    {
        if (_segmentLength > WalFormat.SegmentHeaderBytes && _writtenLsn <= snapshotLsn) Rotate(_writtenLsn + 1);
        int removed = 0;
        long freed = 0;
        // A closed segment's last LSN is one less than the next segment's first.
        for (int i = 0; i < _closedSegments.Count; i++)
        {
            long nextFirst = i + 1 < _closedSegments.Count ? _closedSegments[i + 1].FirstLsn : _segmentFirstLsn;
            if (nextFirst - 1 > snapshotLsn) break;
            File.Delete(_closedSegments[i].Path);
            freed += _closedSegments[i].Bytes;
            removed++;
        }
        if (removed == 0) return;
        _closedSegments.RemoveRange(0, removed);
        FileSync.Directory(Directory);
        Volatile.Write(ref _logBytes, _logBytes - freed);
        if (_logBytes < _options.MaxLogBytes) Volatile.Write(ref _snapshotRequested, 0);
        _logger.LogInformation("WAL shard {Shard}: deleted {Count} segments ({Bytes} bytes) covered by the snapshot at LSN {Lsn}",
            _options.Shard, removed, freed, snapshotLsn);
    }

    private void CheckSnapshotLimit()
    {
        if (_logBytes < _options.MaxLogBytes) return;
        EventHandler? handlers;
        lock (_snapshotHandlersGate)
        {
            if (Interlocked.Exchange(ref _snapshotRequested, 1) != 0) return;
            handlers = _snapshotHandlers;
        }
        _logger.LogInformation("WAL shard {Shard}: {Bytes} bytes reach the limit of {Limit}; requesting a snapshot",
            _options.Shard, _logBytes, _options.MaxLogBytes);
        if (handlers is not null) ThreadPool.QueueUserWorkItem(_ => handlers(this, EventArgs.Empty));
    }

    private enum FlushStep { Write, Sync, Truncate }

    // A step of the flusher failed; refuse further appends. When the batch of this pass was being written or synced,
    // nothing of it is acknowledged: cut the segment back to where it began, whether or not the write advanced
    // _segmentLength (a pwrite loop that hits ENOSPC leaves a prefix of the batch in the file), so the file ends on a
    // record boundary and no record whose append failed comes back on replay. A failure after the sync (deleting
    // segments a snapshot covers, the snapshot-limit check) cuts nothing: that batch is durable and acknowledged.
    private void Fail(Exception cause, FlushStep step, int bytes, long lastLsn, long batchStart)
    {
        string what = step switch
        {
            FlushStep.Write when bytes > 0 => $"writing {bytes} bytes (LSNs up to {lastLsn}) to {_segmentPath} at offset {batchStart}",
            FlushStep.Write => $"preparing the write to {_segmentPath}",
            FlushStep.Sync => $"syncing {_segmentPath} (LSNs up to {_writtenLsn})",
            _ => $"deleting the segments a snapshot covers, in {Directory}",
        };
        var fault = new WalException($"WAL shard {_options.Shard}: {what} failed: {cause.Message}", cause);
        using (Hold()) _fault = fault;
        try
        {
            if (step != FlushStep.Truncate && bytes > 0 && !_segment.IsClosed)
            {
                RandomAccess.SetLength(_segment, batchStart);
                _segmentLength = batchStart;
                FileSync.DataSync(_segment, _segmentPath);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Native.NumaNativeException)
        {
            // The tail stays; replay treats an incomplete last record as torn and an unsynced complete one as data
            // that was never acknowledged.
        }
        _logger.LogError(cause, "WAL shard {Shard}: {What} failed; appends after LSN {Durable} are not acknowledged and the log refuses new ones",
            _options.Shard, what, _durableLsn);
        Interlocked.Exchange(ref _synced, Faulted(fault)).TrySetException(fault);
        Interlocked.Exchange(ref _space, Faulted(fault)).TrySetException(fault);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TaskCompletionSource Faulted(Exception e)
    {
        var t = NewSignal();
        t.SetException(e);
        _ = t.Task.Exception;   // observed: nobody may wait on it
        return t;
    }

    private static void Signal(ref TaskCompletionSource signal)
    {
        var old = Volatile.Read(ref signal);
        if (old.Task.IsCompleted) return;   // a faulted signal stays
        Interlocked.Exchange(ref signal, NewSignal()).TrySetResult();
    }

    /// <summary>Writes and syncs what is buffered, stops the flusher, closes the segment and frees the buffers.
    /// Appends waiting for durability complete (or fail if the final write fails).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        using (Hold()) _closing = true;
        _work.Set();
        if (_flusher.IsAlive) _flusher.Join();
        ReleaseMemory();
        _ownership?.Dispose();
    }

    private void ReleaseMemory()
    {
        lock (_buffersInUse)
            using (Hold()) _active = _standby = 0;
        _ownArena?.Dispose();
        if (!_flusher.IsAlive) _segment?.Dispose();
    }
}

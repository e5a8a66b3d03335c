// How a write-ahead log is opened: where, for which shard, how durable, and how much memory and disk it may use.
using Numa.Memory;

namespace Numa.Storage.Wal;

/// <summary>Options for <see cref="WriteAheadLog.Open(WalOptions)"/>. Sizes are in bytes.</summary>
public sealed class WalOptions
{
    /// <summary>One mebibyte.</summary>
    public const int MiB = 1 << 20;

    /// <summary>The log's directory (one per shard); created when missing.</summary>
    public required string Directory { get; init; }

    /// <summary>The shard (worker) that owns the log; written in every segment header and checked on open.</summary>
    public int Shard { get; init; }

    /// <summary>The LSN through which every record is kept elsewhere (the snapshot the owner restored); 0 (the
    /// default) when there is none. When the log on disk ends before it (under <see cref="WalSyncMode.Interval"/> or
    /// <see cref="WalSyncMode.None"/> a machine crash loses the unsynced tail while the snapshot that covers it
    /// survives; <c>numa wal repair</c> cut the log), every segment holds only covered records: open deletes them
    /// and the log continues at <c>AfterLsn + 1</c>, so the next append never reuses an LSN the snapshot covers
    /// (a replay from the snapshot would skip it). A log that reaches <c>AfterLsn</c> is opened as it is.</summary>
    public long AfterLsn { get; init; }

    /// <summary>When appends become durable. Default <see cref="WalDurability.Always"/>.</summary>
    public WalDurability Durability { get; init; } = WalDurability.Always;

    /// <summary>The size of each of the two append buffers (double buffering: appenders fill one while the other is
    /// written). Together they bound the memory of records not yet written. Default 4 MiB; at least 64 KiB.</summary>
    public int BufferBytes { get; init; } = 4 * MiB;

    /// <summary>The largest record accepted (header, name and payload); larger appends throw
    /// <see cref="ArgumentException"/>. Null (the default): 1 MiB or <see cref="BufferBytes"/>, whichever is smaller;
    /// at most <see cref="BufferBytes"/>.</summary>
    public int? MaxRecordBytes { get; init; }

    internal int RecordLimit => MaxRecordBytes ?? Math.Min(MiB, BufferBytes);

    /// <summary>A segment that has reached this size is closed before the next batch and a new one begins.
    /// Default 16 MiB.</summary>
    public long SegmentBytes { get; init; } = 16 * MiB;

    /// <summary>When the segments together reach this size, <see cref="WriteAheadLog.SnapshotRequested"/> is raised
    /// (Longbow's MAX_WAL_SIZE). Default 100 MiB.</summary>
    public long MaxLogBytes { get; init; } = 100L * MiB;

    /// <summary>The fraction of the append buffers' capacity above which <see cref="WriteAheadLog.IsUnderPressure"/>
    /// is true (Longbow answers DoPut with "slow_down" above 80 %). Default 0.8.</summary>
    public double PressureThreshold { get; init; } = 0.8;

    /// <summary>The arena the append buffers come from: the owning worker's (<c>WorkerContext.Arena</c>), used on
    /// the calling thread during <see cref="WriteAheadLog.Open(WalOptions)"/> only. It must outlive the log.
    /// When null the log creates its own arena on <see cref="Node"/>.</summary>
    public NumaArena? Arena { get; init; }

    /// <summary>The node for the log's own arena when <see cref="Arena"/> is null; null: the node of the thread that
    /// opens the log (a pinned worker opening its own log gets its own node).</summary>
    public int? Node { get; init; }
}

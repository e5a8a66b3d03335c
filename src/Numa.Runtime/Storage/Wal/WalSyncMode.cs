// When the log calls fdatasync: after every batch, on a timer, or never.
namespace Numa.Storage.Wal;

/// <summary>When the write-ahead log makes written records durable with <c>fdatasync(2)</c>.</summary>
public enum WalSyncMode
{
    /// <summary>Every batch is synced before the appends in it complete (group commit). The default.</summary>
    Always = 0,

    /// <summary>Every <see cref="WalDurability.IntervalMilliseconds"/> (or when a buffer is half full) what is buffered
    /// is written, and synced once per interval. Appends complete once the record is in the buffer; a crash of the
    /// machine loses at most about one interval.</summary>
    Interval = 1,

    /// <summary>What is buffered is written every <see cref="WriteAheadLog.NoneFlushMilliseconds"/> ms (or when a buffer is
    /// half full) and never synced, except when a segment is closed. A crash of the process loses at most those
    /// milliseconds; a crash of the machine may lose whatever the kernel had not written back.</summary>
    None = 2,
}

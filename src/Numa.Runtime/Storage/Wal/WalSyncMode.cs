// When the log calls fdatasync: after every batch, on a timer, or never.
namespace Numa.Storage.Wal;

/// <summary>When the write-ahead log makes written records durable with <c>fdatasync(2)</c>.</summary>
public enum WalSyncMode
{
    /// <summary>Every batch is synced before the appends in it complete (group commit). The default.</summary>
    Always = 0,

    /// <summary>Batches are written as they fill; one sync at most every <see cref="WalDurability.IntervalMilliseconds"/>.
    /// Appends complete once the record is in the buffer; a crash of the machine loses at most one interval.</summary>
    Interval = 1,

    /// <summary>Batches are written as they fill and never synced (except when a segment is closed). A crash of the
    /// process loses nothing written; a crash of the machine may lose whatever the kernel had not written back.</summary>
    None = 2,
}

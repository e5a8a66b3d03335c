// The log could not do its job: a write or sync failed, or the log failed earlier and refuses appends.
namespace Numa.Storage.Wal;

/// <summary>A write-ahead log operation failed: writing or syncing a segment (disk full, I/O error), creating or
/// deleting a segment, or appending to a log that failed earlier. <see cref="Exception.InnerException"/> holds the
/// cause. Appends that fail with it were not acknowledged; acknowledged records are unaffected.</summary>
public class WalException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WalException(string message, Exception? inner = null) : base(message, inner) { }
}

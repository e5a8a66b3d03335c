// A torn tail: the incomplete last write of a crashed process, found (and on open, cut off) by recovery.
namespace Numa.Storage.Wal;

/// <summary>An incomplete record at the end of the last segment: what a crash in the middle of a write leaves.
/// Its appends were never acknowledged under <see cref="WalSyncMode.Always"/>. Replay stops before it;
/// <see cref="WriteAheadLog.Open(WalOptions)"/> truncates it.</summary>
/// <param name="Segment">The segment file's path.</param>
/// <param name="Offset">Where the valid data ends (the segment is cut here; 0: the whole segment goes).</param>
/// <param name="DroppedBytes">Bytes after <paramref name="Offset"/>.</param>
/// <param name="Reason">What made the tail incomplete, in words.</param>
public sealed record WalTornTail(string Segment, long Offset, long DroppedBytes, string Reason)
{
    /// <summary>One line for logs.</summary>
    public override string ToString() => $"torn tail in {Segment} at offset {Offset}: {DroppedBytes} bytes dropped ({Reason})";
}

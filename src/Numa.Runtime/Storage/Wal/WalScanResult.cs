// The summary of a whole log after a scan: segments, LSN range, sizes, and the torn tail if any.
namespace Numa.Storage.Wal;

/// <summary>What <see cref="WalReader.Scan"/> found in a log directory.</summary>
/// <param name="Directory">The log directory.</param>
/// <param name="Segments">Segments in LSN order.</param>
/// <param name="TornTail">The incomplete tail, or null when the log ends cleanly.</param>
public sealed record WalScanResult(string Directory, IReadOnlyList<WalSegmentInfo> Segments, WalTornTail? TornTail)
{
    /// <summary>Valid records in all segments.</summary>
    public long Records => Segments.Sum(s => s.Records);

    /// <summary>The lowest LSN present; 0 when there are no records.</summary>
    public long FirstLsn => Records == 0 ? 0 : Segments.First(s => s.Records > 0).FirstLsn;

    /// <summary>The highest valid LSN; the LSN before the next one to be written (0 for a new log).</summary>
    public long LastLsn => Segments.Count == 0 ? 0 : Segments[^1].LastLsn;

    /// <summary>Bytes in all segment files.</summary>
    public long Bytes => Segments.Sum(s => s.Bytes);
}

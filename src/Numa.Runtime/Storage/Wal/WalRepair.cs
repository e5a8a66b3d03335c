// `numa wal repair --truncate`: cut a damaged log at its first bad byte so it can be opened again, and say exactly
// what was thrown away. Never run implicitly: open refuses a damaged log instead.
namespace Numa.Storage.Wal;

/// <summary>What <see cref="WalRepair.TruncateAtDamage"/> removed.</summary>
/// <param name="Problems">Each cut: the damage or torn tail found, in the order they were cut.</param>
/// <param name="TruncatedSegments">Segments cut short, with the offset they now end at.</param>
/// <param name="DeletedSegments">Segments removed whole (damaged headers, or segments after the damage).</param>
/// <param name="BytesRemoved">Bytes removed in all.</param>
/// <param name="After">The log as it is now (scans clean).</param>
public sealed record WalRepairResult(IReadOnlyList<string> Problems, IReadOnlyList<(string Segment, long Offset)> TruncatedSegments,
    IReadOnlyList<string> DeletedSegments, long BytesRemoved, WalScanResult After)
{
    /// <summary>True when the log was already clean and nothing was changed.</summary>
    public bool NothingToDo => Problems.Count == 0;
}

/// <summary>Explicit repair of a damaged log.</summary>
public static class WalRepair
{
    /// <summary>Scans <paramref name="directory"/>; at the first damage (<see cref="WalCorruptionException"/>) cuts that
    /// segment at the damaged offset (deletes it when its header is damaged) and deletes every later segment; cuts a torn
    /// tail; repeats until the log scans clean. Every record before the damage is kept; everything from it on is lost,
    /// and the result lists it.</summary>
    /// <exception cref="IOException">A file cannot be cut or deleted.</exception>
    /// <exception cref="WalException">The log is open (a running server holds it): stop it first.</exception>
    public static WalRepairResult TruncateAtDamage(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) return Repair(directory);
        using var ownership = WriteAheadLog.LockDirectory(Path.GetFullPath(directory));
        return Repair(directory);
    }

    private static WalRepairResult Repair(string directory)
    {
        var problems = new List<string>();
        var truncated = new List<(string, long)>();
        var deleted = new List<string>();
        long removed = 0;
        while (true)
        {
            string segment;
            long offset;
            try
            {
                var scan = WalReader.Scan(directory);
                if (scan.TornTail is null) return new WalRepairResult(problems, truncated, deleted, removed, scan);
                problems.Add(scan.TornTail.ToString());
                (segment, offset) = (scan.TornTail.Segment, scan.TornTail.Offset);
            }
            catch (WalCorruptionException e)
            {
                problems.Add(e.Message);
                (segment, offset) = (e.Segment, e.Offset);
            }
            if (problems.Count > 1000) throw new IOException($"Repair of {directory} does not converge: {problems[^1]}");

            var files = WalReader.ListSegments(directory);
            int index = Array.FindIndex(files, f => f.Path == segment);
            for (int i = files.Length - 1; i > index; i--)
            {
                removed += new FileInfo(files[i].Path).Length;
                File.Delete(files[i].Path);
                deleted.Add(files[i].Path);
            }
            long length = new FileInfo(segment).Length;
            if (offset < WalFormat.SegmentHeaderBytes)
            {
                removed += length;
                File.Delete(segment);
                deleted.Add(segment);
            }
            else
            {
                using var handle = File.OpenHandle(segment, FileMode.Open, FileAccess.ReadWrite);
                RandomAccess.SetLength(handle, offset);
                FileSync.DataSync(handle, segment);
                removed += length - offset;
                truncated.Add((segment, offset));
            }
            FileSync.Directory(directory);
        }
    }
}

// Damage found while reading a log: a CRC mismatch, an impossible field or an LSN gap before the tail.
namespace Numa.Storage.Wal;

/// <summary>A segment holds bytes that are not a valid record where one must be (not a torn tail): a CRC32C
/// mismatch, an impossible length or name, an LSN out of sequence, a bad segment header. Recovery stops here rather
/// than skip data; <c>numa wal repair --truncate</c> cuts the log at <see cref="Offset"/>.</summary>
public sealed class WalCorruptionException : WalException
{
    /// <summary>Creates the exception for <paramref name="segment"/> at <paramref name="offset"/>.</summary>
    public WalCorruptionException(string segment, long offset, string problem)
        : base($"WAL corruption in segment {segment} at offset {offset}: {problem}")
    {
        Segment = segment;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>The segment file's path.</summary>
    public string Segment { get; }

    /// <summary>Byte offset in the segment of the damaged record (0: the segment header).</summary>
    public long Offset { get; }

    /// <summary>What is wrong, in words.</summary>
    public string Problem { get; }
}

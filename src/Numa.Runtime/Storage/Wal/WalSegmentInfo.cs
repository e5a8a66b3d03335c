// What a scan learned about one segment file.
namespace Numa.Storage.Wal;

/// <summary>One segment of a log, as a scan found it.</summary>
/// <param name="Path">The file's path.</param>
/// <param name="Shard">The shard in its header.</param>
/// <param name="FirstLsn">The first LSN in its header (the LSN its first record has or would have).</param>
/// <param name="LastLsn">The LSN of its last valid record; <c>FirstLsn - 1</c> when it holds none.</param>
/// <param name="Records">Valid records.</param>
/// <param name="Bytes">The file's length.</param>
/// <param name="ValidBytes">Bytes up to the end of the last valid record (header included).</param>
public sealed record WalSegmentInfo(string Path, int Shard, long FirstLsn, long LastLsn, long Records, long Bytes, long ValidBytes);

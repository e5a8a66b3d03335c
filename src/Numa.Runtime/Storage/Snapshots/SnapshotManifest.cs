// The manifest of a snapshot: the LSN it covers and its files.
namespace Numa.Storage.Snapshots;

/// <summary>
/// What a snapshot holds: every row acknowledged up to and including <see cref="Lsn"/> is in <see cref="Files"/>;
/// recovery replays the WAL from <c>Lsn + 1</c>. <see cref="Generation"/> counts snapshots in the directory and
/// keeps file names unique, so the files of the previous manifest are never overwritten.
/// </summary>
/// <param name="Generation">1 for the directory's first snapshot, then +1 per snapshot.</param>
/// <param name="Lsn">The last log sequence number the snapshot covers.</param>
/// <param name="CreatedUtc">When the snapshot was written.</param>
/// <param name="Files">One file per shard.</param>
public sealed record SnapshotManifest(long Generation, long Lsn, DateTimeOffset CreatedUtc, IReadOnlyList<SnapshotFile> Files);

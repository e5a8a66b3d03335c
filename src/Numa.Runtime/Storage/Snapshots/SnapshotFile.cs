// One data file of a snapshot as its manifest records it.
namespace Numa.Storage.Snapshots;

/// <summary>A snapshot's Parquet file for one shard: where it is and what it must contain.</summary>
/// <param name="Shard">The shard (collection, number, dimension).</param>
/// <param name="FileName">File name inside the snapshot directory.</param>
/// <param name="Rows">Rows in the file.</param>
/// <param name="Bytes">File length in bytes.</param>
/// <param name="Crc32C">CRC-32C (Castagnoli) of the whole file.</param>
public sealed record SnapshotFile(SnapshotShard Shard, string FileName, long Rows, long Bytes, uint Crc32C);

// What the vector store implements so that a snapshot can be taken of it.
using Numa.Storage.Parquet;

namespace Numa.Storage.Snapshots;

/// <summary>The data a snapshot writes: the shards it holds and, per shard, its rows.</summary>
public interface ISnapshotSource
{
    /// <summary>Every shard to write, each once; read once at the start of <see cref="SnapshotStore.Write"/>.</summary>
    IReadOnlyList<SnapshotShard> Shards { get; }

    /// <summary>Writes every row of <paramref name="shard"/> (state as of the snapshot's LSN) with
    /// <see cref="ParquetVectorWriter.Write"/>; the store finishes the file.</summary>
    void WriteShard(SnapshotShard shard, ParquetVectorWriter writer);
}

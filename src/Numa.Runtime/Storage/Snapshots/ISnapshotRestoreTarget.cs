// What the vector store implements so that a snapshot can be restored into it.
using Numa.Storage.Parquet;

namespace Numa.Storage.Snapshots;

/// <summary>Receives a snapshot's rows, shard by shard, during <see cref="SnapshotStore.Restore"/>.</summary>
public interface ISnapshotRestoreTarget
{
    /// <summary>A shard starts; <paramref name="rows"/> rows follow in one or more batches.</summary>
    void BeginShard(SnapshotShard shard, long rows);

    /// <summary>Rows of <paramref name="shard"/>, in file order; the spans are valid only during the call.</summary>
    void Restore(SnapshotShard shard, in VectorBatch rows);

    /// <summary>Every row of <paramref name="shard"/> has been delivered.</summary>
    void EndShard(SnapshotShard shard);
}

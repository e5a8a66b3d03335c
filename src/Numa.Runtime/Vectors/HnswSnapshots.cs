// Parquet snapshots of HNSW indexes: what the snapshot store reads from (ISnapshotSource) and restores into
// (ISnapshotRestoreTarget), one shard per index. The vectors are snapshotted and the graph is rebuilt on restore;
// HnswIndex.Save/Load keep a graph across restarts without a rebuild.
using Numa.Storage.Parquet;
using Numa.Storage.Snapshots;

namespace Numa.Vectors;

/// <summary>
/// Snapshots a set of <see cref="HnswIndex"/> shards to Parquet through <see cref="SnapshotStore"/> and restores them:
/// each shard's live (id, vector) rows, written in batches of up to <see cref="BatchRows"/> rows and
/// <see cref="BatchBytes"/> of vectors. Timestamps are written as 0
/// and metadata as null (the index keeps neither). On restore, <see cref="Indexes"/> holds one new index per shard,
/// created by the factory and filled with <see cref="HnswIndex.Add"/>.
/// </summary>
public sealed class HnswSnapshots : ISnapshotSource, ISnapshotRestoreTarget
{
    /// <summary>Rows per batch handed to the Parquet writer, at most; a batch's vectors also stay within
    /// <see cref="BatchBytes"/>, and a shard's batch buffer is no larger than its rows need.</summary>
    public const int BatchRows = 4096;

    /// <summary>Bytes of vectors per batch, at most (one row always fits, whatever its dimension).</summary>
    public const int BatchBytes = 16 << 20;

    private readonly Dictionary<SnapshotShard, HnswIndex> _indexes;
    private readonly Func<SnapshotShard, HnswIndex>? _create;

    /// <summary>A source over existing shards (for <see cref="SnapshotStore.Write"/>).</summary>
    /// <exception cref="ArgumentException">A shard's dimension differs from its index's.</exception>
    public HnswSnapshots(IReadOnlyDictionary<SnapshotShard, HnswIndex> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        foreach (var (shard, index) in shards)
            if (shard.Dimension != index.Options.Dimension)
                throw new ArgumentException($"shard {shard.Shard} of '{shard.Collection}' has dimension {shard.Dimension}, its index {index.Options.Dimension}", nameof(shards));
        _indexes = new Dictionary<SnapshotShard, HnswIndex>(shards);
    }

    /// <summary>A restore target (for <see cref="SnapshotStore.Restore"/>) that creates each shard's index with
    /// <paramref name="create"/>.</summary>
    public HnswSnapshots(Func<SnapshotShard, HnswIndex> create)
    {
        _create = create ?? throw new ArgumentNullException(nameof(create));
        _indexes = [];
    }

    /// <summary>The shards and their indexes (after a restore: the restored ones; the caller disposes them).</summary>
    public IReadOnlyDictionary<SnapshotShard, HnswIndex> Indexes => _indexes;

    IReadOnlyList<SnapshotShard> ISnapshotSource.Shards => [.. _indexes.Keys];

    void ISnapshotSource.WriteShard(SnapshotShard shard, ParquetVectorWriter writer)
    {
        var index = _indexes[shard];
        int batch = BatchRowsFor(shard.Dimension, index.Count);
        var ids = new long[batch];
        var vectors = new float[batch * shard.Dimension];
        var timestamps = new long[batch];
        int slot = 0, rows;
        while ((rows = index.CopyLive(ref slot, ids, vectors)) > 0)
            writer.Write(new VectorBatch(ids.AsSpan(0, rows), vectors.AsSpan(0, rows * shard.Dimension), shard.Dimension, timestamps.AsSpan(0, rows)));
    }

    /// <summary>Rows per batch for <paramref name="live"/> vectors of <paramref name="dimension"/> floats: at most
    /// <see cref="BatchRows"/>, <paramref name="live"/> and <see cref="BatchBytes"/> of vectors, at least 1.</summary>
    internal static int BatchRowsFor(int dimension, int live) =>
        Math.Max(1, Math.Min(Math.Min(BatchRows, live), BatchBytes / (sizeof(float) * dimension)));

    void ISnapshotRestoreTarget.BeginShard(SnapshotShard shard, long rows)
    {
        if (_create is null) throw new InvalidOperationException("This HnswSnapshots was made over existing shards; restore with new HnswSnapshots(create).");
        if (_indexes.Keys.Any(k => k.Collection == shard.Collection && k.Shard == shard.Shard))
            throw new SnapshotException(shard.Collection, $"shard {shard.Shard} begins a second time; a snapshot holds each shard once");
        var index = _create(shard);
        if (index.Options.Dimension != shard.Dimension)
        {
            index.Dispose();
            throw new SnapshotException(shard.Collection, $"shard {shard.Shard} has dimension {shard.Dimension}, the index created for it {index.Options.Dimension}");
        }
        _indexes[shard] = index;
    }

    void ISnapshotRestoreTarget.Restore(SnapshotShard shard, in VectorBatch rows)
    {
        var index = _indexes[shard];
        for (int i = 0; i < rows.Count; i++) index.Add(rows.Ids[i], rows.Vector(i));
    }

    void ISnapshotRestoreTarget.EndShard(SnapshotShard shard)
    {
    }
}

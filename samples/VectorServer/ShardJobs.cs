// The requests a shard worker serves, sent by Flight and admin threads through the shard's inbox ring: each job
// carries its inputs and a task its sender awaits; the shard runs it on its own pinned thread.
using Numa.Vectors;

namespace Numa.VectorServer;

/// <summary>A request to one shard. <see cref="Run"/> is called on the shard's thread; <see cref="Fail"/> when the
/// shard cannot run it (it failed, or is shutting down).</summary>
internal abstract class ShardJob
{
    public abstract void Run(ShardEngine shard);

    public abstract void Fail(Exception error);
}

/// <summary>A job with a result.</summary>
internal abstract class ShardJob<T> : ShardJob
{
    private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _done.Task;

    public void Complete(T result) => _done.TrySetResult(result);

    public override void Fail(Exception error) => _done.TrySetException(error);
}

/// <summary>Rows for one shard, already in the layout of a <see cref="WalPayload.Put"/> record, for the incarnation of
/// the collection created with <see cref="Generation"/>. The job completes once the rows are logged and indexed; its
/// result is the task of the record's durability (fdatasync under the Always policy, already complete otherwise).
/// The sender counted <see cref="Rows"/> into the shard's pending rows and into the collection's
/// (<paramref name="collectionPending"/>); <see cref="Release"/> takes them out of both once, whatever happens to the job.</summary>
internal sealed class PutJob(string collection, long generation, byte[] payload, int rows, ShardCounters counters,
    System.Runtime.CompilerServices.StrongBox<long> collectionPending) : ShardJob<Task>
{
    private int _released;

    public string Collection { get; } = collection;
    public long Generation { get; } = generation;
    public byte[] Payload { get; } = payload;
    public int Rows { get; } = rows;

    public override void Run(ShardEngine shard) => shard.Put(this);

    public override void Fail(Exception error)
    {
        Release();
        base.Fail(error);
    }

    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        Interlocked.Add(ref counters.PendingRows, -Rows);
        Interlocked.Add(ref collectionPending.Value, -Rows);
    }
}

/// <summary>k-NN search in one collection of one shard: hits nearest first, distances L2².</summary>
internal sealed class SearchJob(string collection, ReadOnlyMemory<float> query, int k, int? ef, Func<long, bool>? filter)
    : ShardJob<SearchResult[]>
{
    public string Collection { get; } = collection;
    public ReadOnlyMemory<float> Query { get; } = query;
    public int K { get; } = k;
    public int? Ef { get; } = ef;
    public Func<long, bool>? Filter { get; } = filter;
    public override void Run(ShardEngine shard) => shard.Search(this);
}

/// <summary>A page of live rows from slot <see cref="FromSlot"/>: ids, vectors (row-major) and the slot to continue
/// from; an empty page ends the scan. Slots number the rows of one index only: a page after the first names the
/// <see cref="Source"/> the earlier pages came from, and fails when the shard has replaced it since (compacted by a
/// snapshot, dropped, re-created).</summary>
internal sealed class ScanJob(string collection, int fromSlot, int maxRows, ShardCollection? source) : ShardJob<ScanPage>
{
    public string Collection { get; } = collection;
    public int FromSlot { get; } = fromSlot;
    public int MaxRows { get; } = maxRows;
    public ShardCollection? Source { get; } = source;
    public override void Run(ShardEngine shard) => shard.Scan(this);
}

/// <summary>One page of a scan, and the collection its slots belong to (null: the shard holds none).</summary>
internal sealed record ScanPage(long[] Ids, float[] Vectors, int Rows, int NextSlot, ShardCollection? Source);

/// <summary>Deletes one id (durable when the task completes): true when it was present.</summary>
internal sealed class DeleteJob(string collection, long id) : ShardJob<Task<bool>>
{
    public string Collection { get; } = collection;
    public long Id { get; } = id;
    public override void Run(ShardEngine shard) => shard.Delete(this);
}

/// <summary>Drops the shard's part of the incarnation of a collection created with <see cref="Generation"/> (or an
/// older one); durable when the task completes. A newer incarnation of the name is left alone.</summary>
internal sealed class DropJob(string collection, long generation) : ShardJob<Task>
{
    public string Collection { get; } = collection;
    public long Generation { get; } = generation;
    public override void Run(ShardEngine shard) => shard.Drop(this);
}

/// <summary>Writes a snapshot (Parquet + saved graphs) and truncates the WAL.</summary>
internal sealed class SnapshotJob : ShardJob<ShardSnapshotInfo>
{
    public override void Run(ShardEngine shard) => shard.Snapshot(this);
}

/// <summary>What a snapshot covered.</summary>
internal sealed record ShardSnapshotInfo(int Shard, long Lsn, long Rows, TimeSpan Duration);

/// <summary>The shard's statistics, read on its own thread.</summary>
internal sealed class StatsJob : ShardJob<ShardStats>
{
    public override void Run(ShardEngine shard) => shard.Stats(this);
}

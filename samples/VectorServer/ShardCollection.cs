// A shard's part of one collection: its HNSW index and the node-bound arena it lives in, plus the lifetime guard
// that lets request threads on the shard's node search it in place while the shard may retire it.
using Numa.Memory;
using Numa.Vectors;

namespace Numa.VectorServer;

/// <summary>
/// One collection on one shard. The shard thread creates, fills and disposes it; request threads that run on the
/// shard's node may search it between <see cref="TryEnter"/> and <see cref="Exit"/> (HnswIndex searches are
/// thread-safe alongside the shard's inserts). <see cref="Dispose"/> retires it, waits for those searches to leave,
/// and only then frees the index and its arena — a search never touches freed memory.
/// </summary>
internal sealed class ShardCollection(HnswIndex index, NumaArena arena) : IDisposable
{
    private int _users;
    private int _retired;

    public HnswIndex Index { get; } = index;

    public NumaArena Arena { get; } = arena;

    /// <summary>The catalog generation of the collection's incarnation these rows belong to (shard thread only).</summary>
    public long Generation { get; set; }

    /// <summary>Any thread: true when the collection may be searched until <see cref="Exit"/>.</summary>
    public bool TryEnter()
    {
        Interlocked.Increment(ref _users);                 // full fence, then the flag: pairs with Dispose's exchange
        if (Volatile.Read(ref _retired) == 0) return true;
        Interlocked.Decrement(ref _users);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _users);

    /// <summary>Shard thread: refuse new searches, wait for the running ones (they take well under a millisecond),
    /// then free the index and the arena.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _retired, 1) != 0) return;
        var wait = new SpinWait();
        while (Volatile.Read(ref _users) != 0) wait.SpinOnce();
        Index.Dispose();
        Arena.Dispose();
    }
}

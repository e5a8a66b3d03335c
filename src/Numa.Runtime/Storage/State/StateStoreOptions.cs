// Where a state store lives and how large it starts.
using Numa.Memory;

namespace Numa.Storage.State;

/// <summary>Options for <see cref="StateStore{TKey, TValue}"/>.</summary>
public sealed class StateStoreOptions
{
    /// <summary>Entries the store holds before it first grows (rounded so the table stays at most 3/4 full).
    /// Default 1024.</summary>
    public int InitialCapacity { get; init; } = 1024;

    /// <summary>The owning worker's arena (<c>WorkerContext.Arena</c>); tables come from it, on the calling thread.
    /// A table outgrown by the store stays in that arena until the arena is reset. When null the store creates and
    /// owns an arena on <see cref="Node"/> and frees outgrown tables at once.</summary>
    public NumaArena? Arena { get; init; }

    /// <summary>The node for the store's own arena when <see cref="Arena"/> is null; null: the node of the thread that
    /// creates the store (a pinned worker creating its own store gets its own node).</summary>
    public int? Node { get; init; }
}

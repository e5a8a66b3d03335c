// A node's memory account: its arenas and what they hold.
using Numa.Topology;

namespace Numa.Memory;

/// <summary>The memory of one NUMA node as Numa uses it: arenas homed on the node and their counters.
/// Obtained from <see cref="NumaPlatform.Node"/>.</summary>
public sealed class NodeMemory
{
    private readonly NumaPlatform _platform;
    private readonly List<NumaArena> _arenas = [];
    private readonly Lock _lock = new();

    internal NodeMemory(NumaPlatform platform, NumaNode node)
    {
        _platform = platform;
        Node = node;
    }

    /// <summary>The node.</summary>
    public NumaNode Node { get; }

    /// <summary>The node id.</summary>
    public int NodeId => Node.Id;

    /// <summary>Creates an arena on this node: MPOL_PREFERRED by default, or <paramref name="policy"/>
    /// (Preferred or Bind), with optional huge pages.</summary>
    /// <exception cref="NumaConfigurationException">MPOL_BIND to a node without (allowed) memory.</exception>
    public NumaArena CreateArena(MemoryPolicy policy = MemoryPolicy.Preferred, long chunkBytes = 2 * NumaArenaOptions.MiB,
        HugePageMode hugePages = HugePageMode.None)
    {
        if (policy is not (MemoryPolicy.Preferred or MemoryPolicy.Bind))
            throw new ArgumentException($"A node's arena uses Preferred or Bind; for {NumaArena.PolicyName(policy)} create a NumaArena with NumaArenaOptions.", nameof(policy));
        return new NumaArena(_platform, new NumaArenaOptions { Policy = policy, Nodes = [NodeId], ChunkBytes = chunkBytes, HugePages = hugePages });
    }

    /// <summary>Bytes mapped by the live arenas homed on this node.</summary>
    public long ReservedBytes
    {
        get { lock (_lock) return _arenas.Sum(a => a.ReservedBytes); }
    }

    /// <summary>Bytes handed out by the live arenas homed on this node.</summary>
    public long UsedBytes
    {
        get { lock (_lock) return _arenas.Sum(a => a.UsedBytes); }
    }

    /// <summary>Number of live arenas homed on this node.</summary>
    public int ArenaCount
    {
        get { lock (_lock) return _arenas.Count; }
    }

    internal bool Holds(NumaArena arena)
    {
        lock (_lock) return _arenas.Contains(arena);
    }

    internal void Register(NumaArena arena)
    {
        lock (_lock) _arenas.Add(arena);
    }

    internal void Unregister(NumaArena arena)
    {
        lock (_lock) _arenas.Remove(arena);
    }
}

// Where a shard puts the memory of a collection it starts holding (seed 002's strategies): its own node (default),
// nodes in turn, the node with the most free memory, or no binding at all. Switchable at run time by the admin API.
using Numa.Memory;

namespace Numa.VectorServer;

/// <summary>The placement strategies of <c>POST /api/v1/numa/strategy</c>.</summary>
public enum PlacementStrategy
{
    /// <summary>The shard's own node: the memory next to the CPU that inserts and searches (default).</summary>
    LocalNode,

    /// <summary>Each new collection's memory on the next node with memory, in turn (spreads capacity, not locality).</summary>
    RoundRobin,

    /// <summary>The node with the most free memory (free at start minus what Numa reserved since).</summary>
    MostMemory,

    /// <summary>No memory policy: the kernel's default (first touch, on the shard's thread).</summary>
    Disabled,
}

/// <summary>The current strategy, shared by the admin API and the shards. Thread-safe.</summary>
internal sealed class PlacementStrategyState(PlacementStrategy initial)
{
    private int _strategy = (int)initial;
    private int _nextNode;

    public PlacementStrategy Current
    {
        get => (PlacementStrategy)Volatile.Read(ref _strategy);
        set => Volatile.Write(ref _strategy, (int)value);
    }

    /// <summary>The wire names: local_node, round_robin, most_memory, disabled.</summary>
    public static string Name(PlacementStrategy strategy) => strategy switch
    {
        PlacementStrategy.LocalNode => "local_node",
        PlacementStrategy.RoundRobin => "round_robin",
        PlacementStrategy.MostMemory => "most_memory",
        _ => "disabled",
    };

    /// <summary>Parses a wire name.</summary>
    public static bool TryParse(string? text, out PlacementStrategy strategy)
    {
        strategy = text switch
        {
            "local_node" => PlacementStrategy.LocalNode,
            "round_robin" => PlacementStrategy.RoundRobin,
            "most_memory" => PlacementStrategy.MostMemory,
            "disabled" => PlacementStrategy.Disabled,
            _ => (PlacementStrategy)(-1),
        };
        return Enum.IsDefined(strategy);
    }

    /// <summary>An arena for a new collection on a shard whose own memory is <paramref name="local"/>; called on
    /// the shard's pinned thread.</summary>
    public NumaArena CreateArena(NumaPlatform platform, NodeMemory local)
    {
        var nodes = platform.Topology.Nodes.Where(n => n.CanHoldMemory).ToList();
        switch (Current)
        {
            case PlacementStrategy.RoundRobin when nodes.Count > 0:
                int turn = (int)((uint)Interlocked.Increment(ref _nextNode) % (uint)nodes.Count);
                return platform.Node(nodes[turn].Id).CreateArena();
            case PlacementStrategy.MostMemory when nodes.Count > 0:
                var most = nodes.MaxBy(n => n.MemoryFreeBytes - platform.Node(n.Id).ReservedBytes)!;
                return platform.Node(most.Id).CreateArena();
            case PlacementStrategy.Disabled:
                return new NumaArena(platform, new NumaArenaOptions { Policy = MemoryPolicy.Default });
            default:
                return local.CreateArena();
        }
    }
}

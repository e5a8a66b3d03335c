// The native block a ring lives in: index cache lines and slots in one mapping bound to the ring's home node.
using Numa.Memory;

namespace Numa.Messaging;

/// <summary>Owns one ring's memory: a header of index lines followed by the slots, from a
/// private arena bound (MPOL_PREFERRED) to the home node. Zeroed, so every index starts at 0.</summary>
internal sealed unsafe class RingMemory : IDisposable
{
    /// <summary>Index lines are 128 bytes apart: the adjacent-line prefetcher pulls pairs of 64-byte lines, so
    /// 64-byte separation still lets producer and consumer indices interfere (glommio pads to 128 too).</summary>
    internal const int LineBytes = 128;

    private readonly NumaArena _arena;

    internal RingMemory(NumaPlatform platform, int homeNode, int headerBytes, long slotBytes)
    {
        HomeNode = homeNode;
        long total = headerBytes + slotBytes;
        _arena = new NumaArena(platform, new NumaArenaOptions { Policy = MemoryPolicy.Preferred, Nodes = [homeNode], ChunkBytes = Math.Max(total, 4096) });
        // One block in one mapping, bound before first touch. Clearing it is the first touch: without active
        // binding, pages land on the constructing thread's node.
        Base = (byte*)_arena.Allocate((nuint)total, LineBytes);
        System.Runtime.InteropServices.NativeMemory.Clear(Base, (nuint)total);
        Length = total;
    }

    internal byte* Base { get; private set; }

    internal long Length { get; }

    internal int HomeNode { get; }

    /// <summary>The node the ring's pages are expected on (the home node, or its fallback when it has no memory).</summary>
    internal IReadOnlyList<int> ExpectedNodes => _arena.ExpectedNodes;

    /// <summary>Where the ring's pages are, per node (move_pages).</summary>
    internal PlacementSummary QueryPlacement() => PagePlacement.Summarize(Base, (nuint)Length);

    /// <summary>Resolves the home node from the placement: producer's or consumer's node, or the calling thread's
    /// node when the side's node is not given.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A node is below -1 (the calling thread's node), or does not exist.</exception>
    internal static int ResolveHome(NumaPlatform platform, RingPlacement placement, int producerNode, int consumerNode, int? explicitNode)
    {
        // Every side's node is checked, not only the home: ProducerNode/ConsumerNode also decide IsCrossNode, and with
        // it the cross-node counters.
        CheckNode(platform, producerNode, "ProducerNode");
        CheckNode(platform, consumerNode, "ConsumerNode");
        if (explicitNode is { } given) CheckNode(platform, given, "Node");
        int node = explicitNode ?? (placement == RingPlacement.ProducerLocal ? producerNode : consumerNode);
        return node >= 0 ? node : platform.CurrentNode();
    }

    private static void CheckNode(NumaPlatform platform, int node, string option)
    {
        if (node < -1)
            throw new ArgumentOutOfRangeException(option, node, $"{option} = {node}: give a node id, or -1 for the node of the calling thread.");
        if (node >= 0 && !platform.Topology.HasNode(node))
            throw new ArgumentOutOfRangeException(option, node, $"{option} = {node}: there is no NUMA node {node}; the nodes are {string.Join(",", platform.Topology.Nodes.Select(n => n.Id))}.");
    }

    public void Dispose()
    {
        Base = null;
        _arena.Dispose();
    }
}

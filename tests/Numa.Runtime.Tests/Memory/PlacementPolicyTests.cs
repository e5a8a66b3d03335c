// Placement requests checked against fixture topologies before any memory is mapped: what cannot work
// on the machine is refused with a message that says what to do instead.
using Microsoft.Extensions.Logging;
using Numa.Memory;
using Numa.Tests.Support;

namespace Numa.Tests.Memory;

public sealed class PlacementPolicyTests
{
    // Node 0: CPU 0 and memory; node 1: CPU 1 and memory; node 2: CPU 2, no memory; node 3: memory, no CPU.
    private static NumaPlatform FourNodes(ListLogger? logger = null, string? memsAllowed = null)
    {
        using var tree = new SysfsTree().Node(0, "0", 1024 * 1024).Node(1, "1", 1024 * 1024).Node(2, "2", 0).Node(3, "", 1024 * 1024);
        tree.MemsAllowed = memsAllowed;
        tree.Distance = (a, b) => a == b ? 10 : (a, b) is (2, 3) or (3, 2) ? 12 : 21;
        return NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build() }, logger);
    }

    [Fact]
    public void Bind_to_a_memoryless_node_is_refused_with_the_nodes_that_have_memory()
    {
        var platform = FourNodes();

        var e = Assert.Throws<NumaConfigurationException>(() => platform.Node(2).CreateArena(MemoryPolicy.Bind));

        Assert.Contains("Cannot bind memory to node 2: it has no memory", e.Message);
        Assert.Contains("(0-1,3)", e.Message);
        Assert.Contains("MemoryPolicy.Preferred", e.Message);
    }

    [Fact]
    public void Preferred_on_a_memoryless_node_falls_back_to_the_nearest_node_and_says_so()
    {
        var logger = new ListLogger();
        var platform = FourNodes(logger);

        using var arena = platform.Node(2).CreateArena();

        Assert.Equal([3], arena.ExpectedNodes);
        Assert.Equal(2, arena.HomeNode);
        Assert.Contains("node 2 has no memory: MPOL_PREFERRED falls back to node 3", arena.PlacementNote);
        Assert.Contains(logger.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("falls back to node 3"));
    }

    [Fact]
    public void Bind_outside_mems_allowed_is_refused()
    {
        var platform = FourNodes(memsAllowed: "1,3");

        var e = Assert.Throws<NumaConfigurationException>(() => platform.Node(0).CreateArena(MemoryPolicy.Bind));

        Assert.Contains("not in this process's Mems_allowed_list", e.Message);
        Assert.Contains("1,3", e.Message);
    }

    [Fact]
    public void Interleave_defaults_to_every_node_with_allowed_memory()
    {
        var platform = FourNodes();

        using var arena = new NumaArena(platform, new NumaArenaOptions { Policy = MemoryPolicy.Interleave });

        Assert.Equal([0, 1, 3], arena.ExpectedNodes);
        Assert.Null(arena.HomeNode);
        Assert.Null(arena.PlacementNote);
    }

    [Fact]
    public void Interleave_skips_memoryless_nodes_and_notes_it()
    {
        var platform = FourNodes();

        using var arena = new NumaArena(platform, new NumaArenaOptions { Policy = MemoryPolicy.Interleave, Nodes = [1, 2] });

        Assert.Equal([1], arena.ExpectedNodes);
        Assert.Contains("nodes 2 hold no allowed memory", arena.PlacementNote);
    }

    [Fact]
    public void Interleave_over_memoryless_nodes_only_is_refused()
    {
        var platform = FourNodes();

        var e = Assert.Throws<NumaConfigurationException>(() => new NumaArena(platform, new NumaArenaOptions { Policy = MemoryPolicy.Interleave, Nodes = [2] }));

        Assert.Contains("none of them holds allowed memory", e.Message);
    }

    [Fact]
    public void Preferred_takes_exactly_one_node()
    {
        var platform = FourNodes();

        var e = Assert.Throws<NumaConfigurationException>(() => new NumaArena(platform, new NumaArenaOptions { Nodes = [0, 1] }));

        Assert.Contains("Use PreferredMany", e.Message);
    }

    [Fact]
    public void Node_arenas_accept_only_preferred_or_bind()
    {
        var platform = FourNodes();

        Assert.Throws<ArgumentException>(() => platform.Node(0).CreateArena(MemoryPolicy.Interleave));
    }
}

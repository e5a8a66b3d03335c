// `numa graph` on the built Quickstart sample, planned on a fixture 2-socket, 64-CPU topology: one ingest worker per
// node, one counter per CPU on that CPU's node, one reporter, and one ring per (producer, consumer) pair whose memory
// is on the producer's node (ProducerLocal).
using System.Reflection;
using Numa.Cli.Commands;
using Numa.Tests;
using Numa.Tests.Support;

namespace Numa.Cli.Tests;

public sealed class GraphCommandTests
{
    [Fact]
    public void Quickstart_plans_workers_on_their_cpus_nodes_and_every_ring_on_its_producers_node()
    {
        using var tree = SysfsTree.TwoSocketSmt64();
        // Overprovisioned: plan on the fixture without binding or pinning on this kernel.
        var platform = NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build(), Overprovisioned = true });
        var topology = platform.Topology;

        var graph = GraphCommand.Describe(new FileInfo(QuickstartAssembly()), platform);

        var ingest = graph.Workers.Where(w => w.Worker == "Ingest").ToList();
        var counters = graph.Workers.Where(w => w.Worker == "Counter").ToList();
        Assert.Equal(2, ingest.Count);
        Assert.Equal([0, 1], ingest.Select(w => w.Node).Order());
        Assert.Equal(64, counters.Count);
        Assert.Equal(Enumerable.Range(0, 64), counters.Select(w => w.Cpu).Order());
        Assert.Single(graph.Workers, w => w.Worker == "Reporter");
        foreach (var w in graph.Workers)
            Assert.True(topology.NodeOfCpu(w.Cpu) == w.Node, $"{w.Worker}[{w.Index}] runs on cpu {w.Cpu} but is described on node {w.Node}");

        Assert.Equal(2 * 64 + 64 * 1, graph.Rings.Count);
        var nodeOf = graph.Workers.ToDictionary(w => $"{w.Worker}[{w.Index}]", w => w.Node);
        foreach (var r in graph.Rings)
        {
            Assert.Equal(nodeOf[r.Producer], r.ProducerNode);
            Assert.Equal(nodeOf[r.Consumer], r.ConsumerNode);
            Assert.Equal(r.ProducerNode, r.HomeNode);
        }
        int crossNode = graph.Rings.Count(r => r.ProducerNode != r.ConsumerNode);
        Assert.Equal(64 + 32, crossNode);   // each ingest feeds the other node's 32 counters; half the counters report across
        Assert.Contains($"rings ({graph.Rings.Count}, {crossNode} cross-node):", graph.ToText());
    }

    // samples/Quickstart's build output for this test's configuration (the project reference builds it first).
    private static string QuickstartAssembly() => Path.Combine(RepositoryRoot.Path, "samples", "Quickstart", "bin",
        typeof(GraphCommandTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration, "net10.0", "Quickstart.dll");
}

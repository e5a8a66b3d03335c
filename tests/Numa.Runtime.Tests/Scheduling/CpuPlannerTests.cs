// CPU assignment per policy on a two-socket 64-CPU SMT box and on odd layouts: deterministic and explained.
using Numa.Scheduling;
using Numa.Tests.Support;
using Numa.Topology;

namespace Numa.Tests.Scheduling;

public sealed class CpuPlannerTests
{
    private static NumaTopology Smt64(string? allowed = null)
    {
        using var tree = SysfsTree.TwoSocketSmt64();
        return NumaTopology.Detect(tree.Build(allowed));
    }

    [Fact]
    public void Compact_fills_node_zero_core_by_core_with_siblings_together()
    {
        var plan = CpuPlanner.Plan(Smt64(), PinPolicy.Compact, 6);

        Assert.Equal([0, 32, 1, 33, 2, 34], plan.Select(p => p.Cpu));
        Assert.All(plan, p => Assert.Equal(0, p.Node));
        Assert.Equal([0, 1, 2, 3, 4, 5], plan.Select(p => p.Worker));
    }

    [Fact]
    public void Compact_moves_to_the_next_node_when_the_first_is_full()
    {
        var plan = CpuPlanner.Plan(Smt64(), PinPolicy.Compact, 34);

        Assert.Equal(0, plan[31].Node);
        Assert.Equal(16, plan[32].Cpu);
        Assert.Equal(48, plan[33].Cpu);
        Assert.Equal(1, plan[33].Node);
    }

    [Fact]
    public void Scatter_alternates_nodes_and_uses_every_physical_core_before_siblings()
    {
        var plan = CpuPlanner.Plan(Smt64(), PinPolicy.Scatter, 64);

        Assert.Equal([0, 16, 1, 17], plan.Take(4).Select(p => p.Cpu));
        Assert.Equal([0, 1, 0, 1], plan.Take(4).Select(p => p.Node));
        Assert.All(plan.Take(32), p => Assert.True(p.Cpu < 32, $"worker {p.Worker} got SMT sibling {p.Cpu} before every core was used"));
        Assert.Equal(CpuSet.Range(0, 63), CpuSet.Of(plan.Select(p => p.Cpu)));
    }

    [Fact]
    public void Bind_node_uses_only_that_nodes_cpus()
    {
        var plan = CpuPlanner.Plan(Smt64(), PinPolicy.BindNode(1), 20);

        Assert.All(plan, p => Assert.Equal(1, p.Node));
        Assert.Equal(CpuSet.Range(16, 31), CpuSet.Of(plan.Take(16).Select(p => p.Cpu)));
        Assert.Equal([48, 49, 50, 51], plan.Skip(16).Select(p => p.Cpu));
    }

    [Fact]
    public void Explicit_cpusets_are_used_in_ascending_order()
    {
        var plan = CpuPlanner.Plan(Smt64(), PinPolicy.Explicit("40,3,17"), 3);

        Assert.Equal([3, 17, 40], plan.Select(p => p.Cpu));
        Assert.Equal([0, 1, 0], plan.Select(p => p.Node));
    }

    [Fact]
    public void An_explicit_cpuset_outside_the_allowed_cpus_is_a_clear_error()
    {
        var topology = Smt64(allowed: "0-31");

        var e = Assert.Throws<NumaConfigurationException>(() => CpuPlanner.Plan(topology, PinPolicy.Explicit("30-33"), 2));

        Assert.Contains("includes CPUs 32-33 that this process may not use", e.Message);
        Assert.Contains("allowed CPUs are 0-31", e.Message);
    }

    [Fact]
    public void More_workers_than_cpus_is_an_error_unless_sharing_is_allowed()
    {
        var topology = Smt64();

        var e = Assert.Throws<NumaConfigurationException>(() => CpuPlanner.Plan(topology, PinPolicy.BindNode(0), 33));
        Assert.Contains("33 workers need 33 CPUs but policy bind-node:0 offers 32", e.Message);
        Assert.Contains("overprovisioned", e.Message);

        var shared = CpuPlanner.Plan(topology, PinPolicy.BindNode(0), 33, allowSharing: true);
        Assert.Equal(shared[0].Cpu, shared[32].Cpu);
    }

    [Fact]
    public void Bind_node_on_a_cpuless_or_unknown_node_is_a_clear_error()
    {
        using var tree = new SysfsTree().Node(0, "0-1", 1024).Node(3, "", 1024);
        var topology = NumaTopology.Detect(tree.Build());

        var cpuless = Assert.Throws<NumaConfigurationException>(() => CpuPlanner.Plan(topology, PinPolicy.BindNode(3), 1));
        Assert.Contains("node 3 has no CPU this process may use", cpuless.Message);
        var unknown = Assert.Throws<NumaConfigurationException>(() => CpuPlanner.Plan(topology, PinPolicy.BindNode(1), 1));
        Assert.Contains("there is no NUMA node 1; the nodes are 0,3", unknown.Message);
    }

    [Fact]
    public void Plans_are_deterministic()
    {
        Assert.Equal(CpuPlanner.Plan(Smt64(), PinPolicy.Scatter, 40), CpuPlanner.Plan(Smt64(), PinPolicy.Scatter, 40));
    }

    [Fact]
    public void Scatter_with_some_siblings_disallowed_still_prefers_distinct_cores()
    {
        // CPUs 0-3 and their siblings 32-33: cores 0-3 first, then the two allowed siblings.
        var plan = CpuPlanner.Plan(Smt64(allowed: "0-3,32-33"), PinPolicy.Scatter, 6);

        Assert.Equal([0, 1, 2, 3, 32, 33], plan.Select(p => p.Cpu));
    }
}

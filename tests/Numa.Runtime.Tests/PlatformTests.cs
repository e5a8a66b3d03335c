// The startup decisions: binding state, pinning, cpuset restriction, and the log lines that report them.
using Microsoft.Extensions.Logging;
using Numa.Memory;
using Numa.Tests.Support;
using Numa.Topology;

namespace Numa.Tests;

public sealed class PlatformTests
{
    [Fact]
    public void One_node_means_no_binding_and_says_so()
    {
        using var tree = new SysfsTree().Node(0, "0-1", 1024 * 1024);
        var logger = new ListLogger();

        var platform = NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build() }, logger);

        Assert.Equal(BindingState.SingleNode, platform.Binding);
        Assert.True(platform.PinningEnabled);
        Assert.Contains(logger.Lines, l => l.Message.StartsWith("NUMA topology detected nodes=1", StringComparison.Ordinal));
        Assert.Contains(logger.Lines, l => l.Message.Contains("NUMA binding single-node"));
    }

    [Fact]
    public void Two_nodes_with_memory_activate_binding_when_the_kernel_accepts_mempolicy_calls()
    {
        using var tree = new SysfsTree().Node(0, "0", 1024 * 1024).Node(1, "1", 1024 * 1024);

        var platform = NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build() });

        // The probe (get_mempolicy) runs against the real kernel of this machine.
        Assert.Equal(global::Numa.Native.NumaSyscalls.ProbeMemPolicy() == 0 ? BindingState.Active : BindingState.Unavailable, platform.Binding);
    }

    [Fact]
    public void Overprovisioned_mode_disables_binding_and_pinning()
    {
        using var tree = new SysfsTree().Node(0, "0", 1024 * 1024).Node(1, "1", 1024 * 1024);

        var platform = NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build(), Overprovisioned = true });

        Assert.Equal(BindingState.Disabled, platform.Binding);
        Assert.False(platform.PinningEnabled);
        Assert.Contains("overprovisioned", platform.BindingReason);
    }

    [Fact]
    public void A_cpuset_restricts_the_topology()
    {
        using var tree = SysfsTree.TwoSocketSmt64();

        var platform = NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build(), Cpuset = CpuSet.Parse("16-19") });

        Assert.Equal(CpuSet.Parse("16-19"), platform.Topology.AllowedCpus);
        Assert.True(platform.Topology.GetNode(0).Cpus.IsEmpty);
        Assert.Equal([1], platform.Topology.CpuNodes.Select(n => n.Id));
    }

    [Fact]
    public void A_cpuset_outside_the_allowed_cpus_is_a_clear_error()
    {
        using var tree = SysfsTree.TwoSocketSmt64();

        var e = Assert.Throws<NumaConfigurationException>(() =>
            NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build(allowedCpus: "0-31"), Cpuset = CpuSet.Parse("30-40") }));

        Assert.Contains("includes CPUs 32-40 that this process may not use", e.Message);
        Assert.Contains("allowed CPUs are 0-31", e.Message);
    }

    [Fact]
    public void An_empty_cpuset_is_a_clear_error()
    {
        using var tree = SysfsTree.TwoSocketSmt64();

        var e = Assert.Throws<NumaConfigurationException>(() =>
            NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build(), Cpuset = CpuSet.Parse(" ") }));

        Assert.Contains("The cpuset is empty", e.Message);
    }

    [Fact]
    public void Topology_json_has_the_documented_shape()
    {
        using var tree = new SysfsTree().Node(0, "0-1", 2 * 1024 * 1024).Node(2, "2", 1024 * 1024);
        var platform = NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build(), Overprovisioned = true });

        using var doc = System.Text.Json.JsonDocument.Parse(TopologyJson.ToJson(platform));
        var root = doc.RootElement;

        var nodes = root.GetProperty("nodes");
        Assert.Equal(2, nodes.GetArrayLength());
        var n2 = nodes[1];
        Assert.Equal(2, n2.GetProperty("node_id").GetInt32());
        Assert.Equal(1, n2.GetProperty("cpu_count").GetInt32());
        Assert.Equal("2", n2.GetProperty("cpu_list").GetString());
        Assert.Equal(1024, n2.GetProperty("memory_mb").GetInt64());
        Assert.Equal(512, n2.GetProperty("free_mb").GetInt64());
        Assert.Equal(21, n2.GetProperty("distances").GetProperty("0").GetInt32());
        Assert.Equal(10, n2.GetProperty("distances").GetProperty("2").GetInt32());
        Assert.Equal(3072, root.GetProperty("total_memory_mb").GetInt64());
        Assert.Equal("0-2", root.GetProperty("allowed_cpus").GetString());
        Assert.Equal("disabled", root.GetProperty("binding").GetString());
    }

    [Fact]
    public void Binding_is_spelled_as_one_of_the_four_documented_values()
    {
        Assert.Equal(["active", "single-node", "unavailable", "disabled"], Enum.GetValues<BindingState>().Select(NumaPlatform.Format));
        Assert.Throws<ArgumentOutOfRangeException>(() => NumaPlatform.Format((BindingState)4));
    }

    [Fact]
    public void Refused_binding_switches_to_one_node_mode_and_logs_once()
    {
        using var tree = new SysfsTree().Node(0, "0", 1024 * 1024).Node(1, "1", 1024 * 1024);
        var logger = new ListLogger();
        var platform = NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build() }, logger);
        Assert.SkipUnless(platform.Binding == BindingState.Active, "the kernel here refuses get_mempolicy");
        int before = logger.Lines.Count;

        platform.MarkBindingUnavailable(new global::Numa.Native.NumaNativeException("mbind", global::Numa.Native.Errno.EPERM));
        platform.MarkBindingUnavailable(new global::Numa.Native.NumaNativeException("mbind", global::Numa.Native.Errno.EPERM));

        Assert.Equal(BindingState.Unavailable, platform.Binding);
        Assert.Contains("mbind failed with EPERM", platform.BindingReason);
        var added = logger.Lines.Skip(before).ToList();
        var line = Assert.Single(added);
        Assert.Equal(LogLevel.Warning, line.Level);
    }

    [Fact]
    public void One_node_makes_no_binding_syscalls()
    {
        // Node 7 does not exist in this machine's kernel: an mbind naming it would fail with EINVAL,
        // so a successful allocation proves that no binding call was made.
        using var tree = new SysfsTree().Node(7, "0", 1024 * 1024);
        var platform = NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build() });

        using var arena = platform.Node(7).CreateArena(MemoryPolicy.Bind);
        arena.AllocateSpan<byte>(64 * 1024)[^1] = 1;

        Assert.False(arena.IsBound);
        Assert.Equal(64 * 1024, arena.UsedBytes);
    }

    [Fact]
    public void Overprovisioned_mode_makes_no_binding_syscalls()
    {
        using var tree = new SysfsTree().Node(7, "0", 1024 * 1024).Node(8, "1", 1024 * 1024);
        var platform = NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build(), Overprovisioned = true });

        using var arena = new NumaArena(platform, new NumaArenaOptions { Policy = MemoryPolicy.Interleave });
        arena.AllocateSpan<byte>(64 * 1024)[^1] = 1;

        Assert.False(arena.IsBound);
    }
}

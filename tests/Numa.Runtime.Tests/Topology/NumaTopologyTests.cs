// Topology detection from fixture sysfs trees: every odd shape the kernel can present, and malformed files.
using Numa.Tests.Support;
using Numa.Topology;

namespace Numa.Tests.Topology;

public sealed class NumaTopologyTests
{
    [Fact]
    public void Two_nodes_are_read_with_cpus_memory_distances_and_huge_pages()
    {
        using var tree = new SysfsTree().Node(0, "0-3", 8 * 1024 * 1024).Node(1, "4-7", 4 * 1024 * 1024);
        tree.HugePages[1] = (2048, 16, 12);
        tree.Distance = (a, b) => a == b ? 10 : 32;

        var t = NumaTopology.Detect(tree.Build());

        Assert.Equal(TopologySource.Sysfs, t.Source);
        Assert.Equal([0, 1], t.Nodes.Select(n => n.Id));
        Assert.Equal(CpuSet.Range(0, 3), t.GetNode(0).Cpus);
        Assert.Equal(CpuSet.Range(4, 7), t.GetNode(1).Cpus);
        Assert.Equal(8L * 1024 * 1024 * 1024, t.GetNode(0).MemoryTotalBytes);
        Assert.Equal(2L * 1024 * 1024 * 1024, t.GetNode(1).MemoryFreeBytes);
        Assert.Equal(32, t.Distance(0, 1));
        Assert.Equal(10, t.Distance(1, 1));
        Assert.Empty(t.GetNode(0).HugePages);
        Assert.Equal(new HugePagePool(2 * 1024 * 1024, 16, 12), Assert.Single(t.GetNode(1).HugePages));
        Assert.True(t.IsMultiNode);
        Assert.Equal(1, t.NodeOfCpu(5));
        Assert.Equal(12L * 1024 * 1024 * 1024, t.MemoryTotalBytes);
    }

    [Fact]
    public void Node_ids_need_not_start_at_zero_or_be_contiguous()
    {
        using var tree = new SysfsTree().Node(4, "0-1", 1024 * 1024).Node(6, "2-3", 1024 * 1024).Node(7, "", 1024 * 1024);

        var t = NumaTopology.Detect(tree.Build("0-3"));

        Assert.Equal([4, 6, 7], t.Nodes.Select(n => n.Id));
        Assert.False(t.HasNode(0));
        Assert.Equal(21, t.Distance(4, 7));
        Assert.Equal(10, t.Distance(6, 6));
        Assert.Equal(6, t.NodeOfCpu(3));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => t.GetNode(0));
        Assert.Contains("nodes are 4,6,7", e.Message);
    }

    [Fact]
    public void A_node_without_cpus_holds_memory_but_gets_no_workers()
    {
        using var tree = new SysfsTree().Node(0, "0-1", 1024 * 1024).Node(1, "", 2 * 1024 * 1024);

        var t = NumaTopology.Detect(tree.Build());

        var cpuless = t.GetNode(1);
        Assert.False(cpuless.HasCpus);
        Assert.True(cpuless.CanHoldMemory);
        Assert.Equal([0], t.CpuNodes.Select(n => n.Id));
        Assert.Equal([0, 1], t.MemoryNodes.Select(n => n.Id));
        Assert.True(t.IsMultiNode);
    }

    [Fact]
    public void A_node_without_memory_has_cpus_and_falls_back_to_the_nearest_memory_node()
    {
        using var tree = new SysfsTree().Node(0, "0", 1024 * 1024).Node(1, "1", 1024 * 1024).Node(2, "2", 0).Node(3, "", 1024 * 1024);
        tree.Distance = (a, b) => a == b ? 10 : (a, b) is (2, 1) or (1, 2) ? 16 : 21;

        var t = NumaTopology.Detect(tree.Build());

        var memless = t.GetNode(2);
        Assert.False(memless.HasMemory);
        Assert.True(memless.HasCpus);
        Assert.Equal([0, 1, 3], t.MemoryNodes.Select(n => n.Id));
        Assert.Equal([1], t.NearestMemoryNodes(2));
        Assert.Equal([0], t.NearestMemoryNodes(0));
    }

    [Fact]
    public void Nearest_memory_nodes_are_all_those_at_the_minimum_distance()
    {
        using var tree = new SysfsTree().Node(0, "0", 1024 * 1024).Node(1, "1", 0).Node(2, "", 1024 * 1024);

        var t = NumaTopology.Detect(tree.Build());

        Assert.Equal([0, 2], t.NearestMemoryNodes(1));
    }

    [Fact]
    public void Cpus_are_intersected_with_the_affinity_mask()
    {
        using var tree = new SysfsTree().Node(0, "0-3", 1024 * 1024).Node(1, "4-7", 1024 * 1024);

        var t = NumaTopology.Detect(tree.Build(allowedCpus: "2-5"));

        Assert.Equal(CpuSet.Parse("2-5"), t.AllowedCpus);
        Assert.Equal(CpuSet.Parse("2-3"), t.GetNode(0).Cpus);
        Assert.Equal(CpuSet.Parse("0-3"), t.GetNode(0).AllCpus);
        Assert.Equal(CpuSet.Parse("4-5"), t.GetNode(1).Cpus);
        Assert.Null(t.GetCpu(0));
        Assert.Equal(-1, t.NodeOfCpu(7));
    }

    [Fact]
    public void A_node_outside_mems_allowed_cannot_hold_memory()
    {
        using var tree = new SysfsTree().Node(0, "0-1", 1024 * 1024).Node(1, "2-3", 1024 * 1024);
        tree.MemsAllowed = "1";

        var t = NumaTopology.Detect(tree.Build());

        Assert.False(t.GetNode(0).IsMemoryAllowed);
        Assert.False(t.GetNode(0).CanHoldMemory);
        Assert.True(t.GetNode(1).CanHoldMemory);
        Assert.False(t.IsMultiNode);
        Assert.Contains("memory not allowed", t.Describe());
    }

    [Fact]
    public void Without_sysfs_there_is_one_node_holding_every_allowed_cpu()
    {
        using var tree = new SysfsTree();
        Directory.CreateDirectory(tree.ProcRoot);
        File.WriteAllText(Path.Combine(tree.ProcRoot, "meminfo"), "MemTotal:       16384000 kB\nMemFree:         8192000 kB\n");

        var t = NumaTopology.Detect(new NumaTopologyOptions { SysfsRoot = tree.SysfsRoot, ProcRoot = tree.ProcRoot, AllowedCpus = CpuSet.Parse("0-5") });

        Assert.Equal(TopologySource.SingleNodeFallback, t.Source);
        var node = Assert.Single(t.Nodes);
        Assert.Equal(0, node.Id);
        Assert.Equal(CpuSet.Range(0, 5), node.Cpus);
        Assert.Equal(16384000L * 1024, node.MemoryTotalBytes);
        Assert.Equal(8192000L * 1024, node.MemoryFreeBytes);
        Assert.False(t.IsMultiNode);
        Assert.Equal(10, t.Distance(0, 0));
    }

    [Fact]
    public void Without_an_online_file_every_node_directory_counts()
    {
        using var tree = new SysfsTree { WriteOnlineFile = false }.Node(0, "0", 1024).Node(2, "1", 1024);

        var t = NumaTopology.Detect(tree.Build());

        Assert.Equal([0, 2], t.Nodes.Select(n => n.Id));
    }

    [Fact]
    public void Two_socket_smt_box_reports_packages_cores_and_siblings()
    {
        using var tree = SysfsTree.TwoSocketSmt64();

        var t = NumaTopology.Detect(tree.Build());

        Assert.Equal(64, t.AllowedCpus.Count);
        Assert.Equal(CpuSet.Parse("0-15,32-47"), t.GetNode(0).Cpus);
        var cpu40 = t.GetCpu(40)!;
        Assert.Equal(0, cpu40.Node);
        Assert.Equal(0, cpu40.Package);
        Assert.Equal(8, cpu40.Core);
        Assert.Equal(CpuSet.Of(8, 40), cpu40.Siblings);
        Assert.Equal(1, t.GetCpu(63)!.Package);
    }

    [Fact]
    public void Missing_cpu_topology_makes_each_cpu_its_own_core()
    {
        using var tree = new SysfsTree().Node(0, "0-1", 1024);

        var t = NumaTopology.Detect(tree.Build());

        var cpu1 = t.GetCpu(1)!;
        Assert.Equal(1, cpu1.Core);
        Assert.Equal(CpuSet.Of(1), cpu1.Siblings);
    }

    [Fact]
    public void The_machine_this_test_runs_on_is_detected_consistently_with_the_kernel()
    {
        var t = NumaTopology.Detect();

        Assert.NotEmpty(t.Nodes);
        Assert.Equal(Environment.ProcessorCount, t.AllowedCpus.Count);
        Assert.Equal(t.AllowedCpus, CpuSet.Of(t.Nodes.SelectMany(n => n.Cpus)));
        Assert.All(t.AllowedCpus, c => Assert.True(t.HasNode(t.NodeOfCpu(c))));
        Assert.NotEmpty(t.MemoryNodes);
    }
}

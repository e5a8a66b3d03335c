// Bad sysfs content gives a NumaTopologyException that names the file and the value, never a crash, an overflow or
// a wrong topology.
using Numa.Tests.Support;
using Numa.Topology;

namespace Numa.Tests.Topology;

public sealed class MalformedSysfsTests
{
    private static (SysfsTree Tree, NumaTopologyOptions Options) TwoNodes()
    {
        var tree = new SysfsTree().Node(0, "0-1", 1024 * 1024).Node(1, "2-3", 1024 * 1024);
        return (tree, tree.Build());
    }

    [Theory]
    [InlineData("node0/cpulist", "0-x\n", "'x' is not a non-negative integer", "node0/cpulist")]
    [InlineData("node0/cpulist", "3-1\n", "runs backwards", "node0/cpulist")]
    [InlineData("node1/distance", "21\n", "has 1 distances but 2 nodes are online", "node1/distance")]
    [InlineData("node1/distance", "21 ten\n", "'ten'", "node1/distance")]
    [InlineData("node0/meminfo", "Node 0 MemFree: 12 kB\n", "no 'Node 0 MemTotal:' line", "node0/meminfo")]
    [InlineData("node0/meminfo", "Node 0 MemTotal: lots kB\n", "cannot parse", "node0/meminfo")]
    [InlineData("online", "0-1,9\n", "node 9 is listed online but has no directory", "node/node9")]
    [InlineData("online", "zero\n", "not a non-negative integer", "node/online")]
    [InlineData("node1/cpulist", "1-2\n", "CPU 1 is listed in node 0 and node 1", "node1/cpulist")]
    [InlineData("node1/meminfo", "Node 1 MemTotal: 9007199254740992 kB\n", "9007199254740992 kB is more bytes than a 64-bit count holds", "node1/meminfo")]
    [InlineData("node1/meminfo", "Node 1 MemTotal: 1024 kB\nNode 1 MemFree: 99999999999999999 kB\n", "'Node 1 MemFree: 99999999999999999 kB': 99999999999999999 kB is more", "node1/meminfo")]
    public void Malformed_files_are_reported_with_their_path(string file, string content, string expected, string path)
    {
        var (tree, options) = TwoNodes();
        using (tree)
        {
            tree.Overwrite(file, content);

            var e = Assert.Throws<NumaTopologyException>(() => NumaTopology.Detect(options));

            Assert.Contains(expected, e.Message);
            Assert.EndsWith(path, e.Path);
        }
    }

    [Theory]
    [InlineData("core_id")]
    [InlineData("physical_package_id")]
    public void A_cpu_id_beyond_32_bits_is_reported_not_truncated(string file)
    {
        using var tree = new SysfsTree().Node(0, "0-1", 1024).Cpu(0, 0, 0, "0").Cpu(1, 0, 1, "1");
        var options = tree.Build();
        string path = Path.Combine(tree.CpuDir, "cpu1", "topology", file);
        File.WriteAllText(path, "4294967296\n");                     // 2^32: (int) made it 0, the same id as CPU 0's

        var e = Assert.Throws<NumaTopologyException>(() => NumaTopology.Detect(options));

        Assert.Equal(path, e.Path);
        Assert.Contains("4294967296 is out of the range of an id", e.Message);
    }

    [Fact]
    public void A_missing_meminfo_is_reported()
    {
        var (tree, options) = TwoNodes();
        using (tree)
        {
            File.Delete(Path.Combine(tree.NodeDir, "node1", "meminfo"));

            var e = Assert.Throws<NumaTopologyException>(() => NumaTopology.Detect(options));

            Assert.Contains("node1", e.Path);
            Assert.Contains("missing", e.Message);
        }
    }

    [Fact]
    public void A_bad_mems_allowed_line_is_reported()
    {
        using var tree = new SysfsTree().Node(0, "0", 1024);
        tree.MemsAllowed = "zero";
        var options = tree.Build();

        var e = Assert.Throws<NumaTopologyException>(() => NumaTopology.Detect(options));

        Assert.Contains("Mems_allowed_list", e.Message);
    }

    [Fact]
    public void No_allowed_online_cpu_is_an_error_not_an_empty_topology()
    {
        using var tree = new SysfsTree().Node(0, "0-1", 1024);

        var e = Assert.Throws<NumaTopologyException>(() => NumaTopology.Detect(tree.Build(allowedCpus: "5")));

        Assert.Contains("no CPU is both online and in this process's affinity mask", e.Message);
    }

    [Fact]
    public void A_node_directory_whose_id_is_beyond_the_cap_is_reported_without_an_online_file()
    {
        using var tree = new SysfsTree { WriteOnlineFile = false }.Node(0, "0-1", 1024 * 1024);
        var options = tree.Build();
        Directory.CreateDirectory(Path.Combine(tree.NodeDir, "node99999999999"));

        var e = Assert.Throws<NumaTopologyException>(() => NumaTopology.Detect(options));

        Assert.EndsWith("node/node99999999999", e.Path);
        Assert.Contains($"node id 99999999999 is above {CpuSet.MaxCpuId}", e.Message);
    }

    [Fact]
    public void A_huge_page_size_beyond_64_bits_of_bytes_is_reported_not_made_negative()
    {
        var (tree, options) = TwoNodes();
        using (tree)
        {
            string pool = Path.Combine(tree.NodeDir, "node1", "hugepages", "hugepages-9007199254740992kB");
            Directory.CreateDirectory(pool);
            File.WriteAllText(Path.Combine(pool, "nr_hugepages"), "1\n");
            File.WriteAllText(Path.Combine(pool, "free_hugepages"), "1\n");

            var e = Assert.Throws<NumaTopologyException>(() => NumaTopology.Detect(options));

            Assert.Equal(pool, e.Path);
            Assert.Contains("the page size: 9007199254740992 kB is more bytes than a 64-bit count holds", e.Message);
        }
    }

    [Fact]
    public void The_largest_sizes_that_fit_are_read_exactly()
    {
        const long largest = long.MaxValue / 1024;
        var (tree, options) = TwoNodes();
        using (tree)
        {
            tree.Overwrite("node1/meminfo", $"Node 1 MemTotal: {largest} kB\nNode 1 MemFree: {largest} kB\n");
            string pool = Path.Combine(tree.NodeDir, "node1", "hugepages", $"hugepages-{largest}kB");
            Directory.CreateDirectory(pool);
            File.WriteAllText(Path.Combine(pool, "nr_hugepages"), "0\n");
            File.WriteAllText(Path.Combine(pool, "free_hugepages"), "0\n");

            var node1 = NumaTopology.Detect(options).Nodes.Single(n => n.Id == 1);

            Assert.Equal(largest * 1024, node1.MemoryTotalBytes);
            Assert.Equal(largest * 1024, node1.MemoryFreeBytes);
            Assert.Equal(largest * 1024, Assert.Single(node1.HugePages).PageSizeBytes);
        }
    }
}

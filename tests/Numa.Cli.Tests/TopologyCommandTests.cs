// `numa topology --sysfs-root`: a fixture tree is read as a machine of its own, with its own online CPUs and the
// Mems_allowed_list of the proc tree beside it, never this host's affinity mask or memory nodes.
using System.Text.Json;
using Numa.Tests.Support;

namespace Numa.Cli.Tests;

public sealed class TopologyCommandTests
{
    [Fact]
    public async Task A_two_node_tree_is_read_with_all_its_cpus_and_memory_nodes_allowed()
    {
        using var tree = new SysfsTree().Node(0, "0-1", 1024 * 1024).Node(1, "2-3", 1024 * 1024);
        tree.Build();

        var (exitCode, stdout, stderr) = await NumaProcess.NumaAsync("topology", "--sysfs-root", tree.SysfsRoot);
        var (jsonExit, json, _) = await NumaProcess.NumaAsync("topology", "--json", "--sysfs-root", tree.SysfsRoot);

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("allowed cpus: 0-3\n", stdout);
        Assert.Contains("allowed memory nodes: 0-1\n", stdout);
        Assert.Equal(0, jsonExit);
        using var document = JsonDocument.Parse(json);
        Assert.Equal("0-3", document.RootElement.GetProperty("allowed_cpus").GetString());
        Assert.Equal("2-3", document.RootElement.GetProperty("nodes")[1].GetProperty("cpu_list").GetString());
    }

    [Fact]
    public async Task The_trees_own_mems_allowed_list_restricts_its_memory_nodes()
    {
        using var tree = new SysfsTree().Node(0, "0-1", 1024 * 1024).Node(1, "2-3", 1024 * 1024);
        tree.MemsAllowed = "1";
        tree.Build();

        var (exitCode, stdout, stderr) = await NumaProcess.NumaAsync("topology", "--sysfs-root", tree.SysfsRoot);
        var (slashExit, slashStdout, _) = await NumaProcess.NumaAsync("topology", "--sysfs-root", tree.SysfsRoot + "/");

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("allowed memory nodes: 1\n", stdout);
        Assert.Equal(0, slashExit);
        Assert.Contains("allowed memory nodes: 1\n", slashStdout);     // a trailing slash looked for sys/proc
    }

    [Theory]
    [InlineData("/sys")]
    [InlineData("/sys/")]
    public void The_real_sys_keeps_this_processes_own_restrictions(string root)
    {
        var options = Numa.Cli.Commands.CommonOptions.TreeOptions(root);
        var defaults = new Numa.Topology.NumaTopologyOptions();

        Assert.Null(options.AllowedCpus);                                // sched_getaffinity, not every online CPU
        Assert.Equal(defaults.ProcRoot, options.ProcRoot);
        Assert.Equal(defaults.SysfsRoot, options.SysfsRoot);
    }
}

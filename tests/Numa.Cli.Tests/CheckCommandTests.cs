// `numa check` when the kernel refuses move_pages (EPERM under Docker's seccomp filter, ENOSYS without
// CONFIG_NUMA): the placement rows say so (n/a on one node, FAIL on several) and every other check still runs.
using Numa.Cli.Check;
using Numa.Native;
using Numa.Tests.Support;
using Numa.Topology;

namespace Numa.Cli.Tests;

public sealed class CheckCommandTests
{
    // Node 0 of each fixture holds the CPUs this process may run on, so the pinning checks pin to real CPUs.
    private static readonly string s_cpus = CpuSet.Of(NumaPlatform.Current.Topology.Nodes.SelectMany(n => n.Cpus)).ToString();

    private static SysfsTree OneNode() => new SysfsTree().Node(0, s_cpus, 1024 * 1024);

    private static PlacementQuery Refusing(int errno) =>
        _ => throw new NumaNativeException("move_pages", errno, "querying the node of 1024 pages");

    [Theory]
    [InlineData(Errno.EPERM, "EPERM")]
    [InlineData(Errno.ENOSYS, "ENOSYS")]
    public void A_refused_placement_query_on_one_node_is_not_applicable_and_pinning_is_still_checked(int errno, string name)
    {
        using var tree = OneNode();
        var platform = NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build(s_cpus) });

        var results = NumaCheck.Run(platform, Refusing(errno));

        var arena = Assert.Single(results, r => r.Check == "arena placement");
        Assert.Equal(CheckOutcome.NotApplicable, arena.Outcome);
        Assert.StartsWith($"move_pages refused with {name}: placement cannot be queried here", arena.Detail);
        var pinning = Assert.Single(results, r => r.Check == "thread pinning");
        Assert.Equal(CheckOutcome.Pass, pinning.Outcome);
    }

    [Fact]
    public void A_placement_query_failing_otherwise_on_one_node_fails_its_row()
    {
        using var tree = OneNode();
        var platform = NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build(s_cpus) });

        var results = NumaCheck.Run(platform, Refusing(Errno.EINVAL));

        var arena = Assert.Single(results, r => r.Check == "arena placement");
        Assert.Equal(CheckOutcome.Fail, arena.Outcome);
        Assert.StartsWith("move_pages failed: EINVAL", arena.Detail);
        Assert.EndsWith("the placement could not be verified", arena.Detail);
    }

    [Fact]
    public void A_refused_placement_query_on_two_nodes_fails_the_row_it_could_not_verify()
    {
        // Node 0 is this machine's; node 1 exists only in the fixture, so only node 0's arena can be bound and touched.
        using var tree = new SysfsTree().Node(0, s_cpus, 1024 * 1024).Node(1, "1024-1027", 1024 * 1024);
        var platform = NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build(s_cpus) });
        Assert.SkipUnless(platform.Binding == BindingState.Active, $"binding is {NumaPlatform.Format(platform.Binding)} here: no arena is bound, no placement queried");

        var results = NumaCheck.Run(platform, Refusing(Errno.EPERM));

        var node0 = Assert.Single(results, r => r.Check == "arena placement" && r.Subject == "node 0");
        Assert.Equal(CheckOutcome.Fail, node0.Outcome);
        Assert.StartsWith("move_pages failed: EPERM", node0.Detail);
        Assert.EndsWith("the placement could not be verified", node0.Detail);
        Assert.Contains(results, r => r.Check == "thread pinning" && r.Subject == "node 0" && r.Outcome == CheckOutcome.Pass);
    }

    [Fact]
    public async Task The_numa_executable_under_a_move_pages_refusing_strace_prints_its_table_and_exit_code()
    {
        string? strace = Environment.GetEnvironmentVariable("PATH")?.Split(':')
            .Select(d => Path.Combine(d, "strace")).FirstOrDefault(File.Exists);
        Assert.SkipWhen(strace is null, "strace is not installed: the kernel's refusal cannot be injected");
        string[] inject = ["-f", "-o", "/dev/null", "-e", "inject=move_pages:error=EPERM"];
        var (probe, _, probeError) = await NumaProcess.RunAsync(strace!, [.. inject, "true"]);
        Assert.SkipWhen(probe != 0, $"strace cannot trace here (ptrace refused?): {probeError.Trim()}");
        using var tree = OneNode();
        tree.Build();

        var (exitCode, stdout, stderr) = await NumaProcess.RunAsync(strace!,
            [.. inject, NumaProcess.Executable, "check", "--sysfs-root", tree.SysfsRoot]);

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {stderr}");
        Assert.Contains("move_pages refused with EPERM", stdout);
        Assert.Contains("thread pinning", stdout);
        Assert.Contains("numa check: 1 passed, 0 failed, 2 not applicable", stdout);
    }
}

// Pinning on the real kernel of the machine running the tests (one node is enough for these).
using Numa.Native;
using Numa.Scheduling;
using Numa.Topology;

namespace Numa.Tests.Scheduling;

public sealed class PinningTests
{
    private static CpuSet Allowed => NumaPlatform.Current.Topology.AllowedCpus;

    [Fact]
    public async Task A_pinned_thread_runs_only_on_its_cpu()
    {
        foreach (int cpu in Allowed)
        {
            var seen = new HashSet<int>();
            CpuSet? mask = null;
            var thread = PinnedThread.Start($"test-pin-{cpu}", CpuSet.Of(cpu), () =>
            {
                mask = ThreadAffinity.GetCurrentThreadAffinity();
                for (int i = 0; i < 100; i++)
                {
                    seen.Add(ThreadAffinity.GetCurrentCpu().Cpu);
                    Thread.Yield();
                }
            });
            await thread.Completion;

            Assert.Equal(CpuSet.Of(cpu), mask);
            Assert.Equal([cpu], seen);
        }
    }

    [Fact]
    public async Task Pinning_a_worker_does_not_change_the_calling_threads_mask()
    {
        var before = ThreadAffinity.GetCurrentThreadAffinity();

        await PinnedThread.Start("test-pin-other", CpuSet.Of(Allowed.Max), () => { }).Completion;

        Assert.Equal(before, ThreadAffinity.GetCurrentThreadAffinity());
    }

    [Fact]
    public async Task New_threads_start_with_the_whole_allowed_mask()
    {
        // CoreCLR starts threads with the main thread's mask; since Numa never pins the main thread,
        // a new unpinned thread may use every allowed CPU.
        CpuSet? mask = null;
        await PinnedThread.Start("test-unpinned", cpus: null, () => mask = ThreadAffinity.GetCurrentThreadAffinity()).Completion;

        Assert.Equal(Allowed, mask);
    }

    [Fact]
    public async Task Pinning_to_a_cpu_that_does_not_exist_fails_with_einval_and_the_body_never_runs()
    {
        bool ran = false;
        var thread = PinnedThread.Start("test-bad-pin", CpuSet.Of(4000), () => ran = true);

        var e = await Assert.ThrowsAsync<NumaNativeException>(() => thread.Started);

        Assert.Equal("sched_setaffinity", e.Call);
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("EINVAL", e.Message);
        Assert.Contains("CPUs 4000", e.Message);
        await Assert.ThrowsAsync<NumaNativeException>(() => thread.Completion);
        Assert.False(ran);
    }

    [Fact]
    public async Task The_current_node_is_the_node_of_the_cpu_the_thread_is_pinned_to()
    {
        int cpu = Allowed.Max;
        int node = -1;
        await PinnedThread.Start("test-current-node", CpuSet.Of(cpu), () => node = NumaPlatform.Current.CurrentNode()).Completion;

        Assert.Equal(NumaPlatform.Current.Topology.NodeOfCpu(cpu), node);
    }

    [Fact]
    public void Getcpu_reports_an_allowed_cpu_and_its_node()
    {
        var where = ThreadAffinity.GetCurrentCpu();

        Assert.Contains(where.Cpu, Allowed);
        Assert.Equal(NumaPlatform.Current.Topology.NodeOfCpu(where.Cpu), where.Node);
    }

    [Fact]
    public async Task A_worker_group_pins_each_worker_to_its_planned_cpu_and_gives_it_a_node_arena()
    {
        var platform = NumaPlatform.Current;
        int count = Allowed.Count;
        var observed = new (int Cpu, int Node, long Used)[count];

        await using (var group = await WorkerGroup.StartAsync(platform, PinPolicy.Compact, count, ctx =>
        {
            var where = ThreadAffinity.GetCurrentCpu();
            ctx.Arena.AllocateSpan<long>(100);
            observed[ctx.Index] = (where.Cpu, where.Node, ctx.Arena.UsedBytes);
            ctx.Stopping.WaitHandle.WaitOne();
        }))
        {
            Assert.Equal(count, group.Placements.Count);
            Assert.Equal(count, group.Distribution.Values.Sum());
            await group.StopAsync();
            for (int i = 0; i < count; i++)
            {
                Assert.Equal(group.Placements[i].Cpu, observed[i].Cpu);
                Assert.Equal(group.Placements[i].Node, observed[i].Node);
                Assert.Equal(800, observed[i].Used);
            }
        }
    }

    [Fact]
    public async Task A_worker_that_throws_faults_the_group()
    {
        var group = await WorkerGroup.StartAsync(NumaPlatform.Current, PinPolicy.Compact, 1,
            _ => throw new InvalidOperationException("worker failed"));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(group.StopAsync);

        Assert.Equal("worker failed", e.Message);
    }

    [Fact]
    public async Task A_worker_that_cannot_pin_fails_the_start_with_the_kernels_error()
    {
        // The fixture claims CPU 4000 exists and is allowed; the real kernel refuses to pin to it.
        using var tree = new Support.SysfsTree().Node(0, "4000", 1024 * 1024);
        var platform = NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build() });

        var e = await Assert.ThrowsAsync<NumaNativeException>(() => WorkerGroup.StartAsync(platform, PinPolicy.Compact, 1, _ => { }));

        Assert.Equal("sched_setaffinity", e.Call);
        Assert.Equal(Errno.EINVAL, e.Errno);
    }
}

// Placement, policy and pinning on a kernel with several NUMA nodes (the emulated guest, eng/numa-vm.sh).
// On a one-node machine these skip with the reason. Nothing here is timed: remote memory is not slower
// under emulation.
using System.Runtime.CompilerServices;
using Numa.Memory;
using Numa.Native;
using Numa.Scheduling;
using Numa.Topology;

namespace Numa.Tests.MultiNode;

[Trait("Tier", "MultiNode")]
public sealed class MultiNodeTests
{
    private const int Pages = 512; // 2 MiB with 4 KiB pages
    private static NumaPlatform Platform => NumaPlatform.Current;
    private static NumaTopology Topology => Platform.Topology;

    private static void RequireMultiNode()
    {
        Assert.SkipUnless(Topology.IsMultiNode, $"needs two or more NUMA nodes with memory; this machine has {Topology.MemoryNodes.Count} (run the multi-node tier: eng/numa-vm.sh)");
        Assert.SkipUnless(Platform.Binding == BindingState.Active, $"binding is {NumaPlatform.Format(Platform.Binding)}: {Platform.BindingReason}");
    }

    // A node with CPUs other than `node`, to touch memory from a thread that is *not* on the target node:
    // then only the binding, not first touch, can put the pages there.
    private static NumaNode OtherCpuNode(int node) =>
        Topology.CpuNodes.FirstOrDefault(n => n.Id != node) ?? Topology.CpuNodes[0];

    private static void OnNode(NumaNode node, Action action) =>
        PinnedThread.Start($"test-on-node-{node.Id}", node.Cpus, action).Completion.GetAwaiter().GetResult();

    [Fact]
    public void The_guest_topology_matches_the_requested_layout()
    {
        string? nodes = Environment.GetEnvironmentVariable("NUMA_VM_NODES");
        Assert.SkipWhen(nodes is null, "not inside eng/numa-vm.sh (NUMA_VM_NODES is unset)");
        var memoryless = CpuSet.Parse(Environment.GetEnvironmentVariable("NUMA_VM_MEMORYLESS") ?? "");
        var cpuless = CpuSet.Parse(Environment.GetEnvironmentVariable("NUMA_VM_CPULESS") ?? "");

        Assert.Equal(int.Parse(nodes!, System.Globalization.CultureInfo.InvariantCulture), Topology.Nodes.Count);
        foreach (var node in Topology.Nodes)
        {
            Assert.Equal(!memoryless.Contains(node.Id), node.HasMemory);
            Assert.Equal(!cpuless.Contains(node.Id), node.HasCpus);
            Assert.Equal(10, node.Distances[node.Id]);
            Assert.All(Topology.Nodes.Where(o => o.Id != node.Id), o => Assert.Equal(21, node.Distances[o.Id]));
        }
    }

    [Theory]
    [InlineData(MemoryPolicy.Preferred)]
    [InlineData(MemoryPolicy.Bind)]
    public void Arena_pages_land_on_the_requested_node_even_when_touched_from_another_node(MemoryPolicy policy)
    {
        RequireMultiNode();
        foreach (var node in Topology.MemoryNodes)
        {
            using var arena = Platform.Node(node.Id).CreateArena(policy);
            var toucher = OtherCpuNode(node.Id);
            PlacementSummary? summary = null;
            OnNode(toucher, () => summary = PagePlacement.Summarize(arena.AllocateSpan<byte>(Pages * Environment.SystemPageSize, Environment.SystemPageSize)));

            Assert.Equal(Pages, summary!.PagesOn(node.Id));
            Assert.Equal(Pages, summary.TotalPages);
        }
    }

    [Fact]
    public void Preferred_many_keeps_pages_on_its_node_set_even_when_touched_from_elsewhere()
    {
        RequireMultiNode();
        var memoryNodes = Topology.MemoryNodes.Select(n => n.Id).ToArray();
        // The last two memory nodes, touched from the first node with CPUs outside them where there is one.
        int[] set = memoryNodes[^2..];
        var toucher = Topology.CpuNodes.FirstOrDefault(n => !set.Contains(n.Id)) ?? Topology.CpuNodes[0];
        using var arena = new NumaArena(Platform, new NumaArenaOptions { Policy = MemoryPolicy.PreferredMany, Nodes = set });

        PlacementSummary? summary = null;
        OnNode(toucher, () => summary = PagePlacement.Summarize(arena.AllocateSpan<byte>(Pages * Environment.SystemPageSize, Environment.SystemPageSize)));

        Assert.Equal(set, arena.ExpectedNodes);
        Assert.Equal(1.0, summary!.FractionOn(set));
        Assert.Equal(Pages, summary.ResidentPages);
    }

    [Fact]
    public void Without_binding_first_touch_decides_so_the_placement_test_can_tell_the_difference()
    {
        RequireMultiNode();
        var touchers = Topology.CpuNodes.Where(n => n.CanHoldMemory).ToList();
        Assert.SkipWhen(touchers.Count < 2, "needs two nodes that have both CPUs and memory");
        foreach (var toucher in touchers)
        {
            using var arena = new NumaArena(Platform, new NumaArenaOptions { Policy = MemoryPolicy.Default });
            PlacementSummary? summary = null;
            OnNode(toucher, () => summary = PagePlacement.Summarize(arena.AllocateSpan<byte>(Pages * Environment.SystemPageSize, Environment.SystemPageSize)));

            Assert.Equal(Pages, summary!.PagesOn(toucher.Id));
        }
    }

    [Fact]
    public unsafe void Pages_automatic_NUMA_balancing_has_marked_are_still_reported_on_their_node()
    {
        // kernel.numa_balancing=1 makes resident MPOL_DEFAULT pages PROT_NONE now and then to sample their
        // accesses; Linux 6.1's move_pages(2) answers -ENOENT or -EFAULT for them (this once failed the
        // first-touch test above in CI). Wait, on the touching node and without touching the pages again, until the scanner has
        // marked some, then check PagePlacement still puts every page on that node.
        RequireMultiNode();
        string? balancing = File.Exists("/proc/sys/kernel/numa_balancing") ? File.ReadAllText("/proc/sys/kernel/numa_balancing").Trim() : null;
        Assert.SkipWhen(balancing is null or "0", $"automatic NUMA balancing is off (kernel.numa_balancing={balancing ?? "absent"})");
        var toucher = Topology.CpuNodes.Last(n => n.CanHoldMemory);
        using var arena = new NumaArena(Platform, new NumaArenaOptions { Policy = MemoryPolicy.Default });
        int marked = 0;
        PlacementSummary? summary = null;
        OnNode(toucher, () =>
        {
            var memory = arena.AllocateSpan<byte>(Pages * Environment.SystemPageSize, Environment.SystemPageSize);
            nuint first = (nuint)Unsafe.AsPointer(ref memory[0]);
            var pages = Enumerable.Range(0, Pages).Select(i => (nint)(first + (nuint)(i * Environment.SystemPageSize))).ToArray();
            var raw = new int[Pages];
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (marked == 0 && DateTime.UtcNow < deadline)
            {
                Thread.SpinWait(100_000); // stay on the CPU: the scanner runs from the task's scheduler tick
                NumaSyscalls.QueryPages(pages, raw);
                marked = raw.Count(s => s < 0); // every page was written: a negative answer is a marked page
            }
            summary = PagePlacement.Summarize(memory);
        });
        Assert.SkipWhen(marked == 0, "move_pages(2) reported every page on a node for 90 s: this kernel reports NUMA-hinting pages itself, or the scanner did not reach them");

        Assert.Equal(Pages, summary!.PagesOn(toucher.Id));
    }

    [Fact]
    public void Local_policy_binds_with_no_node_mask_and_puts_pages_on_the_touching_node()
    {
        RequireMultiNode();
        var touchers = Topology.CpuNodes.Where(n => n.CanHoldMemory).ToList();
        foreach (var toucher in touchers)
        {
            // mbind(MPOL_LOCAL) with an empty mask: an EINVAL here once (maxnode 0 wrapped in the kernel).
            using var arena = new NumaArena(Platform, new NumaArenaOptions { Policy = MemoryPolicy.Local });
            PlacementSummary? summary = null;
            OnNode(toucher, () => summary = PagePlacement.Summarize(arena.AllocateSpan<byte>(Pages * Environment.SystemPageSize, Environment.SystemPageSize)));

            Assert.Equal(Pages, summary!.PagesOn(toucher.Id));
        }
    }

    [Fact]
    public void Interleave_spreads_pages_over_every_memory_node()
    {
        RequireMultiNode();
        var nodes = Topology.MemoryNodes.Select(n => n.Id).ToArray();
        using var arena = new NumaArena(Platform, new NumaArenaOptions { Policy = MemoryPolicy.Interleave, ChunkBytes = 64L * 1024 * 1024 });

        // 4 MiB per node: enough for an even spread with 4 KiB pages and with 2 MiB transparent huge pages.
        var summary = PagePlacement.Summarize(arena.AllocateSpan<byte>(nodes.Length * 1024 * Environment.SystemPageSize, Environment.SystemPageSize));

        Assert.Equal(1.0, summary.FractionOn(nodes));
        Assert.All(nodes, n => Assert.True(summary.PagesOn(n) >= summary.TotalPages / nodes.Length / 2, $"node {n} got {summary.PagesOn(n)} of {summary.TotalPages} pages: {summary}"));
    }

    [Fact]
    public void Preferred_on_a_memoryless_node_falls_back_to_the_nearest_node_and_says_so()
    {
        RequireMultiNode();
        var memoryless = Topology.Nodes.FirstOrDefault(n => !n.HasMemory);
        Assert.SkipWhen(memoryless is null, "needs a memory-less node (eng/numa-vm.sh --memoryless N)");

        using var arena = Platform.Node(memoryless!.Id).CreateArena(MemoryPolicy.Preferred);
        var summary = PagePlacement.Summarize(arena.AllocateSpan<byte>(Pages * Environment.SystemPageSize, Environment.SystemPageSize));

        Assert.Contains($"node {memoryless.Id} has no memory", arena.PlacementNote);
        int fallback = Assert.Single(arena.ExpectedNodes);
        Assert.Contains(fallback, Topology.NearestMemoryNodes(memoryless.Id));
        Assert.Equal(Pages, summary.PagesOn(fallback));
    }

    [Fact]
    public unsafe void Bind_on_a_memoryless_node_fails_with_a_clear_error_as_the_kernel_would()
    {
        RequireMultiNode();
        var memoryless = Topology.Nodes.FirstOrDefault(n => !n.HasMemory);
        Assert.SkipWhen(memoryless is null, "needs a memory-less node (eng/numa-vm.sh --memoryless N)");

        var e = Assert.Throws<NumaConfigurationException>(() => Platform.Node(memoryless!.Id).CreateArena(MemoryPolicy.Bind));
        Assert.Contains($"Cannot bind memory to node {memoryless!.Id}: it has no memory", e.Message);

        // The kernel agrees: MPOL_BIND to a node without memory is EINVAL.
        nuint length = (nuint)Environment.SystemPageSize;
        void* p = NumaSyscalls.Map(length, -1, "test");
        try
        {
            var kernel = Assert.Throws<NumaNativeException>(() => NumaSyscalls.MBind(p, length, (int)MemoryPolicy.Bind, [memoryless.Id], 0, "test"));
            Assert.Equal(Errno.EINVAL, kernel.Errno);
        }
        finally
        {
            NumaSyscalls.Unmap(p, length);
        }
    }

    [Fact]
    public void Pinned_threads_run_on_their_node()
    {
        RequireMultiNode();
        foreach (var node in Topology.CpuNodes)
        {
            var seen = new List<CpuLocation>();
            OnNode(node, () =>
            {
                for (int i = 0; i < 50; i++)
                {
                    seen.Add(ThreadAffinity.GetCurrentCpu());
                    Thread.Yield();
                }
            });

            Assert.All(seen, where => Assert.Equal(node.Id, where.Node));
            Assert.All(seen, where => Assert.Contains(where.Cpu, node.Cpus));
        }
    }

    [Fact]
    public async Task Scattered_workers_get_arenas_on_their_own_node()
    {
        RequireMultiNode();
        int count = Topology.AllowedCpus.Count;
        var results = new (int RanOn, PlacementSummary Summary, IReadOnlyList<int> Expected)[count];

        await using (var group = await WorkerGroup.StartAsync(Platform, PinPolicy.Scatter, count, ctx =>
        {
            var span = ctx.Arena.AllocateSpan<byte>(64 * Environment.SystemPageSize, Environment.SystemPageSize);
            results[ctx.Index] = (ThreadAffinity.GetCurrentCpu().Node, PagePlacement.Summarize(span), ctx.Arena.ExpectedNodes);
        }))
        {
            await group.Completion;
            Assert.True(group.Distribution.Count >= 2, "scatter should use every node with CPUs");
            for (int i = 0; i < count; i++)
            {
                var placement = group.Placements[i];
                Assert.Equal(placement.Node, results[i].RanOn);
                Assert.Equal(1.0, results[i].Summary.FractionOn(results[i].Expected));
                if (Topology.GetNode(placement.Node).HasMemory) Assert.Equal([placement.Node], results[i].Expected);
            }
        }
    }

    [Fact]
    public void Hugetlbfs_arenas_take_huge_pages_from_the_requested_nodes_pool()
    {
        RequireMultiNode();
        Assert.SkipUnless(Environment.GetEnvironmentVariable("NUMA_VM") == "1" && Environment.IsPrivilegedProcess,
            "reserves huge pages and mounts hugetlbfs: only as root inside the throw-away guest (eng/numa-vm.sh)");
        var node = Topology.MemoryNodes[^1];
        string pool = $"/sys/devices/system/node/node{node.Id}/hugepages/hugepages-2048kB";
        string mount = Path.Combine(Path.GetTempPath(), "numa-hugetlbfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(mount);
        Run("mount", $"-t hugetlbfs -o pagesize=2M none {mount}");
        try
        {
            File.WriteAllText(Path.Combine(pool, "nr_hugepages"), "4");
            long freeBefore = long.Parse(File.ReadAllText(Path.Combine(pool, "free_hugepages")), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(4, freeBefore);

            using var arena = new NumaArena(Platform, new NumaArenaOptions
            {
                Policy = MemoryPolicy.Bind, Nodes = [node.Id], HugePages = HugePageMode.HugeTlbFs, HugeTlbFsPath = mount,
            });
            var span = arena.AllocateSpan<byte>(2 * 1024 * 1024, 4096);
            var summary = PagePlacement.Summarize(span);
            long freeAfter = long.Parse(File.ReadAllText(Path.Combine(pool, "free_hugepages")), System.Globalization.CultureInfo.InvariantCulture);

            Assert.Equal(summary.TotalPages, summary.PagesOn(node.Id));
            Assert.Equal(freeBefore - 1, freeAfter);
            Assert.Empty(Directory.GetFiles(mount)); // the backing file is unlinked once mapped
        }
        finally
        {
            Run("umount", mount);
            File.WriteAllText(Path.Combine(pool, "nr_hugepages"), "0");
            Directory.Delete(mount);
        }
    }

    private static void Run(string command, string arguments)
    {
        using var process = System.Diagnostics.Process.Start(command, arguments);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {arguments} exited with {process.ExitCode}");
    }
}

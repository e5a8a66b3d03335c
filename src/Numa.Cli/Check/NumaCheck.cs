// The checks `numa check` runs on a new machine: memory lands on the node it was bound to, interleaving
// spreads pages, pinned threads run where they were pinned. Everything is measured, nothing assumed; a kernel call
// that is refused makes its own row FAIL (or n/a where it cannot matter), and the other checks still run.
using System.Globalization;
using Numa.Memory;
using Numa.Native;
using Numa.Scheduling;
using Numa.Topology;

namespace Numa.Cli.Check;

/// <summary>Where the pages of <paramref name="memory"/> lie (<see cref="PagePlacement.Summarize(ReadOnlySpan{byte})"/>
/// outside tests).</summary>
/// <exception cref="NumaNativeException">The query was refused.</exception>
internal delegate PlacementSummary PlacementQuery(ReadOnlySpan<byte> memory);

internal static class NumaCheck
{
    private const int PagesPerNode = 1024;     // 4 MiB with 4 KiB pages: two arena chunks
    private const int PinSamples = 200;
    private const int InterleavePagesPerNode = 2048; // 8 MiB with 4 KiB pages

    /// <summary>Runs every check: arena placement per node, interleaving, thread pinning per node.</summary>
    /// <param name="platform">The machine as the runtime sees it.</param>
    /// <param name="query">Where touched pages lie; null: move_pages(2) through <see cref="PagePlacement"/>.</param>
    internal static List<CheckResult> Run(NumaPlatform platform, PlacementQuery? query = null)
    {
        query ??= PagePlacement.Summarize;
        var results = new List<CheckResult>();
        foreach (var node in platform.Topology.Nodes) results.Add(CheckArena(platform, node, query));
        results.Add(CheckInterleave(platform, query));
        foreach (var node in platform.Topology.Nodes) results.Add(CheckPinning(platform, node));
        return results;
    }

    private static CheckResult CheckArena(NumaPlatform platform, NumaNode node, PlacementQuery query)
    {
        const string check = "arena placement";
        string subject = Subject(node);
        if (node.HasMemory && !node.IsMemoryAllowed)
            return new(check, subject, CheckOutcome.NotApplicable, "node memory is outside Mems_allowed");
        if (!node.HasMemory && !platform.Topology.IsMultiNode)
            return new(check, subject, CheckOutcome.NotApplicable, "node has no memory");
        if (platform.Binding is BindingState.Disabled or BindingState.Unavailable)
            return new(check, subject, CheckOutcome.NotApplicable, $"binding {NumaPlatform.Format(platform.Binding)}");

        using var arena = platform.Node(node.Id).CreateArena(MemoryPolicy.Preferred);
        var expected = platform.Binding == BindingState.Active ? arena.ExpectedNodes : [node.Id];
        PlacementSummary summary;
        try
        {
            summary = TouchAndSummarize(arena, PagesPerNode, query);
        }
        catch (NumaNativeException e)
        {
            return Refused(check, subject, platform, e);
        }
        double fraction = summary.FractionOn(expected);
        string where = expected.Count == 1 && expected[0] == node.Id
            ? $"node {node.Id}"
            : $"node {CpuSet.FormatList(expected.ToArray())} (node {node.Id} has no memory; MPOL_PREFERRED falls back to the nearest node)";
        string detail = string.Create(CultureInfo.InvariantCulture,
            $"{summary.ResidentPages} of {summary.TotalPages} pages resident, {fraction:P1} on {where}: {summary}");
        bool pass = summary.ResidentPages == summary.TotalPages && fraction >= 1.0;
        return new(check, subject, pass ? CheckOutcome.Pass : CheckOutcome.Fail, detail);
    }

    private static CheckResult CheckInterleave(NumaPlatform platform, PlacementQuery query)
    {
        const string check = "interleave";
        var memoryNodes = platform.Topology.MemoryNodes.Select(n => n.Id).ToArray();
        string subject = memoryNodes.Length == 0 ? "-" : "nodes " + CpuSet.FormatList(memoryNodes);
        if (memoryNodes.Length < 2)
            return new(check, subject, CheckOutcome.NotApplicable, "needs two nodes with memory (this machine has one)");
        if (platform.Binding != BindingState.Active)
            return new(check, subject, CheckOutcome.NotApplicable, $"binding {NumaPlatform.Format(platform.Binding)}");

        using var arena = new NumaArena(platform, new NumaArenaOptions { Policy = MemoryPolicy.Interleave });
        // With transparent huge pages on ("always"), the kernel interleaves 2 MiB at a time: ask for four huge
        // pages' worth per node so the spread shows at either granularity.
        PlacementSummary summary;
        try
        {
            summary = TouchAndSummarize(arena, InterleavePagesPerNode * memoryNodes.Length, query);
        }
        catch (NumaNativeException e)
        {
            return Refused(check, subject, platform, e);
        }
        int fairShare = summary.TotalPages / memoryNodes.Length;
        bool spread = memoryNodes.All(n => summary.PagesOn(n) >= fairShare / 2);
        bool inside = summary.FractionOn(memoryNodes) >= 1.0 && summary.ResidentPages == summary.TotalPages;
        string detail = string.Create(CultureInfo.InvariantCulture,
            $"{summary.TotalPages} pages, at least {fairShare / 2} per node expected: {summary}");
        return new(check, subject, spread && inside ? CheckOutcome.Pass : CheckOutcome.Fail, detail);
    }

    private static CheckResult CheckPinning(NumaPlatform platform, NumaNode node)
    {
        const string check = "thread pinning";
        string subject = Subject(node);
        if (!node.HasCpus) return new(check, subject, CheckOutcome.NotApplicable, "node has no allowed CPUs");
        if (!platform.PinningEnabled) return new(check, subject, CheckOutcome.NotApplicable, "pinning disabled (overprovisioned)");

        // First the whole node (the scheduler may move the thread among its CPUs, never off the node),
        // then single CPUs (up to eight, spread over the node): each must run exactly there.
        var seen = new SortedSet<int>();
        var strays = new List<string>();
        var single = Sample(node.Cpus, 8);
        try
        {
            RunPinned(node.Id, node.Cpus, where =>
            {
                seen.Add(where.Cpu);
                if (!node.Cpus.Contains(where.Cpu) || where.Node != node.Id) strays.Add($"cpu {where.Cpu} node {where.Node}");
            });
            foreach (int cpu in single)
            {
                RunPinned(node.Id, CpuSet.Of(cpu), where =>
                {
                    if (where.Cpu != cpu || where.Node != node.Id) strays.Add($"cpu {where.Cpu} node {where.Node} while pinned to cpu {cpu}");
                });
            }
        }
        catch (NumaNativeException e)
        {
            return new(check, subject, CheckOutcome.Fail, e.Message);
        }
        string detail = strays.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"pinned to cpus {node.Cpus}: {PinSamples} getcpu samples on node {node.Id} (cpus seen {CpuSet.Of(seen)}); pinned to each of cpus {CpuSet.Of(single)}: every sample on that cpu")
            : string.Create(CultureInfo.InvariantCulture, $"{strays.Count} getcpu samples ran outside their pinning, e.g. {strays[0]}");
        return new(check, subject, strays.Count == 0 ? CheckOutcome.Pass : CheckOutcome.Fail, detail);
    }

    private static void RunPinned(int node, CpuSet cpus, Action<CpuLocation> observe)
    {
        var thread = PinnedThread.Start($"numa-check-{node}", cpus, () =>
        {
            for (int i = 0; i < PinSamples; i++)
            {
                observe(ThreadAffinity.GetCurrentCpu());
                Thread.Yield();
            }
        });
        thread.Completion.GetAwaiter().GetResult();
    }

    private static List<int> Sample(CpuSet cpus, int max)
    {
        if (cpus.Count <= max) return [.. cpus];
        var picked = new List<int>(max);
        for (int i = 0; i < max; i++) picked.Add(cpus[i * cpus.Count / max]);
        return picked;
    }

    // Allocates page-aligned memory from the arena; zeroing it is the first touch; the query says where it went.
    private static PlacementSummary TouchAndSummarize(NumaArena arena, int pages, PlacementQuery query)
    {
        int pageSize = Environment.SystemPageSize;
        var memory = arena.AllocateSpan<byte>(pages * pageSize, pageSize);
        return query(memory);
    }

    // The placement query failed as a whole. EPERM (a seccomp filter, as Docker's default) or ENOSYS (no
    // CONFIG_NUMA) where one node holds memory: no page can lie elsewhere, so the check does not apply. On several
    // nodes, or for any other errno, the placement could not be verified: FAIL.
    private static CheckResult Refused(string check, string subject, NumaPlatform platform, NumaNativeException e) =>
        e.IsNumaUnavailable && !platform.Topology.IsMultiNode
            ? new(check, subject, CheckOutcome.NotApplicable, $"{e.Call} refused with {Errno.Name(e.Errno)}: placement cannot be queried here, and with one node holding memory no page can lie elsewhere")
            : new(check, subject, CheckOutcome.Fail, $"{e.Message}; the placement could not be verified");

    private static string Subject(NumaNode node) => string.Create(CultureInfo.InvariantCulture, $"node {node.Id}");
}

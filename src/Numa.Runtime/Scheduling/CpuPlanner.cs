// Deterministic CPU assignment for a pinning policy: the same topology, policy and count always give the same plan.
using Numa.Topology;

namespace Numa.Scheduling;

/// <summary>Assigns workers to CPUs under a <see cref="PinPolicy"/>. One CPU per worker (thread-per-core);
/// deterministic for a given topology.</summary>
public static class CpuPlanner
{
    /// <summary>The CPUs the policy may use, in the order it hands them out.</summary>
    /// <exception cref="NumaConfigurationException">BindNode names a node without allowed CPUs, or an explicit
    /// cpuset names CPUs this process may not use.</exception>
    public static IReadOnlyList<LogicalCpu> Order(NumaTopology topology, PinPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(policy);
        switch (policy.Kind)
        {
            case PinPolicyKind.Compact:
                return [.. topology.CpuNodes.SelectMany(n => CoresTogether(topology, n))];
            case PinPolicyKind.Scatter:
                return RoundRobin([.. topology.CpuNodes.Select(n => DistinctCoresFirst(topology, n))]);
            case PinPolicyKind.BindNode:
                if (!topology.HasNode(policy.Node))
                    throw new NumaConfigurationException($"bind-node:{policy.Node}: there is no NUMA node {policy.Node}; the nodes are {CpuSet.FormatList(topology.Nodes.Select(n => n.Id).ToArray())}.");
                var node = topology.GetNode(policy.Node);
                if (!node.HasCpus)
                    throw new NumaConfigurationException($"bind-node:{node.Id}: node {node.Id} has no CPU this process may use (a CPU-less node, or its CPUs are outside the affinity mask). Nodes with CPUs: {CpuSet.FormatList(topology.CpuNodes.Select(n => n.Id).ToArray())}.");
                return DistinctCoresFirst(topology, node);
            default:
                var cpus = policy.Cpus!;
                var outside = cpus.Except(topology.AllowedCpus);
                if (!outside.IsEmpty)
                    throw new NumaConfigurationException($"The cpuset {cpus} includes CPUs {outside} that this process may not use; the allowed CPUs are {topology.AllowedCpus}.");
                return [.. cpus.Select(c => topology.GetCpu(c)!)];
        }
    }

    /// <summary>Assigns <paramref name="workers"/> workers. With <paramref name="allowSharing"/> (overprovisioned
    /// mode) workers beyond the CPU count wrap around; otherwise that is an error.</summary>
    /// <exception cref="NumaConfigurationException">More workers than CPUs, or the policy does not fit.</exception>
    public static IReadOnlyList<WorkerPlacement> Plan(NumaTopology topology, PinPolicy policy, int workers, bool allowSharing = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        var order = Order(topology, policy);
        if (workers > order.Count && !allowSharing)
            throw new NumaConfigurationException(
                $"{workers} workers need {workers} CPUs but policy {policy} offers {order.Count} ({CpuSet.Of(order.Select(c => c.Id))}). " +
                "Use fewer workers, a policy with more CPUs, or overprovisioned mode (workers then share CPUs and are not pinned).");
        var plan = new WorkerPlacement[workers];
        for (int i = 0; i < workers; i++)
        {
            var cpu = order[i % order.Count];
            plan[i] = new WorkerPlacement(i, cpu.Id, cpu.Node);
        }
        return plan;
    }

    /// <summary>Assigns <paramref name="perNode"/> workers to every node the policy's CPUs span (for an explicit
    /// cpuset: the nodes it covers), interleaved node by node (worker i on the (i mod nodes)-th node, nodes in the
    /// order the policy first reaches them), each node's CPUs taken in the policy's order. With
    /// <paramref name="allowSharing"/> a node with fewer CPUs than workers wraps around; otherwise that is an error.</summary>
    /// <exception cref="NumaConfigurationException">A node offers fewer CPUs than workers, or the policy does not fit.</exception>
    public static IReadOnlyList<WorkerPlacement> PlanPerNode(NumaTopology topology, PinPolicy policy, int perNode, bool allowSharing = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perNode);
        var nodes = Order(topology, policy).GroupBy(c => c.Node).Select(g => g.ToList()).ToList();
        foreach (var cpus in nodes)
            if (cpus.Count < perNode && !allowSharing)
                throw new NumaConfigurationException(
                    $"{perNode} workers per node need {perNode} CPUs on node {cpus[0].Node}, but policy {policy} offers {cpus.Count} there " +
                    $"({CpuSet.Of(cpus.Select(c => c.Id))}). Use fewer workers per node, a policy with more CPUs, or overprovisioned mode.");
        var plan = new WorkerPlacement[perNode * nodes.Count];
        for (int i = 0; i < plan.Length; i++)
        {
            var cpus = nodes[i % nodes.Count];
            var cpu = cpus[i / nodes.Count % cpus.Count];
            plan[i] = new WorkerPlacement(i, cpu.Id, cpu.Node);
        }
        return plan;
    }

    // Compact: by package, then core, with a core's hardware threads next to each other.
    private static List<LogicalCpu> CoresTogether(NumaTopology topology, NumaNode node) =>
        [.. node.Cpus.Select(c => topology.GetCpu(c)!).OrderBy(c => c.Package).ThenBy(c => c.Core).ThenBy(c => c.Id)];

    // Scatter within a node: the first hardware thread of every core, then the second of every core, and so on.
    private static List<LogicalCpu> DistinctCoresFirst(NumaTopology topology, NumaNode node) =>
        [.. node.Cpus.Select(c => topology.GetCpu(c)!)
            .OrderBy(c => SiblingRank(topology, c)).ThenBy(c => c.Package).ThenBy(c => c.Core).ThenBy(c => c.Id)];

    private static int SiblingRank(NumaTopology topology, LogicalCpu cpu)
    {
        int rank = 0;
        foreach (int sibling in cpu.Siblings)
        {
            if (sibling == cpu.Id) return rank;
            if (topology.AllowedCpus.Contains(sibling)) rank++;
        }
        return rank;
    }

    private static List<LogicalCpu> RoundRobin(List<LogicalCpu>[] perNode)
    {
        var result = new List<LogicalCpu>();
        for (int round = 0; result.Count < perNode.Sum(l => l.Count); round++)
        {
            foreach (var list in perNode)
                if (round < list.Count) result.Add(list[round]);
        }
        return result;
    }
}

// The instance count of a worker type ([PinnedWorker] Count / PerNode / PerCpu), resolved on the machine at start.
using Numa.Scheduling;
using Numa.Topology;

namespace Numa.Workers;

/// <summary>How many instances of a worker type run: fixed, per node, or per CPU.</summary>
public readonly record struct WorkerCount(WorkerCountKind Kind, int Value)
{
    /// <summary>Exactly <paramref name="count"/> instances (at least 1).</summary>
    public static WorkerCount Fixed(int count) => new(WorkerCountKind.Fixed, count);

    /// <summary><paramref name="count"/> instances on each node the policy's CPUs span (at least 1): every node with
    /// allowed CPUs for Compact and Scatter, the one node of BindNode, the nodes an explicit cpuset covers.</summary>
    public static WorkerCount PerNode(int count) => new(WorkerCountKind.PerNode, count);

    /// <summary>One instance per CPU the policy may use.</summary>
    public static WorkerCount PerCpu { get; } = new(WorkerCountKind.PerCpu, 1);

    /// <summary>The number of instances on <paramref name="topology"/> under <paramref name="policy"/>.</summary>
    /// <exception cref="NumaConfigurationException">The count is not positive, or the policy offers no CPUs.</exception>
    public int Resolve(NumaTopology topology, PinPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(policy);
        if (Value < 1)
            throw new NumaConfigurationException($"A worker count must be at least 1, not {Value} ({Kind}).");
        return Kind switch
        {
            WorkerCountKind.Fixed => Value,
            WorkerCountKind.PerNode => Value * Math.Max(1, CpuPlanner.Order(topology, policy).Select(c => c.Node).Distinct().Count()),
            _ => CpuPlanner.Order(topology, policy).Count,
        };
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        WorkerCountKind.Fixed => $"count={Value}",
        WorkerCountKind.PerNode => $"per-node={Value}",
        _ => "per-cpu",
    };
}

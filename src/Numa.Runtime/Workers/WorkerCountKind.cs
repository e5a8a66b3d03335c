// How a WorkerCount is resolved against the machine.
namespace Numa.Workers;

/// <summary>How many instances of a worker type run; see <see cref="WorkerCount"/>.</summary>
public enum WorkerCountKind
{
    /// <summary>A fixed number.</summary>
    Fixed,

    /// <summary>A number per NUMA node that has allowed CPUs.</summary>
    PerNode,

    /// <summary>One per CPU the pinning policy may use.</summary>
    PerCpu,
}

// Startup choices for NumaPlatform.
using Numa.Topology;

namespace Numa;

/// <summary>Options for <see cref="NumaPlatform.Create"/>.</summary>
public sealed class NumaPlatformOptions
{
    /// <summary>Where the topology is read from (fixture trees in tests). Default: this machine.</summary>
    public NumaTopologyOptions Topology { get; init; } = new();

    /// <summary>Restricts Numa to these CPUs (Seastar's <c>--cpuset</c>). Must be a subset of the CPUs this
    /// process may use; null (default) uses them all.</summary>
    public CpuSet? Cpuset { get; init; }

    /// <summary>Share the machine politely: no thread pinning and no memory binding (Seastar's
    /// <c>--overprovisioned</c>). Use it on laptops, CI runners and VMs with fewer vCPUs than workers.</summary>
    public bool Overprovisioned { get; init; }
}

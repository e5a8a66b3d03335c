// Where NumaTopology.Detect reads from; tests point it at fixture trees.
namespace Numa.Topology;

/// <summary>Inputs of <see cref="NumaTopology.Detect(NumaTopologyOptions?)"/>.</summary>
public sealed class NumaTopologyOptions
{
    /// <summary>The sysfs mount point; the topology is read from <c>{SysfsRoot}/devices/system/node</c> and
    /// <c>{SysfsRoot}/devices/system/cpu</c>. Default <c>/sys</c>.</summary>
    public string SysfsRoot { get; init; } = "/sys";

    /// <summary>The procfs mount point; <c>Mems_allowed_list</c> is read from <c>{ProcRoot}/self/status</c>.
    /// Default <c>/proc</c>.</summary>
    public string ProcRoot { get; init; } = "/proc";

    /// <summary>The CPUs this process may use. Null (the default) asks the kernel (sched_getaffinity(2), which
    /// already reflects the cgroup cpuset); fixture tests set it.</summary>
    public CpuSet? AllowedCpus { get; init; }
}

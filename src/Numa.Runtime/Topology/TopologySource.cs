// Where a topology came from.
namespace Numa.Topology;

/// <summary>Where <see cref="NumaTopology"/> read the machine from.</summary>
public enum TopologySource
{
    /// <summary>The kernel's <c>/sys/devices/system/node</c> tree.</summary>
    Sysfs,

    /// <summary>No NUMA information (another OS, or no sysfs node directory): one node holding every allowed CPU.</summary>
    SingleNodeFallback,
}

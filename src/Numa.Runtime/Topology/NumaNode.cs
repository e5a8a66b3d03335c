// One NUMA node as the kernel describes it under /sys/devices/system/node/nodeN.
namespace Numa.Topology;

/// <summary>A NUMA node: its CPUs, memory, huge page pools and distances to the other nodes
/// (sysfs <c>/sys/devices/system/node/nodeN/{cpulist,meminfo,distance,hugepages}</c>).</summary>
public sealed class NumaNode
{
    internal NumaNode(int id, CpuSet allCpus, CpuSet cpus, long memoryTotalBytes, long memoryFreeBytes,
        bool isMemoryAllowed, IReadOnlyDictionary<int, int> distances, IReadOnlyList<HugePagePool> hugePages)
    {
        Id = id;
        AllCpus = allCpus;
        Cpus = cpus;
        MemoryTotalBytes = memoryTotalBytes;
        MemoryFreeBytes = memoryFreeBytes;
        IsMemoryAllowed = isMemoryAllowed;
        Distances = distances;
        HugePages = hugePages;
    }

    /// <summary>The kernel's node id (not necessarily contiguous, not necessarily starting at 0).</summary>
    public int Id { get; }

    /// <summary>Every online CPU of the node (its <c>cpulist</c>), allowed to this process or not.</summary>
    public CpuSet AllCpus { get; }

    /// <summary>The node's CPUs this process may run on (cpulist ∩ sched_getaffinity).</summary>
    public CpuSet Cpus { get; }

    /// <summary>MemTotal of the node in bytes (0 for a memory-less node).</summary>
    public long MemoryTotalBytes { get; }

    /// <summary>MemFree of the node in bytes when the topology was read.</summary>
    public long MemoryFreeBytes { get; }

    /// <summary>True when the node is in this process's <c>Mems_allowed_list</c> (the cgroup's cpuset.mems).</summary>
    public bool IsMemoryAllowed { get; }

    /// <summary>True when the node has memory (MemTotal &gt; 0).</summary>
    public bool HasMemory => MemoryTotalBytes > 0;

    /// <summary>True when this process may run on at least one of the node's CPUs.</summary>
    public bool HasCpus => !Cpus.IsEmpty;

    /// <summary>True when pages can be placed here: the node has memory and it is allowed.</summary>
    public bool CanHoldMemory => HasMemory && IsMemoryAllowed;

    /// <summary>SLIT distance from this node to each node id (10 = local; relative, not nanoseconds).</summary>
    public IReadOnlyDictionary<int, int> Distances { get; }

    /// <summary>Huge page pools of the node, one per page size.</summary>
    public IReadOnlyList<HugePagePool> HugePages { get; }

    /// <inheritdoc/>
    public override string ToString() => $"node {Id}: cpus {Cpus}, {MemoryTotalBytes / (1024 * 1024)} MB";
}

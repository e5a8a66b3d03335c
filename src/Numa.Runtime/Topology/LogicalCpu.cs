// One logical CPU (hardware thread) and where it sits: node, package, core, SMT siblings.
namespace Numa.Topology;

/// <summary>A logical CPU with its place in the machine, from
/// <c>/sys/devices/system/cpu/cpuN/topology/{physical_package_id,core_id,thread_siblings_list}</c>.
/// Where that directory is missing (some VMs and arm64 boxes) the CPU is its own core and the node is its package.</summary>
/// <param name="Id">CPU id as the kernel numbers it.</param>
/// <param name="Node">Id of the NUMA node the CPU belongs to.</param>
/// <param name="Package">Physical package (socket) id.</param>
/// <param name="Core">Core id, unique within the package.</param>
/// <param name="Siblings">Hardware threads sharing this core (itself included).</param>
public sealed record LogicalCpu(int Id, int Node, int Package, int Core, CpuSet Siblings);

// Where a thread runs: CPU and node, from getcpu(2).
namespace Numa.Scheduling;

/// <summary>A CPU and its NUMA node, as getcpu(2) reports them.</summary>
/// <param name="Cpu">CPU id.</param>
/// <param name="Node">NUMA node id.</param>
public readonly record struct CpuLocation(int Cpu, int Node);

// Which CPU and node a worker gets.
namespace Numa.Scheduling;

/// <summary>The CPU a worker is pinned to and that CPU's node.</summary>
/// <param name="Worker">Worker index, 0-based.</param>
/// <param name="Cpu">CPU id.</param>
/// <param name="Node">NUMA node of the CPU.</param>
public readonly record struct WorkerPlacement(int Worker, int Cpu, int Node);

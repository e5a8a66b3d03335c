// What a pinned worker knows about itself: index, CPU, node, its node's memory, its stop signal.
using Numa.Memory;
using Numa.Topology;

namespace Numa.Scheduling;

/// <summary>A worker's view of itself, passed to its body. <see cref="Arena"/> is created on first use, on the
/// worker's own thread after pinning, so its pages are bound to (and first touched on) the worker's node.</summary>
public sealed class WorkerContext : IDisposable
{
    private readonly NumaPlatform _platform;
    private NumaArena? _arena;

    internal WorkerContext(NumaPlatform platform, WorkerPlacement placement, bool pinned, CancellationToken stopping)
    {
        _platform = platform;
        Placement = placement;
        IsPinned = pinned;
        Stopping = stopping;
    }

    /// <summary>Worker index, CPU and node.</summary>
    public WorkerPlacement Placement { get; }

    /// <summary>Worker index, 0-based.</summary>
    public int Index => Placement.Worker;

    /// <summary>The CPU the worker is pinned to (its planned CPU when not pinned).</summary>
    public int Cpu => Placement.Cpu;

    /// <summary>The NUMA node of <see cref="Cpu"/>.</summary>
    public int Node => Placement.Node;

    /// <summary>False in overprovisioned mode.</summary>
    public bool IsPinned { get; }

    /// <summary>Signalled when the group stops; the body should return soon after.</summary>
    public CancellationToken Stopping { get; }

    /// <summary>The memory account of the worker's node.</summary>
    public NodeMemory NodeMemory => _platform.Node(Node);

    /// <summary>The worker's arena on its node (MPOL_PREFERRED), created on first use and disposed with the worker.
    /// Use it from the worker's own thread only.</summary>
    public NumaArena Arena => _arena ??= NodeMemory.CreateArena();

    /// <summary>Disposes the arena.</summary>
    public void Dispose() => _arena?.Dispose();
}

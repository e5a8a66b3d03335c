// Options of a generated NumaApp (and of the WorkerGraph under it).
namespace Numa.Workers;

/// <summary>Options for a worker graph.</summary>
public sealed class NumaAppOptions
{
    /// <summary>The platform to run on (default <see cref="NumaPlatform.Current"/>): topology, cpuset, and whether
    /// pinning and binding are on (overprovisioned mode).</summary>
    public NumaPlatform? Platform { get; init; }

    /// <summary>Slots per ring, a power of two ≥ 2 (default 1024).</summary>
    public int RingCapacity { get; init; } = 1024;
}

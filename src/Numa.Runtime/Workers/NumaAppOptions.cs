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

    /// <summary>Run-time replacements of a worker type's <c>[PinnedWorker]</c> count or policy, by the type's name
    /// (e.g. <c>"Shard"</c>): how a server's <c>--shards</c> and <c>--policy</c> options reach the generated graph.
    /// A name that no worker type has is ignored. Default: none.</summary>
    public IReadOnlyDictionary<string, WorkerOverride> Workers { get; init; } = new Dictionary<string, WorkerOverride>();
}

/// <summary>What replaces a worker type's declared count and policy; a null member keeps the declared one.</summary>
/// <param name="Count">How many instances (fixed, per node, per CPU).</param>
/// <param name="Policy">Where the instances are pinned.</param>
public sealed record WorkerOverride(WorkerCount? Count = null, Scheduling.PinPolicy? Policy = null);

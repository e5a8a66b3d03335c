// Options of a single-producer/single-consumer ring.
namespace Numa.Messaging;

/// <summary>Options of <see cref="SpscRing{T}"/>.</summary>
public sealed class SpscRingOptions
{
    /// <summary>Slots; a power of two ≥ 2. Default 1024.</summary>
    public int Capacity { get; init; } = 1024;

    /// <summary>The producer's node; -1 (default) means the node of the thread that creates the ring.</summary>
    public int ProducerNode { get; init; } = -1;

    /// <summary>The consumer's node; -1 (default) means the node of the thread that creates the ring.</summary>
    public int ConsumerNode { get; init; } = -1;

    /// <summary>Which side's node holds the ring. Default <see cref="RingPlacement.ProducerLocal"/>.</summary>
    public RingPlacement Placement { get; init; } = RingPlacement.ProducerLocal;

    /// <summary>A node chosen outright, overriding <see cref="Placement"/>.</summary>
    public int? Node { get; init; }

    /// <summary>How blocked operations wait. Default <see cref="RingWaitStrategy.Default"/>.</summary>
    public RingWaitStrategy Wait { get; init; } = RingWaitStrategy.Default;

    /// <summary>A name for diagnostics (metrics tags, exceptions).</summary>
    public string? Name { get; init; }
}

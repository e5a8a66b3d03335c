// Options of a multi-producer/single-consumer ring.
namespace Numa.Messaging;

/// <summary>Options of <see cref="MpscRing{T}"/>.</summary>
public sealed class MpscRingOptions
{
    /// <summary>Slots; a power of two ≥ 2. Default 1024.</summary>
    public int Capacity { get; init; } = 1024;

    /// <summary>The consumer's node, which holds the ring (producers are anywhere); -1 (default) means the node
    /// of the thread that creates the ring.</summary>
    public int ConsumerNode { get; init; } = -1;

    /// <summary>How blocked operations wait. Default <see cref="RingWaitStrategy.Default"/>.</summary>
    public RingWaitStrategy Wait { get; init; } = RingWaitStrategy.Default;

    /// <summary>A name for diagnostics.</summary>
    public string? Name { get; init; }
}

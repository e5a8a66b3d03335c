// How a ring side waits when the ring is empty (consumer) or full (producer): spin, then yield, then park.
namespace Numa.Messaging;

/// <summary>
/// How a blocked ring operation waits: <see cref="SpinIterations"/> busy checks (each a short
/// <see cref="Thread.SpinWait(int)"/>), then <see cref="YieldIterations"/> checks separated by
/// <see cref="Thread.Yield"/>, then parks on an event until the other side signals. Pinned workers that own
/// their core may spin long; threads that share cores (overprovisioned) should park early.
/// </summary>
public sealed record RingWaitStrategy
{
    /// <summary>Busy checks before yielding. Default 200.</summary>
    public int SpinIterations { get; init; } = 200;

    /// <summary>Checks separated by <see cref="Thread.Yield"/> before parking. Default 20.</summary>
    public int YieldIterations { get; init; } = 20;

    /// <summary>The default: a few microseconds of spinning, a few yields, then park.</summary>
    public static RingWaitStrategy Default { get; } = new();

    /// <summary>Park at once: for threads that share CPUs.</summary>
    public static RingWaitStrategy ParkImmediately { get; } = new() { SpinIterations = 0, YieldIterations = 0 };
}

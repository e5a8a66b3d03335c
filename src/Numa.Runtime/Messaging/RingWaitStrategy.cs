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
    /// <summary>Busy checks before yielding; ≥ 0. Default 200.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int SpinIterations
    {
        get;
        init => field = NotNegative(value, nameof(SpinIterations));
    } = 200;

    /// <summary>Checks separated by <see cref="Thread.Yield"/> before parking; ≥ 0. Default 20.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int YieldIterations
    {
        get;
        init => field = NotNegative(value, nameof(YieldIterations));
    } = 20;

    private static int NotNegative(int value, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value, name);
        return value;
    }

    /// <summary>The default: a few microseconds of spinning, a few yields, then park.</summary>
    public static RingWaitStrategy Default { get; } = new();

    /// <summary>Park at once: for threads that share CPUs.</summary>
    public static RingWaitStrategy ParkImmediately { get; } = new() { SpinIterations = 0, YieldIterations = 0 };
}

// The parking half of a ring side: spin, yield, then park, as an event count (one generation number per
// wake-up) with an asymmetric fence, so the signalling side's hot path is one plain load and no fence
// (Seastar's membarrier trick).
namespace Numa.Messaging;

/// <summary>
/// One waiting side of a ring (any number of waiters). A waiter reads the generation, announces itself in
/// <see cref="IsWaiting"/>, calls <see cref="Interlocked.MemoryBarrierProcessWide"/> (membarrier(2): every other
/// CPU's store buffer is drained), re-checks its condition and sleeps until the generation moves. The signaller
/// publishes with a plain release store and tests <see cref="IsWaiting"/> with a plain load: thanks to the
/// process-wide barrier, either the waiter sees the publication or the signaller sees the waiter. A wake-up
/// between the waiter's generation read and its sleep moves the generation, so it is never lost.
/// The barrier and the lock are paid only on the way to sleep and when someone sleeps.
/// After <see cref="Close"/> every waiter leaves with <see cref="ObjectDisposedException"/>.
/// </summary>
internal sealed class RingSignal
{
    private readonly object _gate = new();
    private long _generation;     // bumped by every wake-up, under _gate
    private int _waiting;         // waiters parked or about to park
    private volatile bool _closed;

    /// <summary>True while some waiter is parked or about to park. A plain read on the signalling hot path.</summary>
    internal bool IsWaiting => Volatile.Read(ref _waiting) != 0;

    /// <summary>Wakes the waiters if any is parked (a load and a branch when none is).</summary>
    internal void WakeIfWaiting()
    {
        // Volatile keeps the load after the caller's index store in program order (free on x64 and arm64 loads).
        if (Volatile.Read(ref _waiting) != 0) Wake();
    }

    /// <summary>Wakes every waiter (completion, disposal, cancellation).</summary>
    internal void Wake()
    {
        lock (_gate)
        {
            _generation++;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Waits until <paramref name="ready"/> holds: <see cref="RingWaitStrategy.SpinIterations"/> busy
    /// checks, <see cref="RingWaitStrategy.YieldIterations"/> yields, then parks until woken.</summary>
    /// <exception cref="ObjectDisposedException">The ring was disposed while waiting.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    internal void Wait<TState>(TState state, Func<TState, bool> ready, RingWaitStrategy strategy, string owner, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_closed, owner);
        for (int i = 0; i < strategy.SpinIterations; i++)
        {
            if (ready(state)) return;
            Thread.SpinWait(16);
        }
        for (int i = 0; i < strategy.YieldIterations; i++)
        {
            if (ready(state)) return;
            Thread.Yield();
        }
        using var wakeOnCancel = cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(static s => ((RingSignal)s!).Wake(), this) : default;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long generation;
            lock (_gate) generation = _generation;
            Interlocked.Increment(ref _waiting);
            try
            {
                Interlocked.MemoryBarrierProcessWide();
                ObjectDisposedException.ThrowIf(_closed, owner);
                if (ready(state)) return;
                lock (_gate)
                {
                    while (_generation == generation) Monitor.Wait(_gate);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
            ObjectDisposedException.ThrowIf(_closed, owner);
        }
    }

    /// <summary>Releases every waiter with <see cref="ObjectDisposedException"/> and refuses new ones. The ring
    /// (<see cref="RingWaiters.Close"/>) then waits for its blocking calls to leave before unmapping.</summary>
    internal void Close()
    {
        _closed = true;
        Wake();
    }
}

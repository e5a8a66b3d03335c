// Everything a ring needs to block and to be disposed under blocked callers: the two parking sides
// (not empty, not full), the wait strategy, and a count of blocking calls that keeps the ring's memory
// mapped until they have left.
namespace Numa.Messaging;

/// <summary>
/// The blocking half shared by <see cref="SpscRing{T}"/> and <see cref="MpscRing{T}"/>. A blocking call brackets
/// itself with <see cref="EnterBlockingCall"/> (two interlocked operations, paid only on the blocking path) and
/// waits on <see cref="NotEmpty"/> or <see cref="NotFull"/>. <see cref="Close"/> refuses new blocking calls,
/// releases the waiting ones with <see cref="ObjectDisposedException"/>, and returns once every blocking call has
/// left, so the ring can then unmap its memory.
/// </summary>
internal sealed class RingWaiters
{
    private readonly string _owner;
    private readonly RingWaitStrategy _strategy;
    private int _inside;   // blocking calls in progress
    private int _closed;

    internal RingWaiters(string owner, RingWaitStrategy strategy)
    {
        _owner = owner;
        _strategy = strategy;
    }

    /// <summary>The consumer parks here; producers wake it after publishing.</summary>
    internal RingSignal NotEmpty { get; } = new();

    /// <summary>Producers park here; the consumer wakes them after releasing slots.</summary>
    internal RingSignal NotFull { get; } = new();

    /// <summary>Enters a blocking call; dispose the scope to leave it.</summary>
    /// <exception cref="ObjectDisposedException">The ring is disposed.</exception>
    internal BlockingCall EnterBlockingCall()
    {
        Interlocked.Increment(ref _inside); // full fence: either Close sees this call, or this call sees _closed
        if (Volatile.Read(ref _closed) != 0)
        {
            Interlocked.Decrement(ref _inside);
            throw new ObjectDisposedException(_owner);
        }
        return new BlockingCall(this);
    }

    /// <summary>Waits until <paramref name="ready"/> holds, parking on <paramref name="side"/>.</summary>
    internal void Wait<TState>(RingSignal side, TState state, Func<TState, bool> ready, CancellationToken cancellationToken) =>
        side.Wait(state, ready, _strategy, _owner, cancellationToken);

    /// <summary>Refuses new blocking calls, releases the waiting ones, and returns once none is left.
    /// Returns false when already closed.</summary>
    internal bool Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return false;
        NotEmpty.Close();
        NotFull.Close();
        var spin = new SpinWait();
        while (Volatile.Read(ref _inside) != 0) spin.SpinOnce();
        return true;
    }

    /// <summary>A blocking call in progress; the ring's memory stays mapped until it is disposed.</summary>
    internal readonly ref struct BlockingCall
    {
        private readonly RingWaiters _waiters;

        internal BlockingCall(RingWaiters waiters) => _waiters = waiters;

        public void Dispose() => Interlocked.Decrement(ref _waiters._inside);
    }
}

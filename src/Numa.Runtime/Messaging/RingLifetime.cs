// Keeps a ring's memory mapped while any blocking call is still inside the ring, so Dispose can release
// blocked callers and then unmap without pulling memory out from under them.
namespace Numa.Messaging;

/// <summary>Counts blocking calls (Write, WaitToRead) in progress; <see cref="Close"/> refuses new ones and
/// <see cref="WaitUntilEmpty"/> waits for the rest to leave. Entering costs two interlocked operations, paid only on the blocking path.</summary>
internal sealed class RingLifetime
{
    private int _inside;
    private int _closed;

    /// <summary>Enters a blocking call.</summary>
    /// <exception cref="ObjectDisposedException">The ring is disposed.</exception>
    internal void Enter(string owner)
    {
        Interlocked.Increment(ref _inside); // full fence: either Dispose sees us, or we see _closed
        if (Volatile.Read(ref _closed) != 0)
        {
            Interlocked.Decrement(ref _inside);
            throw new ObjectDisposedException(owner);
        }
    }

    internal void Exit() => Interlocked.Decrement(ref _inside);

    /// <summary>Refuses new blocking calls; returns false if already closed.</summary>
    internal bool Close() => Interlocked.Exchange(ref _closed, 1) == 0;

    /// <summary>Waits until no blocking call is inside (call after waking the waiters).</summary>
    internal void WaitUntilEmpty()
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref _inside) != 0) spin.SpinOnce();
    }
}

// A queue lock (Mellor-Crummey & Scott 1991) whose waiters spin on their own node-local queue node for a
// bounded time and then park, so a preempted waiter cannot stall every thread behind it.
using System.Runtime.CompilerServices;

namespace Numa.Sync;

/// <summary>
/// A fair (FIFO) mutual-exclusion lock. Each waiter spins on a flag in its <i>own</i> queue node — 128 bytes of
/// native memory first touched by the waiting thread, so on its node — instead of on a shared word; the holder
/// hands the lock to its successor by clearing that flag. Plain MCS collapses when a waiter's vCPU is preempted
/// (on a 2-vCPU VM it falls to ~1/30 of a mutex: every later waiter queues behind the sleeping one), so a waiter
/// spins only <see cref="SpinIterations"/> times and then parks until the hand-off wakes it.
/// Source: J. Mellor-Crummey, M. Scott, "Algorithms for scalable synchronization on shared-memory
/// multiprocessors", ACM TOCS 9(1), 1991, §2 (the MCS list-based queuing lock).
/// </summary>
/// <remarks>
/// Use: <c>using (mcs.Enter()) { … }</c>. Not reentrant (entering twice on one thread throws
/// <see cref="LockRecursionException"/>). A thread may hold up to <see cref="MaxNesting"/> different MCS locks
/// at once.
/// </remarks>
public sealed unsafe class McsLock
{
    /// <summary>How many MCS locks one thread may hold at the same time.</summary>
    public const int MaxNesting = McsQueueNodes.Count;

    private nint _tail;            // the last queue node in line, 0 when free
    private nint _holderNode;      // the holder's queue node, for Exit
    private int _holderThread;     // managed thread id of the holder, 0 when free

    /// <summary>Creates a lock whose waiters check their flag <paramref name="spinIterations"/> times (one
    /// <c>pause</c> between checks, about ten microseconds in all by default) before parking. Short on purpose:
    /// under oversubscription the thread the lock was handed to may not be running, and a spinning waiter only
    /// keeps it off the CPU.</summary>
    public McsLock(int spinIterations = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(spinIterations);
        SpinIterations = spinIterations;
    }

    /// <summary>Checks a waiter makes, one <c>pause</c> apart, before it parks. Fine-grained on purpose: the
    /// hand-off is noticed within one pause of happening.</summary>
    public int SpinIterations { get; }

    /// <summary>True while some thread holds the lock.</summary>
    public bool IsHeld => Volatile.Read(ref _tail) != 0;

    /// <summary>True when the calling thread holds the lock.</summary>
    public bool IsHeldByCurrentThread => Volatile.Read(ref _holderThread) == Environment.CurrentManagedThreadId;

    /// <summary>Acquires the lock, waiting in FIFO order; dispose the returned scope to release it.</summary>
    /// <exception cref="LockRecursionException">The calling thread already holds this lock.</exception>
    /// <exception cref="InvalidOperationException">The thread already holds <see cref="MaxNesting"/> MCS locks.</exception>
    public Scope Enter()
    {
        int me = Environment.CurrentManagedThreadId;
        if (Volatile.Read(ref _holderThread) == me)
            throw new LockRecursionException("This McsLock is already held by the current thread; it is not reentrant.");
        var nodes = McsQueueNodes.ForCurrentThread();
        McsQueueNodes.QNode* q = nodes.Rent();
        q->Next = 0;
        q->Locked = 1;
        q->Parked = 0;
        nint predecessor = Interlocked.Exchange(ref _tail, (nint)q);
        if (predecessor != 0)
        {
            Volatile.Write(ref ((McsQueueNodes.QNode*)predecessor)->Next, (nint)q);
            if (Volatile.Read(ref q->Locked) != 0) WaitForHandOff(q, nodes);
        }
        _holderNode = (nint)q;
        Volatile.Write(ref _holderThread, me);
        return new Scope(this);
    }

    private void WaitForHandOff(McsQueueNodes.QNode* q, McsQueueNodes nodes)
    {
        for (int i = 0; i < SpinIterations; i++)
        {
            if (Volatile.Read(ref q->Locked) == 0) return;
            Thread.SpinWait(1);
        }
        // Announce the park with a full fence, then re-check: the releaser clears Locked with a full fence and
        // then reads Parked, so at least one of us sees the other (Dekker). An extra wake-up is harmless.
        Interlocked.Exchange(ref q->Parked, 1);
        while (Volatile.Read(ref q->Locked) != 0) nodes.Park();
    }

    /// <summary>Releases the lock, handing it to the next waiter if there is one.</summary>
    /// <exception cref="SynchronizationLockException">The calling thread does not hold the lock.</exception>
    public void Exit()
    {
        if (Volatile.Read(ref _holderThread) != Environment.CurrentManagedThreadId)
            throw new SynchronizationLockException("The current thread does not hold this McsLock.");
        var nodes = McsQueueNodes.ForCurrentThread();
        var q = (McsQueueNodes.QNode*)_holderNode;
        nodes.EnsureInnermost(q); // before any state changes: a refused Exit leaves the lock held
        _holderNode = 0;
        Volatile.Write(ref _holderThread, 0);
        nint next = Volatile.Read(ref q->Next);
        if (next == 0)
        {
            if (Interlocked.CompareExchange(ref _tail, 0, (nint)q) == (nint)q)
            {
                nodes.Return(q);
                return;
            }
            // A successor swapped itself in but has not linked yet: it is running, so this wait is short.
            var spin = new SpinWait();
            while ((next = Volatile.Read(ref q->Next)) == 0) spin.SpinOnce(sleep1Threshold: -1);
        }
        var successor = (McsQueueNodes.QNode*)next;
        int waiter = successor->WaiterId;
        Interlocked.Exchange(ref successor->Locked, 0);
        if (Volatile.Read(ref successor->Parked) != 0) McsQueueNodes.Unpark(waiter);
        nodes.Return(q);
    }

    /// <summary>Holds the lock until disposed.</summary>
    public readonly ref struct Scope
    {
        private readonly McsLock _lock;

        internal Scope(McsLock owner) => _lock = owner;

        /// <summary>Releases the lock.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Dispose() => _lock.Exit();
    }
}

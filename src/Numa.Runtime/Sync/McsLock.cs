// A queue lock in the style of Linux's qspinlock: waiters queue on their own node-local MCS queue nodes and spin
// there; only the queue's head watches the lock word; a waiter spins a bounded time and then parks, so a preempted
// waiter cannot stall every thread behind it.
using System.Runtime.CompilerServices;

namespace Numa.Sync;

/// <summary>
/// A mutual-exclusion lock whose waiters spin on their <i>own</i> queue node — 128 bytes of native memory first
/// touched by the waiting thread, so on its node — instead of all spinning on one shared word. Only the head of the
/// queue watches the lock word; when it takes the lock it wakes the next waiter, which becomes the new head.
/// </summary>
/// <remarks>
/// <para>Acquiring a free lock is one compare-and-swap and releasing it one atomic decrement, so a thread that
/// releases and re-enters keeps the lock's cache line on its core. A thread that arrives while the lock is free may
/// take it ahead of the queue (barging: that is what makes hand-offs cheap on a busy lock). So that no waiter
/// starves, the head asks for a direct hand-off after <see cref="SpinIterations"/> checks: from then on only the
/// head may take the lock. A waiter spins <see cref="SpinIterations"/> times and then parks until it is woken: on
/// an oversubscribed machine (plain MCS falls to ~1/30 of a mutex on a 2-vCPU VM, every waiter queued behind a
/// descheduled one) a spinning waiter only keeps the thread it waits for off the CPU.</para>
/// <para>Sources: J. Mellor-Crummey, M. Scott, "Algorithms for scalable synchronization on shared-memory
/// multiprocessors", ACM TOCS 9(1), 1991, §2 (the MCS list-based queuing lock); Linux
/// kernel/locking/qspinlock.c (the queue's head spins on the lock word, the others on their own node).</para>
/// <para>Use: <c>using (mcs.Enter()) { … }</c>. Not reentrant (entering twice on one thread throws
/// <see cref="LockRecursionException"/>). Locks may be released in any order. <see cref="Enter"/> is not
/// interruptible: a <see cref="Thread.Interrupt"/> that reaches a parked waiter is kept and delivered, once the lock
/// is held, to the thread's next blocking call (a waiter that left the queue by an exception would leave its node
/// linked there and wedge the lock for every thread).</para>
/// </remarks>
public sealed unsafe class McsLock
{
    private const int Locked = 1;      // bit 0 of _state: held
    private const int HandOff = 2;     // bit 1: the queue's head waited long enough; only it may take the lock

    private int _state;                // Locked | HandOff
    private int _holderThread;         // managed thread id of the holder, 0 when free
    private nint _tail;                // the last waiter's queue node, 0 when nobody waits
    private int _headParked;           // 1 while the queue's head sleeps on its parking slot
    private int _headWaiter;           // that slot

    /// <summary>Creates a lock whose waiters check their flag <paramref name="spinIterations"/> times (one
    /// <c>pause</c> between checks, about ten microseconds in all by default) before the queue's head asks for a
    /// direct hand-off and before any waiter parks.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="spinIterations"/> is negative.</exception>
    public McsLock(int spinIterations = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(spinIterations);
        SpinIterations = spinIterations;
    }

    /// <summary>Checks a waiter makes, one <c>pause</c> apart, before it parks (and the head before it asks for a
    /// hand-off).</summary>
    public int SpinIterations { get; }

    /// <summary>True while some thread holds the lock.</summary>
    public bool IsHeld => (Volatile.Read(ref _state) & Locked) != 0;

    /// <summary>True when the calling thread holds the lock.</summary>
    public bool IsHeldByCurrentThread => Volatile.Read(ref _holderThread) == Environment.CurrentManagedThreadId;

    /// <summary>Acquires the lock; dispose the returned scope to release it.</summary>
    /// <exception cref="LockRecursionException">The calling thread already holds this lock.</exception>
    public Scope Enter()
    {
        int me = Environment.CurrentManagedThreadId;
        if (Volatile.Read(ref _holderThread) == me)
            throw new LockRecursionException("This McsLock is already held by the current thread; it is not reentrant.");
        bool interrupted = Interlocked.CompareExchange(ref _state, Locked, 0) != 0 && EnterContended();
        Volatile.Write(ref _holderThread, me);
        if (interrupted) Thread.CurrentThread.Interrupt();       // the interrupt the park absorbed, for the next wait
        return new Scope(this);
    }

    // True when a park absorbed a Thread.Interrupt.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool EnterContended()
    {
        bool interrupted = false;
        var nodes = McsQueueNodes.ForCurrentThread();
        McsQueueNodes.QNode* q = nodes.Rent();
        q->Next = 0;
        q->Locked = 1;
        q->Parked = 0;
        nint predecessor = Interlocked.Exchange(ref _tail, (nint)q);
        if (predecessor != 0)
        {
            Volatile.Write(ref ((McsQueueNodes.QNode*)predecessor)->Next, (nint)q);
            WaitToBecomeHead(q, nodes, ref interrupted);
        }
        AcquireAsHead(nodes, ref interrupted);

        // Holding the lock: make the next waiter the head (or empty the queue), then give the queue node back.
        nint next = Volatile.Read(ref q->Next);
        if (next == 0)
        {
            if (Interlocked.CompareExchange(ref _tail, 0, (nint)q) == (nint)q)
            {
                nodes.Return(q);
                return interrupted;
            }
            // A waiter swapped itself in but has not linked yet: it is running, so this wait is short. (Yield, not
            // SpinWait.SpinOnce: its Thread.Sleep(0) would throw a pending interrupt out of the queue.)
            for (int i = 1; (next = Volatile.Read(ref q->Next)) == 0; i++)
                if (i % 64 == 0) Thread.Yield();
                else Thread.SpinWait(1);
        }
        var successor = (McsQueueNodes.QNode*)next;
        int waiter = successor->WaiterId;
        Interlocked.Exchange(ref successor->Locked, 0);
        if (Volatile.Read(ref successor->Parked) != 0) McsQueueNodes.Unpark(waiter);
        nodes.Return(q);
        return interrupted;
    }

    // Spins on the waiter's own queue node until its predecessor makes it the head, then parks.
    private void WaitToBecomeHead(McsQueueNodes.QNode* q, McsQueueNodes nodes, ref bool interrupted)
    {
        for (int i = 0; i < SpinIterations; i++)
        {
            if (Volatile.Read(ref q->Locked) == 0) return;
            Thread.SpinWait(1);
        }
        // Announce the park with a full fence, then re-check: the predecessor clears Locked with a full fence and
        // then reads Parked, so at least one of us sees the other (Dekker). An extra wake-up is harmless.
        Interlocked.Exchange(ref q->Parked, 1);
        while (Volatile.Read(ref q->Locked) != 0) nodes.Park(ref interrupted);
    }

    // The head: takes the lock word when it is free; after SpinIterations checks asks for a hand-off (no barging
    // from then on) and parks until Exit wakes it.
    private void AcquireAsHead(McsQueueNodes nodes, ref bool interrupted)
    {
        for (int i = 0; ; i++)
        {
            int state = Volatile.Read(ref _state);
            if ((state & Locked) == 0)
            {
                if (Interlocked.CompareExchange(ref _state, Locked, state) == state) return;   // clears HandOff too
                continue;
            }
            if (i < SpinIterations)
            {
                Thread.SpinWait(1);
                continue;
            }
            if ((state & HandOff) == 0 && Interlocked.CompareExchange(ref _state, state | HandOff, state) != state) continue;
            Volatile.Write(ref _headWaiter, nodes.WaiterId);
            // Same Dekker pair as above: Exit decrements _state (a full fence) and then reads _headParked.
            Interlocked.Exchange(ref _headParked, 1);
            if ((Volatile.Read(ref _state) & Locked) != 0) nodes.Park(ref interrupted);
            Interlocked.Exchange(ref _headParked, 0);
        }
    }

    /// <summary>Releases the lock, waking the queue's head if it sleeps.</summary>
    /// <exception cref="SynchronizationLockException">The calling thread does not hold the lock.</exception>
    public void Exit()
    {
        if (Volatile.Read(ref _holderThread) != Environment.CurrentManagedThreadId)
            throw new SynchronizationLockException("The current thread does not hold this McsLock.");
        Volatile.Write(ref _holderThread, 0);
        Interlocked.Add(ref _state, -Locked);                          // keeps a HandOff the head has asked for
        if (Volatile.Read(ref _headParked) != 0 && Interlocked.Exchange(ref _headParked, 0) != 0)
            McsQueueNodes.Unpark(Volatile.Read(ref _headWaiter));
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

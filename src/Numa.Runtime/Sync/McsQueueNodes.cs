// The per-thread MCS queue node, in memory bound to the thread's node, and the per-thread parking slot a
// releaser wakes.
using System.Runtime.InteropServices;
using Numa.Memory;

namespace Numa.Sync;

/// <summary>The calling thread's MCS queue node (a thread waits for one lock at a time, and holds no node once it
/// has the lock) and its parking semaphore. The node fills a 128-byte block, so waiters never share a line.</summary>
/// <remarks>Known limit: each thread that ever takes an McsLock keeps one 4 KiB page and one semaphore for the
/// life of the process (a releaser may still touch a queue node after its thread exits). Fine for pinned
/// workers and a bounded thread pool; a free list of retired blocks would bound it under thread churn.</remarks>
internal sealed unsafe class McsQueueNodes
{
    private const int NodeBytes = 128;

    [StructLayout(LayoutKind.Sequential)]
    internal struct QNode
    {
        public nint Next;
        public int Locked;
        public int Parked;
        public int WaiterId;
    }

    [ThreadStatic] private static McsQueueNodes? t_nodes;
    private static readonly Lock s_parkersLock = new();
    private static SemaphoreSlim[] s_parkers = new SemaphoreSlim[64];
    private static int s_nextWaiterId;

    private readonly NumaArena _arena;
    private readonly byte* _block;
    private readonly int _waiterId;
    private bool _rented;

    private McsQueueNodes()
    {
        // On the node the thread runs on when it first takes an MCS lock (a pinned worker's own node). The page
        // lives as long as the process: a queue node may still be read by a releaser after its thread exits.
        var platform = NumaPlatform.Current;
        Node = platform.CurrentNode();
        _arena = platform.Node(Node).CreateArena(chunkBytes: 4096);
        var block = _arena.AllocateSpan<byte>(NodeBytes, NodeBytes);
        fixed (byte* p = block) _block = p;
        lock (s_parkersLock)
        {
            _waiterId = s_nextWaiterId++;
            var parkers = s_parkers;
            if (_waiterId == parkers.Length)
            {
                var bigger = new SemaphoreSlim[parkers.Length * 2];
                Array.Copy(parkers, bigger, parkers.Length);
                parkers = bigger;
            }
            parkers[_waiterId] = new SemaphoreSlim(0);
            Volatile.Write(ref s_parkers, parkers); // published after the slot is filled: lock-free readers see it
        }
    }

    /// <summary>The node the queue nodes were bound to.</summary>
    internal int Node { get; }

    /// <summary>The first byte of the queue nodes (for placement checks).</summary>
    internal nint BlockAddress => (nint)_block;

    internal static McsQueueNodes ForCurrentThread() => t_nodes ??= new McsQueueNodes();

    /// <summary>This thread's parking slot.</summary>
    internal int WaiterId => _waiterId;

    internal QNode* Rent()
    {
        if (_rented) throw new InvalidOperationException("This thread is already waiting for an McsLock.");
        _rented = true;
        var q = (QNode*)_block;
        q->WaiterId = _waiterId;
        return q;
    }

    internal void Return(QNode* q)
    {
        System.Diagnostics.Debug.Assert(q == (QNode*)_block && _rented);
        _rented = false;
    }

    // Sleeps until Unpark (or a spurious wake-up; callers re-check). Not interruptible: a Thread.Interrupt sets
    // `interrupted` and returns, for the caller to deliver once it has left the queue.
    internal void Park(ref bool interrupted)
    {
        try
        {
            Parker(_waiterId).Wait();
        }
        catch (ThreadInterruptedException)
        {
            interrupted = true;
        }
    }

    internal static void Unpark(int waiterId) => Parker(waiterId).Release();

    private static SemaphoreSlim Parker(int waiterId)
    {
        var parkers = Volatile.Read(ref s_parkers);
        return parkers[waiterId];
    }
}

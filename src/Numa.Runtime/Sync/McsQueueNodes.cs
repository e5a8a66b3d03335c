// Per-thread MCS queue nodes in memory bound to the thread's node, and the per-thread parking slot a
// releaser wakes.
using System.Runtime.InteropServices;
using Numa.Memory;

namespace Numa.Sync;

/// <summary>The calling thread's MCS queue nodes (a small stack, one per lock held at once) and its parking
/// semaphore. Queue nodes are 128 bytes apart so waiters never share a line.</summary>
/// <remarks>Known limit: each thread that ever takes an McsLock keeps one 4 KiB page and one semaphore for the
/// life of the process (a releaser may still touch a queue node after its thread exits). Fine for pinned
/// workers and a bounded thread pool; a free list of retired blocks would bound it under thread churn.</remarks>
internal sealed unsafe class McsQueueNodes
{
    internal const int Count = 8;
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
    private int _used;

    private McsQueueNodes()
    {
        // On the node the thread runs on when it first takes an MCS lock (a pinned worker's own node). The page
        // lives as long as the process: a queue node may still be read by a releaser after its thread exits.
        var platform = NumaPlatform.Current;
        Node = platform.CurrentNode();
        _arena = platform.Node(Node).CreateArena(chunkBytes: 4096);
        var block = _arena.AllocateSpan<byte>(Count * NodeBytes, NodeBytes);
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

    internal QNode* Rent()
    {
        if (_used == Count) throw new InvalidOperationException($"A thread may hold at most {Count} McsLocks at once.");
        var q = (QNode*)(_block + _used++ * NodeBytes);
        q->WaiterId = _waiterId;
        return q;
    }

    // Nested locks are released innermost first (nested `using` scopes do exactly that), so the nodes form a stack.
    internal void EnsureInnermost(QNode* q)
    {
        if (_used == 0 || q != (QNode*)(_block + (_used - 1) * NodeBytes))
            throw new SynchronizationLockException("McsLocks held by one thread must be released in reverse order of acquisition.");
    }

    internal void Return(QNode* q)
    {
        EnsureInnermost(q);
        _used--;
    }

    internal void Park() => Parker(_waiterId).Wait();

    internal static void Unpark(int waiterId) => Parker(waiterId).Release();

    private static SemaphoreSlim Parker(int waiterId)
    {
        var parkers = Volatile.Read(ref s_parkers);
        return parkers[waiterId];
    }
}

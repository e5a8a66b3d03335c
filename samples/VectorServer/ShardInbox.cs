// The way into a shard worker from threads that are not pinned workers (Flight and admin request threads): an MPSC
// ring in the shard's node memory carrying GC handles of jobs, and a semaphore that bounds the jobs in flight.
using System.Runtime.InteropServices;
using Numa.Flight;
using Numa.Messaging;

namespace Numa.VectorServer;

/// <summary>
/// One shard's request queue. Senders (any thread) take a slot (waiting asynchronously when all
/// <see cref="Capacity"/> are taken: the backpressure), pin the job with a <see cref="GCHandle"/> and write its
/// handle to the <see cref="MpscRing{T}"/>, which lives on the shard's node. The shard's thread reads handles in
/// batches and frees each slot as it takes the job.
/// </summary>
internal sealed class ShardInbox : IDisposable
{
    private readonly MpscRing<nint> _ring;
    private readonly SemaphoreSlim _slots;
    private readonly nint[] _batch = new nint[32];     // consumer only
    private volatile bool _closed;
    private readonly NumaPlatform _platform;
    private long _requests;
    private long _crossNodeRequests;

    public ShardInbox(NumaPlatform platform, int shard, int node, int capacity)
    {
        Capacity = capacity;
        _platform = platform;
        _ring = new MpscRing<nint>(platform, new MpscRingOptions { Capacity = capacity, ConsumerNode = node, Name = $"shard-{shard}.inbox" });
        _slots = new SemaphoreSlim(capacity, capacity);
    }

    public int Capacity { get; }

    /// <summary>Jobs queued or being taken: 0 to <see cref="Capacity"/>.</summary>
    public int Queued => Capacity - _slots.CurrentCount;

    /// <summary>True at or above 80 % of <see cref="Capacity"/>.</summary>
    public bool IsUnderPressure => Queued * 5 >= Capacity * 4;

    /// <summary>Requests queued so far.</summary>
    public long Requests => Volatile.Read(ref _requests);

    /// <summary>Requests queued by a thread that ran on another node than the shard's at that moment (getcpu(2)):
    /// the messages that cross the interconnect.</summary>
    public long CrossNodeRequests => Volatile.Read(ref _crossNodeRequests);

    /// <summary>The node holding the ring.</summary>
    public int Node => _ring.ConsumerNode;

    /// <summary>Queues <paramref name="job"/> and returns its task.</summary>
    /// <exception cref="VectorBackendException">Unavailable: the shard is shutting down.</exception>
    public async Task<T> SendAsync<T>(ShardJob<T> job, CancellationToken cancellationToken)
    {
        await EnqueueAsync(job, cancellationToken).ConfigureAwait(false);
        return await job.Task.ConfigureAwait(false);
    }

    /// <summary>Queues <paramref name="job"/>, waiting for a free slot; completes once it is queued (not run).</summary>
    /// <exception cref="VectorBackendException">Unavailable: the shard is shutting down.</exception>
    public async ValueTask EnqueueAsync(ShardJob job, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_closed)
        {
            _slots.Release();
            throw ShuttingDown();
        }
        var handle = GCHandle.Alloc(job);
        bool written;
        try
        {
            written = _ring.TryWrite(GCHandle.ToIntPtr(handle));   // a slot guarantees room
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            written = false;
        }
        if (!written)
        {
            handle.Free();
            _slots.Release();
            throw ShuttingDown();
        }
        Interlocked.Increment(ref _requests);
        if (_platform.Topology.IsMultiNode && _platform.CurrentNode() != Node) Interlocked.Increment(ref _crossNodeRequests);
    }

    /// <summary>Shard thread: waits for jobs — first polling for up to <paramref name="pollTicks"/> (Stopwatch
    /// ticks; a parked thread takes ~100 µs to wake on a VM, a polling one a few), then parked on the ring; false
    /// once the inbox was closed and drained.</summary>
    public bool WaitToRead(long pollTicks, CancellationToken cancellationToken)
    {
        if (pollTicks > 0 && _slots.CurrentCount == Capacity)
        {
            long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + pollTicks;
            while (_slots.CurrentCount == Capacity && !_closed && System.Diagnostics.Stopwatch.GetTimestamp() < deadline)
                Thread.SpinWait(8);
        }
        return _ring.WaitToRead(cancellationToken);
    }

    /// <summary>Shard thread: takes up to 32 queued jobs.</summary>
    public int Take(Span<ShardJob> jobs)
    {
        int n = _ring.TryRead(_batch.AsSpan(0, Math.Min(jobs.Length, _batch.Length)));
        for (int i = 0; i < n; i++)
        {
            var handle = GCHandle.FromIntPtr(_batch[i]);
            jobs[i] = (ShardJob)handle.Target!;
            handle.Free();
        }
        if (n > 0) _slots.Release(n);
        return n;
    }

    /// <summary>No more jobs: senders are refused; the shard drains what is queued, then its loop ends.</summary>
    public void Close()
    {
        _closed = true;
        _ring.Complete();
    }

    /// <summary>Shard thread, after <see cref="Close"/>: fails every job still queued or being queued with
    /// <paramref name="refusal"/>, and returns once every slot is free — a sender that held a slot when the inbox
    /// closed has then either written its job (failed here) or seen the close and given its slot back.</summary>
    public void DrainClosed(ShardJob[] jobs, Exception refusal)
    {
        if (!_closed) throw new InvalidOperationException("DrainClosed before Close.");
        var wait = new SpinWait();
        while (true)
        {
            int n = Take(jobs);
            for (int i = 0; i < n; i++)
            {
                jobs[i].Fail(refusal);
                jobs[i] = null!;
            }
            if (n > 0) continue;
            if (_slots.CurrentCount == Capacity) return;
            wait.SpinOnce(sleep1Threshold: 20);
        }
    }

    /// <summary>UNAVAILABLE for Flight clients.</summary>
    public static VectorBackendException ShuttingDown() => new(VectorBackendError.Unavailable, "The server is shutting down; retry against the restarted server.");

    public void Dispose()
    {
        _ring.Dispose();
        _slots.Dispose();
    }
}


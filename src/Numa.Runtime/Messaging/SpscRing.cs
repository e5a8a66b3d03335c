// A bounded single-producer/single-consumer ring of unmanaged messages in node-local memory: the channel the
// generator wires between two pinned workers. Lock-free, one release store per publish, batch operations.
using System.Runtime.CompilerServices;
using Numa.Memory;

namespace Numa.Messaging;

/// <summary>
/// A bounded FIFO between exactly one producer thread and one consumer thread, for unmanaged messages.
/// Slots and indices live in native memory on one node: the producer's by default
/// (<see cref="RingPlacement.ProducerLocal"/>). The producer's line holds the write index and its cached copy of
/// the read index; the consumer's line the read index and its cached copy of the write index; the two lines are
/// 128 bytes apart, so neither side touches the other's line until its cache runs out
/// (Seastar <c>smp_message_queue</c>, glommio <c>spsc_queue</c>, Lamport 1983 with Lee et al.'s index caching).
/// A write is a slot store and one release store of the write index; a span write publishes once for the
/// whole batch.
/// </summary>
/// <remarks>
/// Thread-safety: one thread writes (TryWrite, Write, Complete) and one thread reads (TryRead, WaitToRead) at a
/// time; different threads may take turns on a side if they hand over with a happens-before edge.
/// <see cref="Dispose"/> releases threads blocked in <see cref="Write(in T, CancellationToken)"/> or
/// <see cref="WaitToRead"/> with <see cref="ObjectDisposedException"/>; it must not race non-blocking calls.
/// </remarks>
/// <typeparam name="T">The message: an unmanaged struct, copied by value.</typeparam>
public sealed unsafe class SpscRing<T> : IDisposable, IRingCounters where T : unmanaged
{
    // Header layout, in RingMemory.LineBytes lines: [producer: head, cachedTail, completed] [consumer: tail, cachedHead].
    private const int HeaderBytes = 2 * RingMemory.LineBytes;

    private readonly RingMemory _memory;
    private readonly long _capacity;
    private readonly long _mask;
    private readonly RingWaiters _waiters;
    private long* _producer;   // [0] head: next slot to write; [1] cached tail; [2] completed flag
    private long* _consumer;   // [0] tail: next slot to read;  [1] cached head
    private T* _slots;

    /// <summary>Creates a ring on <see cref="NumaPlatform.Current"/>.</summary>
    public SpscRing(SpscRingOptions options) : this(NumaPlatform.Current, options) { }

    /// <summary>Creates a ring with <paramref name="options"/>; its memory is bound to the home node (the
    /// producer's by default) and zeroed before use.</summary>
    /// <exception cref="ArgumentNullException"><c>options.Wait</c> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Capacity is not a power of two ≥ 2, or a node is below -1 or does not exist.</exception>
    public SpscRing(NumaPlatform platform, SpscRingOptions options)
    {
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Wait);
        if (options.Capacity < 2 || !System.Numerics.BitOperations.IsPow2(options.Capacity))
            throw new ArgumentOutOfRangeException(nameof(options), options.Capacity, "Capacity must be a power of two, at least 2.");
        Name = options.Name ?? $"spsc<{typeof(T).Name}>";
        _waiters = new RingWaiters(Name, options.Wait);
        _capacity = options.Capacity;
        _mask = options.Capacity - 1;
        int home = RingMemory.ResolveHome(platform, options.Placement, options.ProducerNode, options.ConsumerNode, options.Node);
        ProducerNode = options.ProducerNode >= 0 ? options.ProducerNode : home;
        ConsumerNode = options.ConsumerNode >= 0 ? options.ConsumerNode : home;
        _memory = new RingMemory(platform, home, HeaderBytes, (long)sizeof(T) * options.Capacity);
        _producer = (long*)_memory.Base;
        _consumer = (long*)(_memory.Base + RingMemory.LineBytes);
        _slots = (T*)(_memory.Base + HeaderBytes);
        RingMetrics.Register(this);
    }

    /// <summary>Number of slots.</summary>
    public int Capacity => (int)_capacity;

    /// <summary>The name given in the options (or a default).</summary>
    public string Name { get; }

    /// <summary>The producer's node.</summary>
    public int ProducerNode { get; }

    /// <summary>The consumer's node.</summary>
    public int ConsumerNode { get; }

    /// <summary>The node the ring's memory is bound to.</summary>
    public int HomeNode => _memory.HomeNode;

    /// <summary>True when producer and consumer are on different nodes (its messages count as cross-node).</summary>
    public bool IsCrossNode => ProducerNode != ConsumerNode;

    /// <summary>Messages written so far (the write index).</summary>
    public long MessagesSent => _producer == null ? 0 : Volatile.Read(ref _producer[0]);

    /// <summary>Messages read so far (the read index).</summary>
    public long MessagesReceived => _consumer == null ? 0 : Volatile.Read(ref _consumer[0]);

    /// <summary>Messages in the ring now (racy: exact only when both sides are still).</summary>
    public int Count
    {
        get
        {
            long received = MessagesReceived; // first: the write index only grows, so the difference stays ≥ 0
            return (int)(MessagesSent - received);
        }
    }

    /// <summary>True once the producer called <see cref="Complete"/> and the consumer read everything.</summary>
    public bool IsCompleted => _producer != null && Volatile.Read(ref _producer[2]) != 0 && MessagesReceived == MessagesSent;

    /// <summary>Producer: writes one message unless the ring is full. Publishes it at once.</summary>
    /// <returns>False when the ring is full.</returns>
    /// <exception cref="InvalidOperationException">The producer already called <see cref="Complete"/>.</exception>
    /// <exception cref="ObjectDisposedException">The ring is disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryWrite(in T item)
    {
        long* p = _producer;
        if (p == null || p[2] != 0) ThrowCannotWrite();
        long head = p[0];
        if (head - p[1] >= _capacity)
        {
            p[1] = Volatile.Read(ref _consumer[0]);
            if (head - p[1] >= _capacity) return false;
        }
        _slots[head & _mask] = item;
        Volatile.Write(ref p[0], head + 1);
        _waiters.NotEmpty.WakeIfWaiting();
        return true;
    }

    /// <summary>Producer: writes as many of <paramref name="items"/> as fit, in order, and publishes them with one
    /// store.</summary>
    /// <returns>How many were written (0 when the ring is full).</returns>
    /// <exception cref="InvalidOperationException">The producer already called <see cref="Complete"/>.</exception>
    /// <exception cref="ObjectDisposedException">The ring is disposed.</exception>
    public int TryWrite(ReadOnlySpan<T> items)
    {
        long* p = _producer;
        if (p == null || p[2] != 0) ThrowCannotWrite();
        long head = p[0];
        long free = _capacity - (head - p[1]);
        if (free < items.Length)
        {
            p[1] = Volatile.Read(ref _consumer[0]);
            free = _capacity - (head - p[1]);
        }
        int n = (int)Math.Min(free, items.Length);
        if (n == 0) return 0;
        int start = (int)(head & _mask);
        int first = Math.Min(n, (int)_capacity - start);
        items[..first].CopyTo(new Span<T>(_slots + start, first));
        items[first..n].CopyTo(new Span<T>(_slots, n - first));
        Volatile.Write(ref p[0], head + n);
        _waiters.NotEmpty.WakeIfWaiting();
        return n;
    }

    /// <summary>Producer: writes one message, waiting (spin, yield, park) while the ring is full.</summary>
    /// <exception cref="InvalidOperationException">The producer already called <see cref="Complete"/>.</exception>
    /// <exception cref="ObjectDisposedException">The ring is disposed, also while waiting.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public void Write(in T item, CancellationToken cancellationToken = default)
    {
        if (TryWrite(item)) return;
        using var call = _waiters.EnterBlockingCall();
        while (!TryWrite(item))
            _waiters.Wait(_waiters.NotFull, this, static r => r.HasSpace, cancellationToken);
    }

    /// <summary>Producer: writes every item, waiting while the ring is full; publishes once per contiguous batch.</summary>
    /// <exception cref="InvalidOperationException">The producer already called <see cref="Complete"/>.</exception>
    /// <exception cref="ObjectDisposedException">The ring is disposed, also while waiting.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public void Write(ReadOnlySpan<T> items, CancellationToken cancellationToken = default)
    {
        using var call = _waiters.EnterBlockingCall();
        while (!items.IsEmpty)
        {
            int n = TryWrite(items);
            items = items[n..];
            if (!items.IsEmpty && n == 0) _waiters.Wait(_waiters.NotFull, this, static r => r.HasSpace, cancellationToken);
        }
    }

    /// <summary>Consumer: reads the oldest message if there is one.</summary>
    /// <exception cref="ObjectDisposedException">The ring is disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryRead(out T item)
    {
        long* c = _consumer;
        if (c == null) ThrowDisposed();
        long tail = c[0];
        if (tail >= c[1])
        {
            c[1] = Volatile.Read(ref _producer[0]);
            if (tail >= c[1])
            {
                item = default;
                return false;
            }
        }
        item = _slots[tail & _mask];
        Volatile.Write(ref c[0], tail + 1);
        _waiters.NotFull.WakeIfWaiting();
        return true;
    }

    /// <summary>Consumer: reads up to <c>destination.Length</c> messages, oldest first, and releases their slots
    /// with one store.</summary>
    /// <returns>How many were read (0 when empty).</returns>
    /// <exception cref="ObjectDisposedException">The ring is disposed.</exception>
    public int TryRead(Span<T> destination)
    {
        long* c = _consumer;
        if (c == null) ThrowDisposed();
        long tail = c[0];
        long available = c[1] - tail;
        if (available < destination.Length)
        {
            c[1] = Volatile.Read(ref _producer[0]);
            available = c[1] - tail;
        }
        int n = (int)Math.Min(available, destination.Length);
        if (n == 0) return 0;
        int start = (int)(tail & _mask);
        int first = Math.Min(n, (int)_capacity - start);
        new ReadOnlySpan<T>(_slots + start, first).CopyTo(destination);
        new ReadOnlySpan<T>(_slots, n - first).CopyTo(destination[first..]);
        Volatile.Write(ref c[0], tail + n);
        _waiters.NotFull.WakeIfWaiting();
        return n;
    }

    /// <summary>Consumer: waits (spin, yield, park) until a message can be read.</summary>
    /// <returns>True when a message is available; false when the producer completed and everything was read.</returns>
    /// <exception cref="ObjectDisposedException">The ring is disposed, also while waiting.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public bool WaitToRead(CancellationToken cancellationToken = default)
    {
        if (_consumer == null) ThrowDisposed();
        if (HasData) return true;
        using var call = _waiters.EnterBlockingCall();
        _waiters.Wait(_waiters.NotEmpty, this, static r => r.HasData || r.IsProducerCompleted, cancellationToken);
        return HasData;
    }

    /// <summary>Producer: no more messages. The consumer drains what is there, then <see cref="WaitToRead"/>
    /// returns false. Idempotent.</summary>
    /// <exception cref="ObjectDisposedException">The ring is disposed.</exception>
    public void Complete()
    {
        if (_producer == null) ThrowDisposed();
        Volatile.Write(ref _producer[2], 1);
        _waiters.NotEmpty.Wake();
    }

    /// <summary>Which node holds each page of the ring (move_pages), for placement checks.</summary>
    public PlacementSummary QueryPlacement()
    {
        if (_producer == null) ThrowDisposed();
        return _memory.QueryPlacement();
    }

    /// <summary>The nodes the ring's pages are expected on when binding is active.</summary>
    public IReadOnlyList<int> ExpectedNodes => _memory.ExpectedNodes;

    private bool HasSpace => Volatile.Read(ref _producer[0]) - Volatile.Read(ref _consumer[0]) < _capacity;

    private bool HasData => Volatile.Read(ref _producer[0]) != Volatile.Read(ref _consumer[0]);

    private bool IsProducerCompleted => Volatile.Read(ref _producer[2]) != 0;

    /// <summary>Releases blocked callers with <see cref="ObjectDisposedException"/>, then frees the ring's memory.
    /// The ring's counts stay in <see cref="RingMetrics"/>.</summary>
    public void Dispose()
    {
        if (!_waiters.Close()) return;
        RingMetrics.Retire(this, MessagesSent, MessagesReceived);
        _producer = null;
        _consumer = null;
        _slots = null;
        _memory.Dispose();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowCannotWrite()
    {
        if (_producer == null) ThrowDisposed();
        throw new InvalidOperationException($"Ring '{Name}' is completed: the producer called Complete() and may not write again.");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowDisposed() => throw new ObjectDisposedException(Name);
}

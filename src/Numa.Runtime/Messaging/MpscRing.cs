// A bounded multi-producer/single-consumer ring of unmanaged messages on the consumer's node, for producers
// that are not pinned workers (Kestrel request threads handing work to a shard).
using System.Runtime.CompilerServices;
using Numa.Memory;

namespace Numa.Messaging;

/// <summary>
/// A bounded FIFO from any number of producer threads to one consumer thread, for unmanaged messages, in native
/// memory on the consumer's node. Each slot carries a sequence number; producers claim a slot with one
/// compare-and-swap on the write index and publish it by advancing the slot's sequence, so a slow producer
/// delays only the messages behind its own (Vyukov's bounded MPMC queue, specialised to one consumer).
/// Messages of one producer stay in its order; messages of different producers interleave.
/// </summary>
/// <remarks>
/// Thread-safety: any threads may write; one thread reads at a time. <see cref="Dispose"/> releases blocked
/// callers with <see cref="ObjectDisposedException"/>; it must not race non-blocking calls.
/// </remarks>
/// <typeparam name="T">The message: an unmanaged struct, copied by value.</typeparam>
public sealed unsafe class MpscRing<T> : IDisposable, IRingCounters where T : unmanaged
{
    private struct Slot
    {
        public long Sequence;   // == position: free for the producer of that position; == position + 1: published
        public T Value;
    }

    // Header: [producers: head] [consumer: tail] [completed], one RingMemory.LineBytes line each.
    private const int HeaderBytes = 3 * RingMemory.LineBytes;

    private readonly RingMemory _memory;
    private readonly long _capacity;
    private readonly long _mask;
    private readonly RingWaiters _waiters;
    private long* _head;
    private long* _tail;
    private long* _completed;
    private Slot* _slots;

    /// <summary>Creates a ring on <see cref="NumaPlatform.Current"/>.</summary>
    public MpscRing(MpscRingOptions options) : this(NumaPlatform.Current, options) { }

    /// <summary>Creates a ring with <paramref name="options"/>, bound to the consumer's node.</summary>
    /// <exception cref="ArgumentNullException"><c>options.Wait</c> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Capacity is not a power of two ≥ 2, or the node is below -1 or does not exist.</exception>
    public MpscRing(NumaPlatform platform, MpscRingOptions options)
    {
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Wait);
        if (options.Capacity < 2 || !System.Numerics.BitOperations.IsPow2(options.Capacity))
            throw new ArgumentOutOfRangeException(nameof(options), options.Capacity, "Capacity must be a power of two, at least 2.");
        Name = options.Name ?? $"mpsc<{typeof(T).Name}>";
        _waiters = new RingWaiters(Name, options.Wait);
        _capacity = options.Capacity;
        _mask = options.Capacity - 1;
        int home = RingMemory.ResolveHome(platform, RingPlacement.ConsumerLocal, -1, options.ConsumerNode, null);
        ConsumerNode = home;
        _memory = new RingMemory(platform, home, HeaderBytes, (long)sizeof(Slot) * options.Capacity);
        _head = (long*)_memory.Base;
        _tail = (long*)(_memory.Base + RingMemory.LineBytes);
        _completed = (long*)(_memory.Base + 2 * RingMemory.LineBytes);
        _slots = (Slot*)(_memory.Base + HeaderBytes);
        for (long i = 0; i < _capacity; i++) _slots[i].Sequence = i;
        RingMetrics.Register(this);
    }

    /// <summary>Number of slots.</summary>
    public int Capacity => (int)_capacity;

    /// <summary>The name given in the options (or a default).</summary>
    public string Name { get; }

    /// <summary>The consumer's node, which holds the ring.</summary>
    public int ConsumerNode { get; }

    /// <summary>Slots claimed by producers so far (a claimed message is published a moment later).</summary>
    public long MessagesSent => _head == null ? 0 : Volatile.Read(ref *_head);

    /// <summary>Messages read so far.</summary>
    public long MessagesReceived => _tail == null ? 0 : Volatile.Read(ref *_tail);

    /// <summary>False: producers of an MPSC ring are not pinned, so cross-node accounting covers SPSC rings only.</summary>
    public bool IsCrossNode => false;

    /// <summary>True once <see cref="Complete"/> was called and every message was read.</summary>
    public bool IsCompleted => _completed != null && Volatile.Read(ref *_completed) != 0 && MessagesReceived == MessagesSent;

    /// <summary>Any producer: writes one message unless the ring is full.</summary>
    /// <returns>False when the ring is full.</returns>
    /// <exception cref="InvalidOperationException">The ring was completed.</exception>
    /// <exception cref="ObjectDisposedException">The ring is disposed.</exception>
    public bool TryWrite(in T item)
    {
        long* headPtr = _head;
        if (headPtr == null || *_completed != 0) ThrowCannotWrite();
        long pos = Volatile.Read(ref *headPtr);
        while (true)
        {
            Slot* slot = &_slots[pos & _mask];
            long diff = Volatile.Read(ref slot->Sequence) - pos;
            if (diff == 0)
            {
                long seen = Interlocked.CompareExchange(ref *headPtr, pos + 1, pos);
                if (seen == pos)
                {
                    slot->Value = item;
                    Volatile.Write(ref slot->Sequence, pos + 1);
                    _waiters.NotEmpty.WakeIfWaiting();
                    return true;
                }
                pos = seen;
            }
            else if (diff < 0)
            {
                return false; // the slot still holds the message from one lap ago: full
            }
            else
            {
                pos = Volatile.Read(ref *headPtr); // another producer claimed it; catch up
            }
        }
    }

    /// <summary>Any producer: writes one message, waiting (spin, yield, park) while the ring is full.</summary>
    /// <exception cref="InvalidOperationException">The ring was completed.</exception>
    /// <exception cref="ObjectDisposedException">The ring is disposed, also while waiting.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public void Write(in T item, CancellationToken cancellationToken = default)
    {
        if (TryWrite(item)) return;
        using var call = _waiters.EnterBlockingCall();
        while (!TryWrite(item))
            _waiters.Wait(_waiters.NotFull, this, static r => r.HasSpace || r.IsProducerCompleted, cancellationToken);
    }

    /// <summary>Consumer: reads the oldest published message if there is one.</summary>
    /// <exception cref="ObjectDisposedException">The ring is disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryRead(out T item)
    {
        long* tailPtr = _tail;
        if (tailPtr == null) ThrowDisposed();
        long tail = *tailPtr;
        Slot* slot = &_slots[tail & _mask];
        if (Volatile.Read(ref slot->Sequence) != tail + 1)
        {
            item = default;
            return false;
        }
        item = slot->Value;
        Volatile.Write(ref slot->Sequence, tail + _capacity);
        Volatile.Write(ref *tailPtr, tail + 1);
        _waiters.NotFull.WakeIfWaiting();
        return true;
    }

    /// <summary>Consumer: reads up to <c>destination.Length</c> published messages, oldest first.</summary>
    /// <returns>How many were read.</returns>
    public int TryRead(Span<T> destination)
    {
        int n = 0;
        while (n < destination.Length && TryRead(out destination[n])) n++;
        return n;
    }

    /// <summary>Consumer: waits (spin, yield, park) until a message can be read.</summary>
    /// <returns>True when a message is available; false when the ring was completed and everything was read.</returns>
    /// <exception cref="ObjectDisposedException">The ring is disposed, also while waiting.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public bool WaitToRead(CancellationToken cancellationToken = default)
    {
        if (_tail == null) ThrowDisposed();
        if (HasData) return true;
        using var call = _waiters.EnterBlockingCall();
        _waiters.Wait(_waiters.NotEmpty, this, static r => r.HasData || r.IsDrainedAndCompleted, cancellationToken);
        return HasData;
    }

    /// <summary>No more messages: later writes throw; the consumer drains what is there, then
    /// <see cref="WaitToRead"/> returns false. Call it once every producer has finished writing: a write racing
    /// Complete may be accepted after the consumer saw the end, and then never be read. Idempotent.</summary>
    /// <exception cref="ObjectDisposedException">The ring is disposed.</exception>
    public void Complete()
    {
        if (_completed == null) ThrowDisposed();
        Volatile.Write(ref *_completed, 1);
        _waiters.NotEmpty.Wake();
    }

    /// <summary>Which node holds each page of the ring (move_pages).</summary>
    public PlacementSummary QueryPlacement()
    {
        if (_head == null) ThrowDisposed();
        return _memory.QueryPlacement();
    }

    /// <summary>The nodes the ring's pages are expected on when binding is active.</summary>
    public IReadOnlyList<int> ExpectedNodes => _memory.ExpectedNodes;

    private bool HasData
    {
        get
        {
            long tail = Volatile.Read(ref *_tail);
            return Volatile.Read(ref _slots[tail & _mask].Sequence) == tail + 1;
        }
    }

    private bool HasSpace
    {
        get
        {
            long head = Volatile.Read(ref *_head);
            return Volatile.Read(ref _slots[head & _mask].Sequence) - head >= 0;
        }
    }

    private bool IsProducerCompleted => Volatile.Read(ref *_completed) != 0;

    // Completed, and every claimed slot has been read (a producer that claimed a slot before Complete publishes it).
    private bool IsDrainedAndCompleted => IsProducerCompleted && Volatile.Read(ref *_tail) == Volatile.Read(ref *_head);

    /// <summary>Releases blocked callers with <see cref="ObjectDisposedException"/>, then frees the ring's memory.</summary>
    public void Dispose()
    {
        if (!_waiters.Close()) return;
        RingMetrics.Retire(this, MessagesSent, MessagesReceived);
        _head = _tail = _completed = null;
        _slots = null;
        _memory.Dispose();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowCannotWrite()
    {
        if (_head == null) ThrowDisposed();
        throw new InvalidOperationException($"Ring '{Name}' is completed: no producer may write again.");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowDisposed() => throw new ObjectDisposedException(Name);
}

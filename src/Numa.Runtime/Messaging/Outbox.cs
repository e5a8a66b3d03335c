// A producer's side of its rings to every consumer instance: what a generated Outbox<T> property returns.
namespace Numa.Messaging;

/// <summary>
/// The sending side of one producer instance towards every instance of a consumer worker type: one
/// <see cref="SpscRing{T}"/> per consumer, each on the producer's node (ProducerLocal). Use it from the producer's
/// own thread only — it is the single producer of each ring (NUMA2004 flags other writers).
/// </summary>
/// <typeparam name="T">The message: an unmanaged struct, copied by value.</typeparam>
public sealed class Outbox<T> where T : unmanaged
{
    private readonly SpscRing<T>[] _rings;
    private readonly CancellationToken _stopping;

    /// <summary>Wraps <paramref name="rings"/> (index = consumer instance). Blocking sends give up when
    /// <paramref name="stopping"/> is signalled.</summary>
    public Outbox(IReadOnlyList<SpscRing<T>> rings, CancellationToken stopping = default)
    {
        ArgumentNullException.ThrowIfNull(rings);
        _rings = [.. rings];
        _stopping = stopping;
    }

    /// <summary>Number of consumer instances (valid consumer indices are 0 … Consumers − 1).</summary>
    public int Consumers => _rings.Length;

    /// <summary>The ring to consumer <paramref name="consumer"/>.</summary>
    public SpscRing<T> Ring(int consumer) => _rings[consumer];

    /// <summary>Sends <paramref name="message"/> to consumer <paramref name="consumer"/>, waiting (spin, yield,
    /// park) while its ring is full.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="consumer"/> is not in [0, Consumers).</exception>
    /// <exception cref="OperationCanceledException">The application is stopping.</exception>
    public void Send(int consumer, in T message)
    {
        if ((uint)consumer >= (uint)_rings.Length) ThrowConsumer(consumer);
        var ring = _rings[consumer];
        if (!ring.TryWrite(message)) ring.Write(message, _stopping);
    }

    /// <summary>Sends a batch to one consumer, publishing once per batch that fits.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="consumer"/> is not in [0, Consumers).</exception>
    /// <exception cref="OperationCanceledException">The application is stopping.</exception>
    public void Send(int consumer, ReadOnlySpan<T> messages)
    {
        if ((uint)consumer >= (uint)_rings.Length) ThrowConsumer(consumer);
        _rings[consumer].Write(messages, _stopping);
    }

    /// <summary>Sends without waiting.</summary>
    /// <returns>False when the consumer's ring is full.</returns>
    public bool TrySend(int consumer, in T message)
    {
        if ((uint)consumer >= (uint)_rings.Length) ThrowConsumer(consumer);
        return _rings[consumer].TryWrite(message);
    }

    /// <summary>No more messages from this producer: consumers drain what is there, then their polling loop ends.
    /// Called by the generated worker when its <c>Run</c> returns. Idempotent.</summary>
    public void Complete()
    {
        foreach (var ring in _rings) ring.Complete();
    }

    private void ThrowConsumer(int consumer) => throw new ArgumentOutOfRangeException(nameof(consumer), consumer,
        $"There are {_rings.Length} consumer instances; pick one in [0, {_rings.Length}) (for example key % Consumers).");
}

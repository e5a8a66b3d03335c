// The rings between two worker types: one SpscRing per (producer instance, consumer instance), on the producer's node.
using Numa.Memory;
using Numa.Messaging;

namespace Numa.Workers;

/// <summary>
/// Every ring from the instances of one worker type to the instances of another, for message type
/// <typeparamref name="T"/>: <c>producers.Count × consumers.Count</c> single-producer/single-consumer rings, ring
/// (p, c) on producer p's node (<see cref="RingPlacement.ProducerLocal"/>). Created by
/// <see cref="WorkerGraph.Connect{T}"/>, disposed with the graph.
/// </summary>
public sealed class RingConnection<T> : IRingConnection where T : unmanaged
{
    private readonly SpscRing<T>[][] _rings;   // [producer][consumer]
    private readonly CancellationToken _stopping;

    internal RingConnection(NumaPlatform platform, string name, WorkerSet producers, WorkerSet consumers, int capacity, CancellationToken stopping)
    {
        Name = name;
        Producers = producers;
        Consumers = consumers;
        _stopping = stopping;
        _rings = new SpscRing<T>[producers.Count][];
        try
        {
            for (int p = 0; p < producers.Count; p++)
            {
                _rings[p] = new SpscRing<T>[consumers.Count];
                for (int c = 0; c < consumers.Count; c++)
                {
                    _rings[p][c] = new SpscRing<T>(platform, new SpscRingOptions
                    {
                        Capacity = capacity,
                        ProducerNode = producers.Placements[p].Node,
                        ConsumerNode = consumers.Placements[c].Node,
                        Placement = RingPlacement.ProducerLocal,
                        Name = $"{name}[{p}->{c}]",
                    });
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The connection's name: <c>Producer.Outbox</c>.</summary>
    public string Name { get; }

    /// <summary>The producing worker type.</summary>
    public WorkerSet Producers { get; }

    /// <summary>The consuming worker type.</summary>
    public WorkerSet Consumers { get; }

    /// <summary>The ring from producer instance <paramref name="producer"/> to consumer instance <paramref name="consumer"/>.</summary>
    public SpscRing<T> this[int producer, int consumer] => _rings[producer][consumer];

    /// <summary>Producer instance <paramref name="producer"/>'s side: its ring to every consumer.</summary>
    public Outbox<T> Outbox(int producer) => new(_rings[producer], _stopping);

    /// <summary>Consumer instance <paramref name="consumer"/>'s side: the ring from every producer.</summary>
    public SpscRing<T>[] Inbox(int consumer)
    {
        var rings = new SpscRing<T>[_rings.Length];
        for (int p = 0; p < rings.Length; p++) rings[p] = _rings[p][consumer];
        return rings;
    }

    IEnumerable<RingDescription> IRingConnection.Describe()
    {
        for (int p = 0; p < _rings.Length; p++)
            for (int c = 0; c < _rings[p].Length; c++)
            {
                var ring = _rings[p][c];
                yield return new RingDescription(ring.Name, typeof(T).Name, $"{Producers.Name}[{p}]", $"{Consumers.Name}[{c}]",
                    ring.ProducerNode, ring.ConsumerNode, ring.HomeNode, ring.Capacity);
            }
    }

    IEnumerable<(string Name, IReadOnlyList<int> ExpectedNodes, PlacementSummary Pages)> IRingConnection.QueryPlacement()
    {
        foreach (var row in _rings)
            foreach (var ring in row)
                yield return (ring.Name, ring.ExpectedNodes, ring.QueryPlacement());
    }

    /// <summary>Frees every ring.</summary>
    public void Dispose()
    {
        foreach (var row in _rings)
            if (row != null)
                foreach (var ring in row) ring?.Dispose();
    }
}

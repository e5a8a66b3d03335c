// Diagnostics over every live ring: messages sent and received, and how many crossed nodes. Exposed through
// System.Diagnostics.Metrics (meter "Numa.Messaging"), read without touching any ring's hot path.
using System.Diagnostics.Metrics;

namespace Numa.Messaging;

/// <summary>What a ring reports to <see cref="RingMetrics"/>.</summary>
internal interface IRingCounters
{
    long MessagesSent { get; }
    long MessagesReceived { get; }
    bool IsCrossNode { get; }
}

/// <summary>
/// Message counters summed over all rings, live and disposed (Seastar's <c>smp_total_sent_messages</c> /
/// <c>received</c>). Rings keep their counts in their own indices, so counting costs the hot path nothing.
/// Instruments of meter <c>Numa.Messaging</c>: <c>numa.ring.messages_sent</c>, <c>numa.ring.messages_received</c>,
/// <c>numa.ring.cross_node_messages</c> (sent on rings whose producer and consumer nodes differ),
/// <c>numa.ring.count</c> (live rings).
/// </summary>
public static class RingMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Numa.Messaging";

    private static readonly Lock s_lock = new();
    private static readonly List<IRingCounters> s_live = [];
    private static long s_retiredSent, s_retiredReceived, s_retiredCrossNode;
    private static readonly Meter s_meter = new(MeterName);

    static RingMetrics()
    {
        s_meter.CreateObservableCounter("numa.ring.messages_sent", () => Snapshot().MessagesSent, "{message}", "Messages written to rings.");
        s_meter.CreateObservableCounter("numa.ring.messages_received", () => Snapshot().MessagesReceived, "{message}", "Messages read from rings.");
        s_meter.CreateObservableCounter("numa.ring.cross_node_messages", () => Snapshot().CrossNodeMessages, "{message}", "Messages written to rings whose producer and consumer are on different nodes.");
        s_meter.CreateObservableUpDownCounter("numa.ring.count", () => { lock (s_lock) return s_live.Count; }, "{ring}", "Live rings.");
    }

    /// <summary>Totals over every ring created in this process.</summary>
    public static RingTotals Snapshot()
    {
        lock (s_lock)
        {
            long sent = s_retiredSent, received = s_retiredReceived, cross = s_retiredCrossNode;
            foreach (var ring in s_live)
            {
                long s = ring.MessagesSent;
                sent += s;
                received += ring.MessagesReceived;
                if (ring.IsCrossNode) cross += s;
            }
            return new RingTotals(sent, received, cross, s_live.Count);
        }
    }

    internal static void Register(IRingCounters ring)
    {
        lock (s_lock) s_live.Add(ring);
    }

    /// <summary>Folds a disposed ring's final counts into the totals.</summary>
    internal static void Retire(IRingCounters ring, long sent, long received)
    {
        lock (s_lock)
        {
            if (!s_live.Remove(ring)) return;
            s_retiredSent += sent;
            s_retiredReceived += received;
            if (ring.IsCrossNode) s_retiredCrossNode += sent;
        }
    }
}

/// <summary>Ring message totals.</summary>
/// <param name="MessagesSent">Messages written.</param>
/// <param name="MessagesReceived">Messages read.</param>
/// <param name="CrossNodeMessages">Messages written to rings whose producer node differs from the consumer node.</param>
/// <param name="LiveRings">Rings not yet disposed.</param>
public readonly record struct RingTotals(long MessagesSent, long MessagesReceived, long CrossNodeMessages, int LiveRings);

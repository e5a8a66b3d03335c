// Counter: one worker per CPU keeps node-local histograms of the readings routed to it.
using System.Runtime.InteropServices;
using Numa;
using Numa.Memory;
using Numa.Messaging;
using Numa.Scheduling;

namespace Quickstart;

/// <summary>Counts readings per bucket in a Local histogram (allocated on this worker's node after it pinned itself),
/// weighting each by a shared Interleaved table; reports a <see cref="Tally"/> when its producers are done.</summary>
[PinnedWorker(Policy = PinPolicyKind.Compact, PerCpu = true)]
public sealed partial class Counter
{
    public const int Buckets = 4096;

    // Generated: Local state in this worker's node arena.
    [NumaPlacement(Placement.Local, Length = Buckets)]
    private partial Span<long> Histogram { get; }

    // Generated: read-mostly table shared by every counter, interleaved over the nodes; filled by Program before start.
    [NumaPlacement(Placement.Interleaved, Length = Buckets)]
    internal static partial Span<int> Weights { get; }

    private partial Outbox<Tally> ToReporter { get; }

    private WorkerContext? _context;
    private long _readings;
    private long _weighted;

    private void OnStart(WorkerContext context) => _context = context;

    // Generated polling loop: batches of readings from every Ingest's ring.
    [Inbox]
    private void On(in Reading reading)
    {
        int bucket = reading.Key % Buckets;
        Histogram[bucket]++;
        _readings++;
        _weighted += (long)reading.Value * Weights[bucket];
    }

    private void OnStop()
    {
        var context = _context!;
        var pages = PagePlacement.Summarize(MemoryMarshal.AsBytes(Histogram));
        int expected = 0;
        foreach (int node in context.Arena.ExpectedNodes) expected += pages.PagesOn(node);
        ToReporter.Send(0, new Tally(context.Index, context.Node, _readings, _weighted, expected, pages.ResidentPages - expected));
    }
}

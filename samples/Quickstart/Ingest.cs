// Ingest: one worker per NUMA node produces readings and routes each to a counter by key.
using Numa;
using Numa.Messaging;
using Numa.Scheduling;

namespace Quickstart;

/// <summary>Produces <see cref="Program.ReadingsPerIngest"/> readings and sends each to counter <c>key % Consumers</c>.</summary>
[PinnedWorker(Policy = PinPolicyKind.Scatter, PerNode = 1)]
public sealed partial class Ingest
{
    // Generated: one ring per counter instance, in this worker's node memory.
    private partial Outbox<Reading> ToCounters { get; }

    private void Run(WorkerContext context)
    {
        var random = new Random(context.Index);
        for (int i = 0; i < Program.ReadingsPerIngest && !context.Stopping.IsCancellationRequested; i++)
        {
            int key = random.Next(Counter.Buckets * 16);
            ToCounters.Send(key % ToCounters.Consumers, new Reading(key, random.Next(100)));
        }
        // Returning completes ToCounters: the counters drain their inboxes and stop.
    }
}

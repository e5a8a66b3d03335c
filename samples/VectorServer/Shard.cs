// The shard worker: a [PinnedWorker] whose HNSW indexes, vector slabs and WAL buffers are allocated on its own node
// after it pinned itself; the generated NumaApp plans one per NUMA node (or per CPU, or N) and starts them as one.
using Numa.Scheduling;

namespace Numa.VectorServer;

/// <summary>
/// One shard of the vector server. The generated <c>NumaApp</c> plans the instances (one per node by default; the
/// server's <c>Shards</c>/<c>Policy</c> settings replace the count and policy through
/// <see cref="Workers.NumaAppOptions.Workers"/>) and runs <see cref="Run"/> on a dedicated thread pinned to the
/// instance's CPU. Requests come from Flight and admin threads through the shard's <see cref="ShardInbox"/>, an MPSC
/// ring on the shard's node.
/// </summary>
[PinnedWorker(Policy = PinPolicyKind.Scatter, PerNode = 1)]
public sealed partial class Shard
{
    /// <summary>Set by <see cref="VectorServerHost"/> between <c>NumaApp.Create</c> and <c>StartAsync</c>.</summary>
    internal ShardSetup? Setup { get; set; }

    // On the pinned thread: every arena ShardEngine creates from context is bound to this worker's node before
    // first touch, so the indexes, slabs and WAL buffers live where the searches and inserts run.
    private void Run(WorkerContext context)
    {
        var setup = Setup ?? throw new InvalidOperationException("Shard.Setup was not set before the NumaApp started.");
        try
        {
            using (var engine = new ShardEngine(setup, context)) engine.Run();
            setup.Stopped.TrySetResult();
        }
        catch (Exception e)
        {
            setup.Stopped.TrySetException(e);
            throw;
        }
    }
}

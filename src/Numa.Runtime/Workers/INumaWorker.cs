// What the generator implements on each [PinnedWorker] class: the body its pinned thread runs.
using Numa.Scheduling;

namespace Numa.Workers;

/// <summary>A pinned worker's body. The source generator implements it (explicitly) on every
/// <see cref="PinnedWorkerAttribute"/> class; hand-written workers may implement it too.</summary>
public interface INumaWorker
{
    /// <summary>Runs on the worker's dedicated thread after it has pinned itself: allocates the worker's Local state
    /// in <see cref="WorkerContext.Arena"/>, then runs the worker until its inboxes complete or
    /// <see cref="WorkerContext.Stopping"/> is signalled.</summary>
    void RunWorker(WorkerContext context);
}

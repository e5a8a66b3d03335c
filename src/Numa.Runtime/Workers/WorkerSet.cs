// The planned instances of one worker type in a WorkerGraph (non-generic view).
using Numa.Scheduling;

namespace Numa.Workers;

/// <summary>The instances of one worker type: their names and where each runs. Created by
/// <see cref="WorkerGraph.AddWorkers{TWorker}"/>.</summary>
public abstract class WorkerSet
{
    private protected WorkerSet(string name, PinPolicy policy, WorkerCount count, IReadOnlyList<WorkerPlacement> placements)
    {
        Name = name;
        Policy = policy;
        CountRule = count;
        Placements = placements;
    }

    /// <summary>The worker type's name (the class name), used for thread names and descriptions.</summary>
    public string Name { get; }

    /// <summary>The pinning policy the instances were planned with.</summary>
    public PinPolicy Policy { get; }

    /// <summary>The count rule they were planned with.</summary>
    public WorkerCount CountRule { get; }

    /// <summary>Where each instance runs (index = instance).</summary>
    public IReadOnlyList<WorkerPlacement> Placements { get; }

    /// <summary>Number of instances.</summary>
    public int Count => Placements.Count;

    internal abstract INumaWorker Instance(int index);
}

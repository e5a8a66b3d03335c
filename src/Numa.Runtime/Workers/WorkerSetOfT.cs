// The planned instances of one worker type in a WorkerGraph, with the instances themselves.
using Numa.Scheduling;

namespace Numa.Workers;

/// <summary>The instances of worker type <typeparamref name="TWorker"/> (index = instance).</summary>
public sealed class WorkerSet<TWorker> : WorkerSet where TWorker : class, INumaWorker
{
    private readonly TWorker[] _instances;

    internal WorkerSet(string name, PinPolicy policy, WorkerCount count, IReadOnlyList<WorkerPlacement> placements, Func<int, TWorker> create)
        : base(name, policy, count, placements)
    {
        _instances = new TWorker[placements.Count];
        for (int i = 0; i < _instances.Length; i++)
            _instances[i] = create(i) ?? throw new InvalidOperationException($"The factory of worker {name} returned null for instance {i}.");
    }

    /// <summary>Instance <paramref name="index"/>.</summary>
    public TWorker this[int index] => _instances[index];

    /// <summary>Every instance.</summary>
    public IReadOnlyList<TWorker> Instances => _instances;

    internal override INumaWorker Instance(int index) => _instances[index];
}

// The runtime side of a generated NumaApp: plans worker instances, creates the rings between them on their producers'
// nodes, allocates interleaved shared arrays, and starts and stops every worker as one.
using Microsoft.Extensions.Logging;
using Numa.Memory;
using Numa.Scheduling;

namespace Numa.Workers;

/// <summary>
/// A graph of pinned workers and the rings between them. Everything is planned and allocated when it is built
/// (<see cref="AddWorkers{TWorker}"/>, <see cref="Connect{T}"/>, <see cref="AllocateInterleaved{T}"/>), so every
/// ring is bound to its producer's node before any thread runs; <see cref="StartAsync"/> then starts one pinned
/// thread per instance. The source generator writes the calls for a <c>NumaApp</c>; the graph can also be built by
/// hand. Not thread-safe while building.
/// </summary>
public sealed class WorkerGraph : IAsyncDisposable
{
    private readonly NumaAppOptions _options;
    private readonly List<WorkerSet> _sets = [];
    private readonly List<IRingConnection> _connections = [];
    private readonly List<string> _interleaved = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<WorkerGroup> _groups = [];
    private NumaArena? _interleavedArena;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _started;
    private bool _disposed;

    /// <summary>An empty graph on <see cref="NumaAppOptions.Platform"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The ring capacity is not a power of two ≥ 2.</exception>
    public WorkerGraph(NumaAppOptions? options = null)
    {
        _options = options ?? new NumaAppOptions();
        if (_options.RingCapacity < 2 || !System.Numerics.BitOperations.IsPow2(_options.RingCapacity))
            throw new ArgumentOutOfRangeException(nameof(options), _options.RingCapacity, "RingCapacity must be a power of two, at least 2.");
        Platform = _options.Platform ?? NumaPlatform.Current;
    }

    /// <summary>The platform the graph runs on.</summary>
    public NumaPlatform Platform { get; }

    /// <summary>Signalled by <see cref="StopAsync"/>, or by the first worker that throws: blocking sends give up and
    /// polling loops drain and return.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>The worker types, in the order they were added.</summary>
    public IReadOnlyList<WorkerSet> Sets => _sets;

    /// <summary>Completes when every worker has returned; faults with the first failure (which stops the others), or
    /// with the pinning error of a failed <see cref="StartAsync"/>. Pending before start.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Plans the instances of a worker type on this machine and creates them with <paramref name="create"/>
    /// (called with each instance index). <see cref="NumaAppOptions.Workers"/> may replace the count and policy.</summary>
    /// <exception cref="NumaConfigurationException">The count or the policy does not fit the machine.</exception>
    public WorkerSet<TWorker> AddWorkers<TWorker>(string name, PinPolicy policy, WorkerCount count, Func<int, TWorker> create)
        where TWorker : class, INumaWorker
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(create);
        ThrowIfStartedOrDisposed();
        if (_options.Workers.TryGetValue(name, out var replaced))
        {
            count = replaced.Count ?? count;
            policy = replaced.Policy ?? policy;
        }
        // PerNode workers get each node its share (PlanPerNode); under Compact they take distinct cores first within
        // their node, which is Scatter's order there.
        var planPolicy = count.Kind == WorkerCountKind.PerNode && policy.Kind == PinPolicyKind.Compact ? PinPolicy.Scatter : policy;
        int n = count.Resolve(Platform.Topology, planPolicy);     // also refuses a count below 1 with a clear message
        var plan = count.Kind == WorkerCountKind.PerNode
            ? CpuPlanner.PlanPerNode(Platform.Topology, planPolicy, count.Value, allowSharing: !Platform.PinningEnabled)
            : CpuPlanner.Plan(Platform.Topology, planPolicy, n, allowSharing: !Platform.PinningEnabled);
        var set = new WorkerSet<TWorker>(name, planPolicy, count, plan, create);
        _sets.Add(set);
        return set;
    }

    /// <summary>Creates one ring per (producer instance, consumer instance) for messages of type
    /// <typeparamref name="T"/>, each on its producer's node.</summary>
    /// <exception cref="ArgumentException">A set does not belong to this graph.</exception>
    public RingConnection<T> Connect<T>(WorkerSet producers, WorkerSet consumers, string name) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(producers);
        ArgumentNullException.ThrowIfNull(consumers);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ThrowIfStartedOrDisposed();
        if (!_sets.Contains(producers) || !_sets.Contains(consumers))
            throw new ArgumentException("Both worker sets must have been added to this graph with AddWorkers.");
        var connection = new RingConnection<T>(Platform, name, producers, consumers, _options.RingCapacity, _stopping.Token);
        _connections.Add(connection);
        return connection;
    }

    /// <summary>Allocates <paramref name="length"/> zeroed elements interleaved page by page over the nodes with
    /// memory (MPOL_INTERLEAVE), for read-mostly data shared by every worker. Fill it before <see cref="StartAsync"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is less than 1.</exception>
    public ArenaArray<T> AllocateInterleaved<T>(int length, string name) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ThrowIfStartedOrDisposed();
        var policy = Platform.Topology.MemoryNodes.Count >= 2 ? MemoryPolicy.Interleave : MemoryPolicy.Preferred;
        _interleavedArena ??= new NumaArena(Platform, new NumaArenaOptions
        {
            Policy = policy,
            Nodes = policy == MemoryPolicy.Interleave ? null : [Platform.Topology.MemoryNodes[0].Id],
        });
        var array = _interleavedArena.AllocateArray<T>(length);
        _interleaved.Add($"{name}  {typeof(T).Name}[{length}]  {NumaArena.PolicyName(policy)} over nodes {string.Join(',', _interleavedArena.ExpectedNodes)}");
        return array;
    }

    /// <summary>Starts every instance on its own pinned thread and waits until all have pinned themselves. From then
    /// on the first worker that throws stops the graph, as <see cref="StopAsync"/> does: the others' blocking sends give
    /// up and their loops drain and return, and <see cref="Completion"/> faults with the failure.</summary>
    /// <exception cref="InvalidOperationException">Already started, or disposed.</exception>
    /// <exception cref="Native.NumaNativeException">A worker could not pin itself (the others are stopped and waited
    /// for, and <see cref="Completion"/> faults with the same error).</exception>
    public async Task StartAsync()
    {
        ThrowIfStartedOrDisposed();
        _started = true;
        try
        {
            foreach (var set in _sets)
            {
                // Every worker watches the graph's own stop token, the one outboxes give up on: a worker that catches
                // that cancellation sees its context stopping too. The group is held before its workers have pinned,
                // so a failed start stops and waits for the ones that did before the rings and arenas are freed.
                var group = WorkerGroup.Launch(Platform, set.Placements, ctx => set.Instance(ctx.Index).RunWorker(ctx), set.Name,
                    owned: null, _stopping.Token);
                _groups.Add(group);
                await group.WaitStartedAsync(set.Policy).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // The pinning error is the one to report; the workers' own exits (the failed one's Completion repeats it).
            await StopAsync().ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            _completion.TrySetException(e);
            throw;
        }
        foreach (var worker in _groups.SelectMany(g => g.WorkerCompletions))
            _ = worker.ContinueWith(static (_, state) => ((WorkerGraph)state!).StopOnFailure(), this, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        _ = Task.WhenAll(_groups.Select(g => g.Completion)).ContinueWith(static (all, state) =>
        {
            var completion = (TaskCompletionSource)state!;
            if (all.Exception is { } e) completion.TrySetException(e.InnerExceptions);
            else completion.TrySetResult();
        }, _completion, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        Platform.Logger.LogInformation("Started NUMA worker graph types={Types} workers={Workers} rings={Rings} crossNodeRings={CrossNode}",
            _sets.Count, _sets.Sum(s => s.Count), _connections.Sum(c => c.Describe().Count()),
            _connections.Sum(c => c.Describe().Count(r => r.IsCrossNode)));
    }

    /// <summary>Signals every worker to stop (blocking sends give up, polling loops drain their inboxes) and waits
    /// for all of them.</summary>
    /// <exception cref="Exception">The first exception a worker threw.</exception>
    public async Task StopAsync()
    {
        if (_disposed) return;                                   // DisposeAsync stopped everything already
        await _stopping.CancelAsync().ConfigureAwait(false);
        List<Exception>? errors = null;
        foreach (var group in _groups)
        {
            try { await group.StopAsync().ConfigureAwait(false); }
            catch (Exception e) { (errors ??= []).Add(e); }
        }
        if (errors is { Count: 1 }) throw errors[0];
        if (errors != null) throw new AggregateException("Several workers failed.", errors);
    }

    /// <summary>Workers with their CPUs and nodes, rings with their nodes.</summary>
    public WorkerGraphDescription Describe() => new(
        [.. _sets.SelectMany(s => s.Placements.Select(p =>
            new WorkerDescription(s.Name, p.Worker, p.Cpu, p.Node, s.Policy.ToString(), s.CountRule.ToString())))],
        [.. _connections.SelectMany(c => c.Describe())],
        [.. _interleaved]);

    /// <summary>Which node holds each ring's pages (move_pages(2)) next to the nodes they should be on: the
    /// producer's node, or the nearest node with memory when the producer's node has none.</summary>
    public IReadOnlyList<(string Ring, IReadOnlyList<int> ExpectedNodes, PlacementSummary Pages)> QueryRingPlacement() =>
        [.. _connections.SelectMany(c => c.QueryPlacement())];

    /// <summary>Stops the workers if started, then frees the rings and shared arrays.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        try
        {
            if (_started) await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            _disposed = true;
            foreach (var group in _groups)
            {
                // A worker's failure was already thrown by StopAsync above; here only the stop signals are released.
                try { await group.DisposeAsync().ConfigureAwait(false); }
                catch (Exception) when (_started) { }
            }
            foreach (var c in _connections) c.Dispose();
            _interleavedArena?.Dispose();
            _stopping.Dispose();
        }
    }

    // A worker threw: the rest of the graph cannot go on as planned (its consumers or producers are gone).
    private void StopOnFailure()
    {
        try
        {
            _stopping.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // disposed meanwhile: everything is stopped already
        }
    }

    private void ThrowIfStartedOrDisposed()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_started) throw new InvalidOperationException("The worker graph has started; build it completely before StartAsync.");
    }
}

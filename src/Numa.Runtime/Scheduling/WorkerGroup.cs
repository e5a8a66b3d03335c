// A set of pinned workers started, logged and stopped as one.
using System.Globalization;
using Microsoft.Extensions.Logging;
using Numa.Topology;

namespace Numa.Scheduling;

/// <summary>
/// Starts <c>count</c> dedicated worker threads placed by a <see cref="PinPolicy"/>; each pins itself to its CPU
/// and then runs the body with its <see cref="WorkerContext"/>. Logs
/// <c>Started NUMA workers name=… count=N nodes=M policy=… distribution="node0=…"</c>. In overprovisioned mode the
/// workers are not pinned and may share CPUs.
/// </summary>
public sealed class WorkerGroup : IAsyncDisposable
{
    private readonly CancellationTokenSource? _ownedStopping;   // null when the caller owns the stop signal
    private readonly CancellationToken _stopping;                // what every worker's context watches
    private readonly PinnedThread[] _threads;
    private readonly NumaPlatform _platform;
    private readonly string _name;

    private WorkerGroup(NumaPlatform platform, string name, IReadOnlyList<WorkerPlacement> placements, PinnedThread[] threads,
        CancellationTokenSource? ownedStopping, CancellationToken stopping)
    {
        _platform = platform;
        _name = name;
        Placements = placements;
        _threads = threads;
        _ownedStopping = ownedStopping;
        _stopping = stopping;
    }

    /// <summary>Where each worker runs.</summary>
    public IReadOnlyList<WorkerPlacement> Placements { get; }

    /// <summary>Workers per node id: the <c>numa_worker_distribution{node}</c> gauge.</summary>
    public IReadOnlyDictionary<int, int> Distribution =>
        Placements.GroupBy(p => p.Node).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Completes when every worker has returned; faults with the first failure.</summary>
    public Task Completion => Task.WhenAll(_threads.Select(t => t.Completion));

    /// <summary>Plans, starts and waits until every worker has pinned itself.</summary>
    /// <exception cref="NumaConfigurationException">The policy does not fit (too many workers, bad cpuset).</exception>
    /// <exception cref="Native.NumaNativeException">A worker could not pin itself.</exception>
    public static Task<WorkerGroup> StartAsync(NumaPlatform platform, PinPolicy policy, int count,
        Action<WorkerContext> body, string name = "numa-worker")
    {
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(policy);
        var plan = CpuPlanner.Plan(platform.Topology, policy, count, allowSharing: !platform.PinningEnabled);
        return StartAsync(platform, policy, plan, body, name);
    }

    /// <summary>Starts one worker per entry of a plan made earlier with <see cref="CpuPlanner.Plan"/> (the generated
    /// <c>NumaApp</c> plans first, so rings can be placed on their producers' nodes before anything starts), and
    /// waits until every worker has pinned itself.</summary>
    /// <param name="platform">Topology, and whether pinning is on (off in overprovisioned mode).</param>
    /// <param name="policy">The policy the plan was made with; only logged.</param>
    /// <param name="plan">One worker per entry: its index, CPU and node.</param>
    /// <param name="body">What each worker runs on its pinned thread.</param>
    /// <param name="name">Thread name prefix ("{name}-{index}") and log name.</param>
    /// <param name="stopping">When given, the caller owns the stop signal: every worker's
    /// <see cref="WorkerContext.Stopping"/> is exactly this token (so a worker that catches the cancellation of a
    /// blocking call made with the same token sees its own context stopping too), and the caller cancels it before
    /// <see cref="StopAsync"/>. If a worker cannot pin itself, the error is thrown at once and the caller cancels the
    /// token to stop the workers that did start. When not given, the group owns its stop signal.</param>
    /// <exception cref="Native.NumaNativeException">A worker could not pin itself.</exception>
    public static async Task<WorkerGroup> StartAsync(NumaPlatform platform, PinPolicy policy, IReadOnlyList<WorkerPlacement> plan,
        Action<WorkerContext> body, string name = "numa-worker", CancellationToken stopping = default)
    {
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(body);
        var owned = stopping.CanBeCanceled ? null : new CancellationTokenSource();
        var group = Launch(platform, plan, body, name, owned, owned?.Token ?? stopping);
        try
        {
            await group.WaitStartedAsync(policy).ConfigureAwait(false);
        }
        catch
        {
            // A worker could not pin itself: stop the others (or leave that to the owner of the stop signal), then
            // report the pinning error (rethrown below); their own exit is secondary.
            if (owned is null) throw;
            await owned.CancelAsync().ConfigureAwait(false);
            await group.Completion.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            owned.Dispose();
            throw;
        }
        return group;
    }

    /// <summary>Starts the threads of <paramref name="plan"/> without waiting for them to pin: the caller (the worker
    /// graph) holds the group before it waits with <see cref="WaitStartedAsync"/>, so that when one worker cannot pin,
    /// it can still stop and wait for the ones that did before it frees what they use.</summary>
    internal static WorkerGroup Launch(NumaPlatform platform, IReadOnlyList<WorkerPlacement> plan, Action<WorkerContext> body,
        string name, CancellationTokenSource? owned, CancellationToken stopping)
    {
        bool pin = platform.PinningEnabled;
        var threads = new PinnedThread[plan.Count];
        for (int i = 0; i < plan.Count; i++)
        {
            var placement = plan[i];
            threads[i] = PinnedThread.Start(string.Create(CultureInfo.InvariantCulture, $"{name}-{i}"),
                pin ? CpuSet.Of(placement.Cpu) : null,
                () =>
                {
                    using var ctx = new WorkerContext(platform, placement, pin, stopping);
                    body(ctx);
                });
        }
        return new WorkerGroup(platform, name, plan, threads, owned, stopping);
    }

    /// <summary>Waits until every worker has pinned itself, then logs the group.</summary>
    /// <exception cref="Native.NumaNativeException">A worker could not pin itself.</exception>
    internal async Task WaitStartedAsync(PinPolicy policy)
    {
        await Task.WhenAll(_threads.Select(t => t.Started)).ConfigureAwait(false);
        _platform.Logger.LogInformation("Started NUMA workers name={Name} count={Count} nodes={Nodes} policy={Policy} pinned={Pinned} distribution=\"{Distribution}\"",
            _name, Placements.Count, Distribution.Count, policy.ToString(), _platform.PinningEnabled,
            string.Join(' ', Distribution.Select(kv => string.Create(CultureInfo.InvariantCulture, $"node{kv.Key}={kv.Value}"))));
    }

    /// <summary>Each worker's own completion (faults with what its body threw), for a graph that stops on a failure.</summary>
    internal IEnumerable<Task> WorkerCompletions => _threads.Select(t => t.Completion);

    /// <summary>Signals every worker to stop (when the group owns its stop signal) and waits for them to return.</summary>
    /// <exception cref="InvalidOperationException">The caller owns the stop signal and has not cancelled it.</exception>
    /// <exception cref="Exception">The first exception a worker's body threw.</exception>
    public async Task StopAsync()
    {
        if (_ownedStopping is not null) await _ownedStopping.CancelAsync().ConfigureAwait(false);
        else if (!_stopping.IsCancellationRequested)
            throw new InvalidOperationException("This group was started with a caller's stop token; cancel that token, then stop the group.");
        await Completion.ConfigureAwait(false);
    }

    /// <summary>Stops the workers (see <see cref="StopAsync"/>) and releases the stop signal the group owns. With a
    /// caller's stop token that is not cancelled yet, the workers keep running and nothing is awaited.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_ownedStopping is null && !_stopping.IsCancellationRequested) return;
        try { await StopAsync().ConfigureAwait(false); }
        finally { _ownedStopping?.Dispose(); }
    }
}

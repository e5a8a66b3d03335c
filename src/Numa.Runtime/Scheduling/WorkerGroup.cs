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
    private readonly CancellationTokenSource _stopping;
    private readonly PinnedThread[] _threads;

    private WorkerGroup(IReadOnlyList<WorkerPlacement> placements, PinnedThread[] threads, CancellationTokenSource stopping)
    {
        Placements = placements;
        _threads = threads;
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
    /// waits until every worker has pinned itself. <paramref name="policy"/> is only logged.</summary>
    /// <exception cref="Native.NumaNativeException">A worker could not pin itself.</exception>
    public static async Task<WorkerGroup> StartAsync(NumaPlatform platform, PinPolicy policy, IReadOnlyList<WorkerPlacement> plan,
        Action<WorkerContext> body, string name = "numa-worker")
    {
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(body);
        bool pin = platform.PinningEnabled;
        var stopping = new CancellationTokenSource();
        var threads = new PinnedThread[plan.Count];
        for (int i = 0; i < plan.Count; i++)
        {
            var placement = plan[i];
            threads[i] = PinnedThread.Start(string.Create(CultureInfo.InvariantCulture, $"{name}-{i}"),
                pin ? CpuSet.Of(placement.Cpu) : null,
                () =>
                {
                    using var ctx = new WorkerContext(platform, placement, pin, stopping.Token);
                    body(ctx);
                });
        }
        var group = new WorkerGroup(plan, threads, stopping);
        try
        {
            await Task.WhenAll(threads.Select(t => t.Started)).ConfigureAwait(false);
        }
        catch
        {
            // A worker could not pin itself: stop the others, then report the pinning error (rethrown below);
            // their own exit is secondary.
            await stopping.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(threads.Select(t => t.Completion)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            stopping.Dispose();
            throw;
        }
        platform.Logger.LogInformation("Started NUMA workers name={Name} count={Count} nodes={Nodes} policy={Policy} pinned={Pinned} distribution=\"{Distribution}\"",
            name, plan.Count, group.Distribution.Count, policy.ToString(), pin,
            string.Join(' ', group.Distribution.Select(kv => string.Create(CultureInfo.InvariantCulture, $"node{kv.Key}={kv.Value}"))));
        return group;
    }

    /// <summary>Signals every worker to stop and waits for them to return.</summary>
    /// <exception cref="Exception">The first exception a worker's body threw.</exception>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Completion.ConfigureAwait(false);
    }

    /// <summary>Stops the workers (see <see cref="StopAsync"/>) and releases the stop signal.</summary>
    public async ValueTask DisposeAsync()
    {
        try { await StopAsync().ConfigureAwait(false); }
        finally { _stopping.Dispose(); }
    }
}

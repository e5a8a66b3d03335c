// A dedicated thread that pins itself to its CPUs as its first act, then runs its body.
using Numa.Topology;

namespace Numa.Scheduling;

/// <summary>
/// A dedicated (non-pool) thread that pins <i>itself</i> with sched_setaffinity(2) before running its body.
/// Pinning from inside is required: CoreCLR starts each thread with the main thread's mask, and pinning from
/// outside would need the kernel thread id. <see cref="Started"/> completes once the thread is pinned (or faults
/// when pinning fails, in which case the body never runs); <see cref="Completion"/> completes when the body returns.
/// </summary>
public sealed class PinnedThread
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;

    private PinnedThread(string name, CpuSet? cpus, Action body)
    {
        Cpus = cpus;
        _thread = new Thread(() => Run(body)) { Name = name, IsBackground = true };
    }

    /// <summary>Starts a thread named <paramref name="name"/> that pins itself to <paramref name="cpus"/>
    /// (no pinning when null: overprovisioned mode) and then runs <paramref name="body"/>.</summary>
    public static PinnedThread Start(string name, CpuSet? cpus, Action body)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(body);
        if (cpus is { IsEmpty: true }) throw new ArgumentException("Cannot pin a thread to an empty CPU set.", nameof(cpus));
        var t = new PinnedThread(name, cpus, body);
        t._thread.Start();
        return t;
    }

    /// <summary>The CPUs the thread pins itself to; null when it does not pin.</summary>
    public CpuSet? Cpus { get; }

    /// <summary>The thread's name.</summary>
    public string Name => _thread.Name!;

    /// <summary>Completes when the thread has pinned itself; faults with the pinning error.</summary>
    public Task Started => _started.Task;

    /// <summary>Completes when the body returns; faults with the body's (or pinning's) exception.</summary>
    public Task Completion => _completion.Task;

    private void Run(Action body)
    {
        try
        {
            if (Cpus is not null) ThreadAffinity.PinCurrentThread(Cpus);
            _started.SetResult();
        }
        catch (Exception e)
        {
            _started.SetException(e);
            _completion.SetException(e);
            return;
        }
        try
        {
            body();
            _completion.SetResult();
        }
        catch (Exception e)
        {
            _completion.SetException(e);
        }
    }
}

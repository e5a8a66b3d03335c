// Dedicated threads pinned to distinct CPUs that run one round of work per benchmark invocation, so
// producer/consumer and contention benchmarks measure cores talking to each other, not thread start-up.
// BenchmarkDotNet's own thread only starts the round and waits; it is never pinned.
using Numa.Scheduling;
using Numa.Topology;

namespace Numa.Benchmarks;

internal sealed class PinnedTeam : IDisposable
{
    private readonly SemaphoreSlim[] _go;
    private readonly CountdownEvent _done;
    private readonly PinnedThread[] _threads;
    private volatile bool _stopping;
    private readonly Action<int> _body;

    /// <summary>Starts <paramref name="members"/> threads, member i pinned to the i-th allowed CPU (wrapping).</summary>
    internal PinnedTeam(int members, Action<int> body)
    {
        _body = body;
        _go = [.. Enumerable.Range(0, members).Select(_ => new SemaphoreSlim(0))];
        _done = new CountdownEvent(members);
        var cpus = NumaPlatform.Current.Topology.AllowedCpus;
        _threads = new PinnedThread[members];
        for (int i = 0; i < members; i++)
        {
            int member = i;
            _threads[i] = PinnedThread.Start($"bench-{i}", CpuSet.Of(cpus[i % cpus.Count]), () => Loop(member));
        }
        Task.WhenAll(_threads.Select(t => t.Started)).GetAwaiter().GetResult();
    }

    private void Loop(int member)
    {
        while (true)
        {
            _go[member].Wait();
            if (_stopping) return;
            _body(member);
            _done.Signal();
        }
    }

    /// <summary>Runs the body once on every member and waits for all of them.</summary>
    internal void RunRound()
    {
        _done.Reset();
        foreach (var go in _go) go.Release();
        _done.Wait();
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var go in _go) go.Release();
        Task.WhenAll(_threads.Select(t => t.Completion)).GetAwaiter().GetResult();
    }
}

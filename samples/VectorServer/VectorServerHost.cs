// Starts and stops the vector server as one: plans the shard workers (generated NumaApp), opens the catalog, lets
// every shard recover on its own node, then opens the admin API and the Flight servers; stops in the reverse order
// (stop accepting, drain the shards' queues, flush the WALs, snapshot, exit).
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Numa.Flight;
using Numa.Hosting;
using Numa.Topology;
using Numa.Workers;

namespace Numa.VectorServer;

/// <summary>
/// A running vector server. <see cref="StartAsync"/> returns once every shard has recovered and both Flight servers
/// listen; <see cref="StopAsync"/> is the graceful shutdown (what SIGTERM/SIGINT run under <c>numa serve</c>).
/// </summary>
public sealed class VectorServerHost : IAsyncDisposable
{
    private readonly NumaApp _app;
    private readonly ShardSetup[] _shards;
    private readonly ServerMetrics _metrics;
    private readonly PrometheusExporter _exporter;
    private readonly ILogger _log;
    private AdminServer? _admin;
    private FlightServer? _flight;
    private int _stopped;

    private VectorServerHost(VectorServerOptions options, NumaPlatform platform, NumaApp app, ShardSetup[] shards, Catalog catalog,
        ServerMetrics metrics, PrometheusExporter exporter, PlacementStrategyState strategy, ILogger log)
    {
        Strategy = strategy;
        Options = options;
        Platform = platform;
        _app = app;
        _shards = shards;
        Catalog = catalog;
        _metrics = metrics;
        _exporter = exporter;
        _log = log;
        Backend = new ShardedBackend(catalog, shards, metrics, options, platform);
    }

    /// <summary>The settings the server runs with.</summary>
    public VectorServerOptions Options { get; }

    /// <summary>Topology, cpuset and whether pinning and binding are on.</summary>
    public NumaPlatform Platform { get; }

    internal Catalog Catalog { get; }

    internal ShardedBackend Backend { get; }

    internal IReadOnlyList<ShardSetup> Shards => _shards;

    internal PrometheusExporter Exporter => _exporter;

    internal PlacementStrategyState Strategy { get; }

    private volatile bool _ready;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True between the end of startup and the start of shutdown or the failure of a shard (<c>/readyz</c>).</summary>
    public bool IsReady => _ready;

    /// <summary>How long startup took (shard recovery included).</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>How each shard came back.</summary>
    internal IReadOnlyList<ShardRecovery> Recoveries { get; private set; } = [];

    /// <summary>The Flight data server's address.</summary>
    public Uri DataAddress => _flight?.DataAddress ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>The Flight meta server's address.</summary>
    public Uri MetaAddress => _flight?.MetaAddress ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>The admin API's address.</summary>
    public Uri AdminAddress => _admin?.Address ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>Faults as soon as one shard fails (with its error; the server is then no longer ready); completes when
    /// every shard has stopped after <see cref="StopAsync"/>.</summary>
    public Task Completion => _completion.Task;

    private void WatchShards()
    {
        foreach (var shard in _shards)
            shard.Stopped.Task.ContinueWith(t =>
            {
                _ready = false;
                _completion.TrySetException(t.Exception!.InnerExceptions);
            }, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        // A worker that could not even start its body (pinning failed) shows only in the app's completion.
        _app.Completion.ContinueWith(t =>
        {
            if (t.Exception is { } e)
            {
                _ready = false;
                _completion.TrySetException(e.InnerExceptions);
            }
            else _completion.TrySetResult();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The planned worker graph plus the shards' inbox rings (what <c>numa graph --server</c> prints).</summary>
    public WorkerGraphDescription Describe()
    {
        var graph = _app.Describe();
        // Producer node -1: the senders are Kestrel threads on any node (their crossings are counted by the inbox).
        var inboxes = _shards.Select(s => new RingDescription($"Flight -> Shard[{s.Shard}]", "job handle (MPSC)", "Flight/admin threads",
            $"Shard[{s.Shard}]", -1, s.Inbox.Node, s.Inbox.Node, s.Inbox.Capacity));
        return graph with { Rings = [.. graph.Rings, .. inboxes] };
    }

    /// <summary>Starts the server with <paramref name="options"/>.</summary>
    /// <exception cref="VectorServerConfigurationException">A setting is invalid, or the data directory does not fit it.</exception>
    /// <exception cref="NumaConfigurationException">The shard count or policy does not fit the machine.</exception>
    /// <exception cref="IOException">A port cannot be bound, or the data directory cannot be read.</exception>
    public static async Task<VectorServerHost> StartAsync(VectorServerOptions options, ILoggerFactory loggers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        options.Validate();
        var started = Stopwatch.StartNew();
        var log = loggers.CreateLogger("Numa.VectorServer");
        var platform = NumaPlatform.Create(new NumaPlatformOptions
        {
            Cpuset = options.Cpuset is { } cpus ? ParseCpuset(cpus) : null,
            Overprovisioned = options.Overprovisioned,
        }, loggers.CreateLogger("Numa"));
        var app = NumaApp.Create(new NumaAppOptions
        {
            Platform = platform,
            Workers = new Dictionary<string, WorkerOverride> { ["Shard"] = new(options.ShardCount, options.PinPolicy) },
        });
        var metrics = new ServerMetrics();
        var exporter = new PrometheusExporter(metrics.Exports);
        var shards = new ShardSetup[app.Shard.Count];
        var strategy = new PlacementStrategyState(options.PlacementStrategy);
        VectorServerHost? host = null;
        try
        {
            string data = Path.GetFullPath(options.DataDirectory);
            var catalog = Catalog.Open(data, shards.Length);
            for (int i = 0; i < shards.Length; i++)
            {
                var placement = app.Shard.Placements[i];
                shards[i] = new ShardSetup
                {
                    Shard = i,
                    Directory = Path.Combine(data, $"shard-{i}"),
                    Options = options,
                    Inbox = new ShardInbox(platform, i, placement.Node, options.QueueCapacity),
                    Catalog = catalog,
                    Logger = log,
                    Metrics = metrics,
                    Platform = platform,
                    Strategy = strategy,
                    SnapshotOnShutdown = options.SnapshotOnShutdown,
                    Node = placement.Node,
                };
                app.Shard[i].Setup = shards[i];
            }
            metrics.Observe([.. shards.Select((s, i) => (s, app.Shard.Placements[i].Node))]);
            host = new VectorServerHost(options, platform, app, shards, catalog, metrics, exporter, strategy, log);
            var address = options.ListenAddress;
            host._admin = await AdminServer.StartAsync(host, new IPEndPoint(address, options.AdminPort), loggers).ConfigureAwait(false);

            await app.StartAsync().ConfigureAwait(false);
            host.WatchShards();
            // A shard that fails while recovering faults its Ready; one that exits early completes the app.
            var ready = Task.WhenAll(shards.Select(s => s.Ready.Task));
            await Task.WhenAny(ready, host.Completion).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!ready.IsCompleted)
            {
                await host.Completion.ConfigureAwait(false);     // throws what stopped the shard
                throw new InvalidOperationException("A shard worker stopped during startup.");
            }
            host.Recoveries = await ready.ConfigureAwait(false);
            catalog.DropCompleted(catalog.Dropping());            // every shard has recovered and logged its discards

            host._flight = await FlightServer.StartAsync(host.Backend, new FlightServerOptions
            {
                DataEndPoint = new IPEndPoint(address, options.DataPort),
                MetaEndPoint = new IPEndPoint(address, options.MetaPort),
                BearerToken = options.Token,
                MaxReceiveMessageSize = options.MaxMessageBytes,
                LoggerFactory = loggers,
            }, cancellationToken).ConfigureAwait(false);
            host.StartupTime = started.Elapsed;
            host._ready = !host.Completion.IsCompleted;
            log.LogInformation("Numa vector server ready in {Seconds:F2} s: Flight data {Data}, meta {Meta}, admin {Admin}; {Shards} shards on nodes [{Nodes}]; {Rows} rows restored; data in {Directory}",
                started.Elapsed.TotalSeconds, host.DataAddress, host.MetaAddress, host.AdminAddress, shards.Length,
                string.Join(',', app.Shard.Placements.Select(p => p.Node)), host.Recoveries.Sum(r => r.Rows), data);
            return host;
        }
        catch
        {
            if (host is not null) await host.StopAsync(snapshot: false).ConfigureAwait(false);
            else
            {
                foreach (var s in shards) s?.Inbox.Close();
                await app.DisposeAsync().ConfigureAwait(false);
                foreach (var s in shards) s?.Inbox.Dispose();
                exporter.Dispose();
                metrics.Dispose();
            }
            throw;
        }
    }

    private static CpuSet ParseCpuset(string text)
    {
        try
        {
            return CpuSet.Parse(text);
        }
        catch (FormatException e)
        {
            throw new VectorServerConfigurationException($"Cpuset = '{text}': {e.Message} (use a list like 0-3,8).");
        }
    }

    /// <summary>Graceful shutdown: not ready; the Flight servers stop accepting (in-flight calls end UNAVAILABLE);
    /// each shard drains its queue, flushes its WAL and (unless <paramref name="snapshot"/> is false or
    /// <see cref="VectorServerOptions.SnapshotOnShutdown"/> is off) snapshots; then the admin API stops.</summary>
    public async Task StopAsync(bool snapshot = true)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        _ready = false;
        var started = Stopwatch.StartNew();
        if (_flight is not null) await _flight.DisposeAsync().ConfigureAwait(false);
        foreach (var s in _shards)
        {
            if (!snapshot) s.SnapshotOnShutdown = false;
            s.Inbox.Close();
        }
        try
        {
            await _app.Completion.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _log.LogError(e, "A shard failed (it wrote no snapshot; the next start replays its WAL)");
        }
        try
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception) when (_app.Completion.IsFaulted)
        {
            // The same failure, reported above.
        }
        if (_admin is not null) await _admin.DisposeAsync().ConfigureAwait(false);
        foreach (var s in _shards) s.Inbox.Dispose();
        _exporter.Dispose();
        _metrics.Dispose();
        _log.LogInformation("Numa vector server stopped in {Seconds:F2} s", started.Elapsed.TotalSeconds);
    }

    /// <summary>Same as <see cref="StopAsync"/>.</summary>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}

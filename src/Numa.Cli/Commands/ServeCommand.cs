// `numa serve`: the vector server under the Generic Host — settings from appsettings.json, NUMA_* environment
// variables and the command line (later wins), graceful shutdown on SIGTERM/SIGINT, exit 0 after a clean stop.
using System.CommandLine;
using System.CommandLine.Invocation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Numa.VectorServer;

namespace Numa.Cli.Commands;

internal static class ServeCommand
{
    private static readonly Option<string?> Data = new("--data") { Description = "Data directory (catalog, WALs, snapshots, graphs). Default ./data." };
    private static readonly Option<string?> Listen = new("--listen") { Description = "Address to listen on. Default 127.0.0.1 (loopback only); 0.0.0.0 opens the server to the network." };
    private static readonly Option<int?> DataPort = new("--data-port") { Description = "Flight data server port. Default 3000 (0: any free port)." };
    private static readonly Option<int?> MetaPort = new("--meta-port") { Description = "Flight meta server port. Default 3001." };
    private static readonly Option<int?> AdminPort = new("--admin-port") { Description = "Admin API and /metrics port. Default 9090." };
    private static readonly Option<string?> Shards = new("--shards") { Description = "per-node (default), per-cpu, or a count." };
    private static readonly Option<string?> Policy = new("--policy") { Description = "Shard pinning: scatter (default) or compact." };
    private static readonly Option<string?> Token = new("--token") { Description = "Require 'authorization: Bearer TOKEN' on Flight and /api calls." };
    private static readonly Option<string?> Durability = new("--durability") { Description = "WAL durability: always (default), interval:MS, none." };
    private static readonly Option<string?> Strategy = new("--strategy") { Description = "Placement of new collections: local_node (default), round_robin, most_memory, disabled." };
    private static readonly Option<FileInfo?> Config = new("--config") { Description = "Settings file. Default ./appsettings.json when present." };

    internal static Command Create()
    {
        var command = new Command("serve",
            "Run the NUMA-sharded vector server: Arrow Flight data (127.0.0.1:3000) and meta (:3001) servers, admin API and " +
            "Prometheus /metrics (:9090), one pinned shard per NUMA node owning its HNSW index, vector slabs and WAL on its node. " +
            "Settings: appsettings.json, NUMA_* environment variables (e.g. NUMA_SHARDS=per-cpu), then these options. " +
            "SIGTERM or Ctrl+C stops it gracefully (drain, flush, snapshot).");
        foreach (var option in new Option[] { Data, Listen, DataPort, MetaPort, AdminPort, Shards, Policy, Token, Durability, Strategy, Config })
            command.Options.Add(option);
        command.Action = new ServeAction();
        return command;
    }

    // ClearsParseErrors: a bad option value (--data-port abc) is a wrong setting like NUMA_DATAPORT=abc: one line per
    // error and exit 2 (System.CommandLine's own parse-error action exits 1, which here means a start that failed).
    private sealed class ServeAction : AsynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default)
        {
            if (parseResult.Errors.Count == 0) return RunAsync(parseResult);
            foreach (var error in parseResult.Errors) Console.Error.WriteLine($"numa serve: {error.Message}");
            Console.Error.WriteLine("See 'numa serve --help'.");
            return Task.FromResult(2);
        }
    }

    private static async Task<int> RunAsync(ParseResult result)
    {
        if (result.GetValue(CommonOptions.SysfsRoot) is { } sysfs)
        {
            // A fixture tree plans workers for CPUs this machine may not have; the server pins real threads.
            Console.Error.WriteLine($"numa serve: --sysfs-root {sysfs} is for topology, check and graph; the server runs on this machine's own topology.");
            return 2;
        }
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = Environment.CurrentDirectory,
        });
        string configFile = result.GetValue(Config)?.FullName ?? Path.Combine(Environment.CurrentDirectory, "appsettings.json");
        if (result.GetValue(Config) is { Exists: false } missing)
        {
            Console.Error.WriteLine($"numa serve: the settings file {missing.FullName} does not exist.");
            return 2;
        }
        try
        {
            builder.Configuration.AddJsonFile(configFile, optional: true);   // read here: a broken file throws now
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"numa serve: the settings file {configFile} is not valid JSON: {e.InnerException?.Message ?? e.Message}");
            return 2;
        }
        builder.Configuration
            .AddEnvironmentVariables("NUMA_")
            .AddInMemoryCollection(CommandLineSettings(result));
        builder.Logging.ClearProviders()
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
            .SetMinimumLevel(result.GetValue(CommonOptions.Verbose) ? LogLevel.Debug : LogLevel.Information)
            .AddFilter("Microsoft", LogLevel.Warning)
            // The host logs a failed start with the exception's stack trace before RunAsync throws it; the catches below
            // report every such failure in one line (a cpuset outside the allowed CPUs is the user's to fix, not a crash).
            .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(5));   // a snapshot of a large index takes a while

        var options = new VectorServerOptions();
        try
        {
            builder.Configuration.Bind(options);
            options.Validate();
        }
        catch (Exception e) when (e is VectorServerConfigurationException or InvalidOperationException)
        {
            Console.Error.WriteLine($"numa serve: {e.Message}");
            return 2;
        }
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<VectorServerService>();
        builder.Services.AddHostedService(s => s.GetRequiredService<VectorServerService>());
        using var host = builder.Build();
        var service = host.Services.GetRequiredService<VectorServerService>();
        try
        {
            await host.RunAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is VectorServerConfigurationException or NumaConfigurationException or Topology.NumaTopologyException)
        {
            Console.Error.WriteLine($"numa serve: {e.Message}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("numa serve: stopped during startup.");
            return 1;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Storage that cannot be read (IOException, WalException, SnapshotException, InvalidDataException, a
            // corrupt saved graph), a port in use, a shard that failed while recovering: say what, exit 1.
            Console.Error.WriteLine($"numa serve: cannot start: {e.Message}");
            if (e.InnerException is { } inner) Console.Error.WriteLine($"  caused by: {inner.Message}");
            return 1;
        }
        return service.ExitCode;
    }

    // Only the options given: an absent option leaves the file's or the environment's value.
    private static Dictionary<string, string?> CommandLineSettings(ParseResult result)
    {
        var settings = new Dictionary<string, string?>();
        void Set(string key, object? value)
        {
            if (value is not null) settings[key] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
        }
        Set(nameof(VectorServerOptions.DataDirectory), result.GetValue(Data));
        Set(nameof(VectorServerOptions.Listen), result.GetValue(Listen));
        Set(nameof(VectorServerOptions.DataPort), result.GetValue(DataPort));
        Set(nameof(VectorServerOptions.MetaPort), result.GetValue(MetaPort));
        Set(nameof(VectorServerOptions.AdminPort), result.GetValue(AdminPort));
        Set(nameof(VectorServerOptions.Shards), result.GetValue(Shards));
        Set(nameof(VectorServerOptions.Policy), result.GetValue(Policy));
        Set(nameof(VectorServerOptions.Token), result.GetValue(Token));
        Set(nameof(VectorServerOptions.Durability), result.GetValue(Durability));
        Set(nameof(VectorServerOptions.Strategy), result.GetValue(Strategy));
        Set(nameof(VectorServerOptions.Cpuset), result.GetValue(CommonOptions.Cpuset));
        if (result.GetValue(CommonOptions.Overprovisioned)) Set(nameof(VectorServerOptions.Overprovisioned), true);
        return settings;
    }

    // The hosted service: starts the server with the host, stops it gracefully with the host, and stops the host with
    // exit code 1 when a shard worker fails on its own.
    private sealed class VectorServerService(VectorServerOptions options, ILoggerFactory loggers, IHostApplicationLifetime lifetime) : IHostedService
    {
        private VectorServerHost? _server;

        public int ExitCode { get; private set; }

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            _server = await VectorServerHost.StartAsync(options, loggers, cancellationToken).ConfigureAwait(false);
            _ = _server.Completion.ContinueWith(t =>
            {
                loggers.CreateLogger("Numa.VectorServer").LogCritical(t.Exception, "A shard worker stopped; shutting the server down");
                ExitCode = 1;
                lifetime.StopApplication();
            }, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (_server is not null) await _server.StopAsync().ConfigureAwait(false);
        }
    }
}

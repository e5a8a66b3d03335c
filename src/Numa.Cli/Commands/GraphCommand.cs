// `numa graph APP.dll`: loads an application built with the Numa generator, plans its generated NumaApp on this
// machine (or on --sysfs-root's topology) without starting it, and prints every worker with its CPU and node and
// every ring with the node its memory is on; or, with --server, asks a running `numa serve` for its graph.
using System.CommandLine;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Numa.Workers;

namespace Numa.Cli.Commands;

internal static class GraphCommand
{
    private static readonly Argument<FileInfo?> Assembly = new("assembly")
    {
        Description = "The application's assembly (bin/.../App.dll), built with Numa.Runtime's generator.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<string?> Server = new("--server")
    {
        Description = "Instead of an assembly: the admin address of a running `numa serve` (e.g. http://127.0.0.1:9090); prints its workers and rings as they run.",
    };

    private static readonly Option<string?> Token = new("--token") { Description = "Bearer token of the server's admin API (default: $NUMA_TOKEN)." };

    private static readonly Option<bool> Json = new("--json") { Description = "Print the graph as JSON." };

    internal static Command Create()
    {
        var command = new Command("graph", "Plan an application's generated NumaApp on this machine and print its workers (CPU, node) and rings (memory node); " +
            "with --server, show a running server's graph (its shards and their inbox rings).");
        command.Arguments.Add(Assembly);
        command.Options.Add(Json);
        command.Options.Add(Server);
        command.Options.Add(Token);
        command.SetAction(result => CommonOptions.Run(() =>
        {
            if (result.GetValue(Server) is { } server)
            {
                var running = FromServer(server, result.GetValue(Token) ?? Environment.GetEnvironmentVariable("NUMA_TOKEN"));
                Console.Out.Write(result.GetValue(Json) ? JsonSerializer.Serialize(running, new JsonSerializerOptions { WriteIndented = true }) + "\n" : running.ToText());
                return 0;
            }
            if (result.GetValue(Assembly) is null) throw new NumaConfigurationException("give the application's assembly, or --server ADDRESS for a running server.");
            using var loggers = CommonOptions.CreateLoggerFactory(result, LogLevel.Warning);
            var platform = CommonOptions.CreatePlatform(result, loggers.CreateLogger("Numa"));
            var description = Describe(result.GetValue(Assembly)!, platform);
            Console.Out.Write(result.GetValue(Json)
                ? JsonSerializer.Serialize(description, new JsonSerializerOptions { WriteIndented = true }) + "\n"
                : description.ToText());
            return 0;
        }));
        return command;
    }

    /// <summary>GET /api/v1/numa/graph of a running server.</summary>
    /// <exception cref="NumaConfigurationException">The server cannot be reached, refuses, or answers something else.</exception>
    internal static WorkerGraphDescription FromServer(string address, string? token)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new NumaConfigurationException($"--server '{address}' is not an http:// address (e.g. http://127.0.0.1:9090).");
        using var http = new HttpClient { BaseAddress = uri, Timeout = TimeSpan.FromSeconds(30) };
        if (token is { Length: > 0 }) http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        try
        {
            using var response = http.GetAsync("/api/v1/numa/graph").GetAwaiter().GetResult();
            string body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode)
                throw new NumaConfigurationException($"{uri} answered {(int)response.StatusCode} {response.ReasonPhrase}: {body.Trim()}");
            return JsonSerializer.Deserialize<WorkerGraphDescription>(body)
                ?? throw new NumaConfigurationException($"{uri} answered an empty graph.");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            throw new NumaConfigurationException($"Cannot read the graph of {uri}: {e.Message}");
        }
    }

    /// <exception cref="NumaConfigurationException">The file is missing, not loadable, or has no generated NumaApp.</exception>
    internal static WorkerGraphDescription Describe(FileInfo file, NumaPlatform platform)
    {
        if (!file.Exists) throw new NumaConfigurationException($"{file.FullName} does not exist; pass the application's built assembly (bin/<config>/net10.0/App.dll).");
        var context = new AppLoadContext(file.FullName);
        Assembly assembly;
        try
        {
            assembly = context.LoadFromAssemblyPath(file.FullName);
        }
        catch (BadImageFormatException e)
        {
            throw new NumaConfigurationException($"{file.FullName} is not a .NET assembly: {e.Message}");
        }
        var create = assembly.GetTypes()
            .Where(t => t.Name == "NumaApp")
            .Select(t => t.GetMethod("Create", BindingFlags.Public | BindingFlags.Static, [typeof(NumaAppOptions)]))
            .FirstOrDefault(m => m is not null)
            ?? throw new NumaConfigurationException($"{file.Name} has no generated NumaApp: it must reference Numa.Runtime (with its generator) and declare [PinnedWorker] classes.");
        object app;
        try
        {
            app = create.Invoke(null, [new NumaAppOptions { Platform = platform }])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
        var graph = (WorkerGraph)app.GetType().GetProperty("Graph")!.GetValue(app)!;
        try
        {
            return graph.Describe();
        }
        finally
        {
            ((IAsyncDisposable)app).DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Resolves the application's own dependencies from its deps.json, but shares Numa.Runtime with this
    /// tool, so the generated code and the tool agree on the runtime's types.</summary>
    private sealed class AppLoadContext(string path) : AssemblyLoadContext("numa-graph")
    {
        private readonly AssemblyDependencyResolver _resolver = new(path);

        protected override Assembly? Load(AssemblyName name)
        {
            if (name.Name == typeof(WorkerGraph).Assembly.GetName().Name) return null;
            string? resolved = _resolver.ResolveAssemblyToPath(name);
            return resolved is null ? null : LoadFromAssemblyPath(resolved);
        }
    }
}

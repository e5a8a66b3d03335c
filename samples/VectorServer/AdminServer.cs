// The admin API and Prometheus endpoint (HTTP/1.1, Kestrel): health, readiness, /metrics, and seed 002's NUMA
// endpoints — topology, per-node stats with a placement check of each shard's memory, the placement strategy —
// plus the running worker graph for `numa graph --server`.
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Numa.Hosting;
using Numa.Topology;

namespace Numa.VectorServer;

/// <summary>
/// <list type="table">
/// <item><c>GET /healthz</c> — 200 while the process serves HTTP.</item>
/// <item><c>GET /readyz</c> — 200 once every shard recovered and Flight listens; 503 before and during shutdown.</item>
/// <item><c>GET /metrics</c> — Prometheus text format (meters Numa.Server, Numa.Grpc, Numa.Messaging).</item>
/// <item><c>GET /api/v1/numa/topology</c> — the document of <c>numa topology --json</c>.</item>
/// <item><c>GET /api/v1/numa/stats</c> — per node: shards, vectors, memory, searches, and where the pages of
/// each shard's indexes and WAL buffers are (<c>move_pages(2)</c>) against the node they should be on.</item>
/// <item><c>GET|POST /api/v1/numa/strategy</c> — the placement strategy for new collections, body
/// <c>{"strategy":"local_node|round_robin|most_memory|disabled"}</c>.</item>
/// <item><c>GET /api/v1/numa/graph</c> — workers, CPUs, nodes and rings (JSON of <see cref="Workers.WorkerGraphDescription"/>).</item>
/// </list>
/// With a token, <c>/api/*</c> needs <c>authorization: Bearer &lt;token&gt;</c> (401 otherwise). Request bodies are
/// limited to 64 KiB.
/// </summary>
internal sealed class AdminServer : IAsyncDisposable
{
    private const int MaxBodyBytes = 64 * 1024;
    private readonly WebApplication _app;
    private readonly VectorServerHost _host;
    private readonly byte[]? _token;   // the bearer token's UTF-8 bytes; null: no token needed

    private AdminServer(WebApplication app, VectorServerHost host)
    {
        _app = app;
        _host = host;
        _token = host.Options.Token is { Length: > 0 } token ? System.Text.Encoding.UTF8.GetBytes(token) : null;
    }

    /// <summary>The address clients use, e.g. <c>http://127.0.0.1:9090</c>.</summary>
    public Uri Address { get; private set; } = null!;

    /// <exception cref="IOException">The endpoint cannot be bound.</exception>
    public static async Task<AdminServer> StartAsync(VectorServerHost host, IPEndPoint endPoint, ILoggerFactory loggers)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxBodyBytes;
            kestrel.Listen(endPoint, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddSingleton(loggers);
        var app = builder.Build();
        var admin = new AdminServer(app, host);
        app.Run(admin.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        admin.Address = new Uri($"http://{FormatHost(endPoint.Address)}:{bound.Port}");
        return admin;
    }

    private static string FormatHost(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string path = request.Path.Value ?? "";
        try
        {
            bool read = request.Method is "GET" or "HEAD";        // Kestrel sends no body for HEAD
            if (path is "/healthz" or "/readyz" or "/metrics" && !read)
            {
                context.Response.Headers.Allow = "GET, HEAD";
                await Error(context, 405, $"{request.Method} is not allowed on {path}.").ConfigureAwait(false);
                return;
            }
            switch (path)
            {
                case "/healthz":
                    await Text(context, 200, "ok\n").ConfigureAwait(false);
                    return;
                case "/readyz":
                    await Text(context, _host.IsReady ? 200 : 503, _host.IsReady ? "ready\n" : "not ready\n").ConfigureAwait(false);
                    return;
                case "/metrics":
                    await Text(context, 200, _host.Exporter.Render(), PrometheusExporter.ContentType).ConfigureAwait(false);
                    return;
            }
            if (!path.StartsWith("/api/", StringComparison.Ordinal))
            {
                await Error(context, 404, $"No endpoint {path}. Try /healthz, /readyz, /metrics, /api/v1/numa/topology, /api/v1/numa/stats, /api/v1/numa/strategy, /api/v1/numa/graph.").ConfigureAwait(false);
                return;
            }
            if (_token is not null && !Hosting.BearerToken.Matches(request.Headers.Authorization.ToString(), _token))
            {
                await Error(context, 401, "This server needs 'authorization: Bearer <token>'.").ConfigureAwait(false);
                return;
            }
            switch (path, read ? "GET" : request.Method)
            {
                case ("/api/v1/numa/topology", "GET"):
                    await Text(context, 200, TopologyJson.ToJson(_host.Platform) + "\n", "application/json").ConfigureAwait(false);
                    return;
                case ("/api/v1/numa/stats", "GET"):
                    await Json(context, 200, Stats()).ConfigureAwait(false);
                    return;
                case ("/api/v1/numa/strategy", "GET"):
                    await Json(context, 200, StrategyJson("current")).ConfigureAwait(false);
                    return;
                case ("/api/v1/numa/strategy", "POST"):
                    await SetStrategyAsync(context).ConfigureAwait(false);
                    return;
                case ("/api/v1/numa/graph", "GET"):
                    await Text(context, 200, JsonSerializer.Serialize(_host.Describe(), new JsonSerializerOptions { WriteIndented = true }) + "\n", "application/json").ConfigureAwait(false);
                    return;
                case ("/api/v1/numa/topology" or "/api/v1/numa/stats" or "/api/v1/numa/graph", _):
                case ("/api/v1/numa/strategy", _):
                    context.Response.Headers.Allow = path.EndsWith("strategy", StringComparison.Ordinal) ? "GET, HEAD, POST" : "GET, HEAD";
                    await Error(context, 405, $"{request.Method} is not allowed on {path}.").ConfigureAwait(false);
                    return;
                default:
                    await Error(context, 404, $"No endpoint {path}.").ConfigureAwait(false);
                    return;
            }
        }
        catch (Flight.VectorBackendException e) when (e.Error == Flight.VectorBackendError.Unavailable)
        {
            await Error(context, 503, e.Message).ConfigureAwait(false);
        }
    }

    private JsonObject StrategyJson(string status) => new()
    {
        ["status"] = status,
        ["strategy"] = PlacementStrategyState.Name(_host.Strategy.Current),
        ["available"] = new JsonArray("local_node", "round_robin", "most_memory", "disabled"),
    };

    private async Task SetStrategyAsync(HttpContext context)
    {
        JsonNode? body;
        try
        {
            // A repeated "strategy" is refused here (a JsonObject indexer would throw on it later).
            body = await JsonNode.ParseAsync(context.Request.Body, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false },
                cancellationToken: context.RequestAborted).ConfigureAwait(false);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e)   // 413 for a body over the limit, 400 for a broken one
        {
            await Error(context, e.StatusCode, $"The request body was refused: {e.Message}").ConfigureAwait(false);
            return;
        }
        catch (JsonException e)
        {
            await Error(context, 400, $"The body must be JSON like {{\"strategy\":\"local_node\"}}: {e.Message}").ConfigureAwait(false);
            return;
        }
        string? name;
        JsonNode? given = body is JsonObject o ? o["strategy"] : null;
        try
        {
            name = given is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        }
        catch (InvalidOperationException)        // System.Text.Json checks a string's UTF-8 only when it is read
        {
            await Error(context, 400, "'strategy' is not valid UTF-8.").ConfigureAwait(false);
            return;
        }
        if (!PlacementStrategyState.TryParse(name, out var strategy))
        {
            await Error(context, 400, $"'strategy' must be one of local_node, round_robin, most_memory, disabled; got {(name is not null ? $"'{name}'" : given is not null ? $"the JSON {given.GetValueKind().ToString().ToLowerInvariant()} {Truncated(given.ToJsonString())}" : body is JsonObject ? "no 'strategy' property" : "a body that is not a JSON object")}.").ConfigureAwait(false);
            return;
        }
        _host.Strategy.Current = strategy;
        await Json(context, 200, StrategyJson("applied")).ConfigureAwait(false);
    }

    private static string Truncated(string text) => text.Length <= 40 ? text : text[..40] + "…";

    // Per node: its shards, their rows and memory, and whether their pages sit on the node their arenas expect.
    private JsonObject Stats()
    {
        var stats = _host.Backend.AllStats();
        var nodes = new JsonObject();
        foreach (var group in stats.GroupBy(s => s.Node).OrderBy(g => g.Key))
        {
            var shards = new JsonArray();
            long vectors = 0, memory = 0, searches = 0, onNode = 0, elsewhere = 0;
            foreach (var s in group)
            {
                long rows = s.Collections.Sum(c => c.Rows);
                vectors += rows;
                memory += s.MemoryBytes;
                searches += s.Searches;
                JsonNode? placement = null;
                if (s.Placement is { } p)
                {
                    long expected = s.ExpectedNodes.Sum(n => (long)p.PagesOn(n));
                    onNode += expected;
                    elsewhere += p.ResidentPages - expected;
                    var byNode = new JsonObject();
                    foreach (var (node, pages) in p.PagesByNode.OrderBy(kv => kv.Key)) byNode[node.ToString(System.Globalization.CultureInfo.InvariantCulture)] = pages;
                    placement = new JsonObject
                    {
                        ["expected_nodes"] = new JsonArray([.. s.ExpectedNodes.Select(n => (JsonNode)n)]),
                        ["pages_by_node"] = byNode,
                        ["pages_on_expected_node"] = expected,
                        ["pages_elsewhere"] = p.ResidentPages - expected,
                        ["pages_not_present"] = p.NotPresent,
                        ["ok"] = p.ResidentPages == expected,
                    };
                }
                shards.Add(new JsonObject
                {
                    ["shard"] = s.Shard,
                    ["cpu"] = s.Cpu,
                    ["pinned"] = s.Pinned,
                    ["vectors"] = rows,
                    ["memory_bytes"] = s.MemoryBytes,
                    ["searches"] = s.Searches,
                    ["inserted"] = s.Inserted,
                    ["wal_last_lsn"] = s.WalLastLsn,
                    ["wal_durable_lsn"] = s.WalDurableLsn,
                    ["wal_bytes"] = s.WalBytes,
                    ["snapshot_lsn"] = s.SnapshotLsn,
                    ["recovered_from"] = s.Recovery?.Source,
                    ["collections"] = new JsonArray([.. s.Collections.Select(c => (JsonNode)new JsonObject
                    {
                        ["name"] = c.Name, ["dimension"] = c.Dimension, ["rows"] = c.Rows, ["deleted"] = c.Deleted, ["memory_bytes"] = c.ArenaBytes,
                    })]),
                    ["placement"] = placement ?? JsonValue.Create($"not checked: binding is {NumaPlatform.Format(_host.Platform.Binding)} ({_host.Platform.BindingReason})"),
                });
            }
            nodes[group.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["shards"] = shards.Count,
                ["vectors"] = vectors,
                ["memory_bytes"] = memory,
                ["searches"] = searches,
                ["pages_on_node"] = onNode,
                ["pages_elsewhere"] = elsewhere,
                ["shard_details"] = shards,
            };
        }
        return new JsonObject
        {
            ["binding"] = NumaPlatform.Format(_host.Platform.Binding),
            ["strategy"] = PlacementStrategyState.Name(_host.Strategy.Current),
            ["ready"] = _host.IsReady,
            ["startup_seconds"] = Math.Round(_host.StartupTime.TotalSeconds, 3),
            ["node_distribution"] = nodes,
        };
    }

    private static Task Json(HttpContext context, int status, JsonNode body) =>
        Text(context, status, body.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", "application/json");

    private static Task Error(HttpContext context, int status, string message) =>
        Json(context, status, new JsonObject { ["error"] = message });

    private static Task Text(HttpContext context, int status, string body, string contentType = "text/plain; charset=utf-8")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

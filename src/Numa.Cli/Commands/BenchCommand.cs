// `numa bench`: search a collection of a Flight data server with every query of a file at each efSearch, from
// --concurrency workers; report recall@k against exact neighbours of the train vectors, QPS and latency percentiles.
using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Numa.Cli.Bench;
using Numa.Cli.Client;
using Numa.Cli.Datasets;
using Spectre.Console;

namespace Numa.Cli.Commands;

internal static class BenchCommand
{
    private static readonly Option<string> Collection = new("--collection") { Description = "The collection to search.", Required = true };
    private static readonly Option<string?> Queries = new("--queries") { Description = "Query vectors: .fvecs, .npy or IDX3 (see numa load)." };
    private static readonly Option<bool> FashionMnist = new("--fashion-mnist")
    {
        Description = "Queries from Fashion-MNIST's 10,000 test images and ground truth from its train images (what `numa load --fashion-mnist` loads), unless --queries or --train say otherwise.",
    };
    private static readonly Option<int> K = new("--k") { Description = "Neighbours per query (recall@k).", DefaultValueFactory = _ => 10 };
    private static readonly Option<string> Efs = new("--ef") { Description = "Comma-separated efSearch values, one pass each.", DefaultValueFactory = _ => "10,20,40,80" };
    private static readonly Option<int> Concurrency = new("--concurrency") { Description = "Searches in flight at once.", DefaultValueFactory = _ => 1 };
    private static readonly Option<int?> Limit = new("--limit") { Description = "Use only the first N queries." };
    private static readonly Option<string?> Train = new("--train") { Description = "The vectors that were loaded, for exact ground truth (without it and --fashion-mnist, recall is not measured)." };
    private static readonly Option<int?> TrainLimit = new("--train-limit") { Description = "Only the first N train vectors were loaded (numa load --limit N)." };
    private static readonly Option<long> StartId = new("--start-id") { Description = "The id of train row 0 in the collection (numa load --start-id).", DefaultValueFactory = _ => 0 };
    private static readonly Option<string?> GroundTruthPath = new("--ground-truth") { Description = "Cache file of the exact neighbours (default: one per data set and sizes under $XDG_CACHE_HOME/numa or ~/.cache/numa)." };
    // The default warm-up is one pass over every query: after 3000 queries only (the earlier default), the first timed
    // pass ran 1.3–2.6× slower than the passes after it at concurrency 4 on the build VM, while 3 or 10 seconds of
    // those 3000 did not help; a full pass did.
    private static readonly Option<int?> Warmup = new("--warmup")
    {
        Description = "Untimed queries sent first, at the first ef, in passes from the first query (the JIT of client and server, " +
            "connections, caches). Default: every query once.",
    };
    private static readonly Option<FileInfo?> InProcess = new("--in-process")
    {
        Description = "Also search this saved graph (a shard's data/shard-N/graphs/NAME.LSN.hnsw, from a server started with --shards 1) " +
            "in this process with the same queries, k, ef and concurrency, right after each Flight pass: the in-process peer, and the ratio.",
    };
    private static readonly Option<string> Protocol = new("--protocol")
    {
        Description = "doget: one DoGet per query with a JSON search ticket (Longbow's client.search); doexchange: one DoExchange " +
            "per worker, each query a one-row Arrow batch (no JSON, no new HTTP/2 stream per query).",
        DefaultValueFactory = _ => "doget",
    };
    private static readonly Option<int> Batch = new("--batch")
    {
        Description = "Queries per request with --protocol doexchange: each request is one Arrow batch of N query rows, and every query " +
            "in it gets the request's round trip as its latency.",
        DefaultValueFactory = _ => 1,
    };
    private static readonly Option<string> Address = ClientCommand.Address();
    private static readonly Option<string?> Token = ClientCommand.Token();
    private static readonly Option<bool> Json = new("--json") { Description = "Print one JSON object per ef (ef, k, recall, qps, p50_ms, p95_ms, p99_ms, queries, concurrency) instead of a table." };

    internal static Command Create()
    {
        var command = new Command("bench",
            "Search a collection of a Flight data server (DoGet search tickets with k and ef) with every query, for each --ef; report " +
            "recall@k against exact L2 neighbours among the train vectors (collection ids = train row + start-id), QPS over the wall time " +
            "and p50/p95/p99 latency. Exit 0: measured; 1: server or transport error; 2: usage or input error.");
        foreach (var o in new Option[] { Collection, Queries, FashionMnist, K, Efs, Concurrency, Limit, Train, TrainLimit, StartId, GroundTruthPath, Warmup, InProcess, Protocol, Batch, Address, Token, Json })
            command.Options.Add(o);
        command.Action = ClientCommand.Action("bench", RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        string collection = result.GetValue(Collection)!;
        bool fashion = result.GetValue(FashionMnist);
        int k = result.GetValue(K), concurrency = result.GetValue(Concurrency);
        int? limit = result.GetValue(Limit), trainLimit = result.GetValue(TrainLimit);
        long startId = result.GetValue(StartId);
        bool json = result.GetValue(Json);
        var protocol = result.GetValue(Protocol) switch
        {
            "doget" => SearchProtocol.DoGet,
            "doexchange" => SearchProtocol.DoExchange,
            var other => throw new FormatException($"--protocol {other}: use doget or doexchange."),
        };
        int batch = result.GetValue(Batch);
        if (batch < 1) throw new FormatException("--batch must be positive.");
        if (batch > 1 && protocol != SearchProtocol.DoExchange) throw new FormatException("--batch needs --protocol doexchange (a DoGet ticket holds one query).");
        int[] efs = BenchIndexCommand.ParseList(result.GetValue(Efs)!, "--ef");
        if (efs.FirstOrDefault(ef => ef < k) is > 0 and var narrow)
            throw new FormatException(Invariant($"--ef {narrow} is below --k {k}: a search keeps at least k candidates (give --ef values >= k)."));
        if (collection.Length == 0) throw new FormatException("--collection is empty.");
        if (k < 1 || concurrency < 1) throw new FormatException("--k and --concurrency must be positive.");
        if (limit is < 1 || trainLimit is < 1) throw new FormatException("--limit and --train-limit must be positive.");
        int? warmupOption = result.GetValue(Warmup);
        if (warmupOption is < 0) throw new FormatException("--warmup must not be negative.");
        string queriesPath = result.GetValue(Queries) ?? (fashion ? Datasets.FashionMnist.Test : throw new FormatException("give --queries FILE or --fashion-mnist."));
        string? trainPath = result.GetValue(Train) ?? (fashion ? Datasets.FashionMnist.Train : null);

        var queries = VectorDataset.Open(queriesPath, limit ?? int.MaxValue);
        Console.Error.WriteLine(Invariant($"queries: {queries.Count} × {queries.Dimension} from {queriesPath} ({queries.Format})"));
        int[]? truth = null;
        if (trainPath is not null)
        {
            var train = VectorDataset.Open(trainPath, trainLimit ?? int.MaxValue);
            if (train.Dimension != queries.Dimension)
                throw new FormatException(Invariant($"the train vectors ({trainPath}) are {train.Dimension}-d, the queries ({queriesPath}) {queries.Dimension}-d."));
            if (train.Count < k) throw new FormatException(Invariant($"--k {k} is more than the {train.Count} train vectors."));
            Console.Error.WriteLine(Invariant($"train: {train.Count} × {train.Dimension} from {trainPath} ({train.Format}); collection ids = row + {startId}"));
            string truthPath = result.GetValue(GroundTruthPath)
                ?? GroundTruth.DefaultPath(CacheName(trainPath, queriesPath), train.Count, queries.Count, k);
            truth = GroundTruth.GetAt(truthPath, train.Vectors, train.Count, queries.Vectors, queries.Count, queries.Dimension, k,
                Environment.ProcessorCount, Console.Error);
        }
        else
        {
            Console.Error.WriteLine("train: none (--train or --fashion-mnist), so recall is not measured");
        }

        int warmup = warmupOption ?? queries.Count;
        using var client = ClientCommand.Connect(result.GetValue(Address)!, result.GetValue(Token));
        using var local = result.GetValue(InProcess) is { } graph ? LoadGraph(graph, queries.Dimension) : null;
        if (local is not null)
            for (int sent = 0; sent < warmup; sent += queries.Count)
                SearchBenchmark.MeasureInProcess(local, queries, warmup - sent, k, efs[0], concurrency, null, startId);
        for (int sent = 0; sent < warmup; sent += queries.Count)   // JIT, connections and the server's caches, before anything is timed
            await SearchBenchmark.MeasureAsync(client, protocol, collection, queries, warmup - sent, k, efs[0], concurrency, null, startId, cancellationToken, batch)
                .ConfigureAwait(false);
        var points = new List<ServerSearchPoint>();
        var peers = new List<ServerSearchPoint?>();
        foreach (int ef in efs)
        {
            var point = await SearchBenchmark.MeasureAsync(client, protocol, collection, queries, queries.Count, k, ef, concurrency, truth, startId, cancellationToken,
                batch).ConfigureAwait(false);
            points.Add(point);
            var peer = local is null ? null : SearchBenchmark.MeasureInProcess(local, queries, queries.Count, k, ef, concurrency, truth, startId);
            peers.Add(peer);
            if (json) Console.Out.WriteLine(ToJson(point, peer));
            else Console.Error.WriteLine(Invariant($"ef={ef}: recall@{k} {Recall(point)}, {point.Qps:F0} QPS, p50 {point.P50Ms:F2} ms, p99 {point.P99Ms:F2} ms") +
                (peer is null ? "" : Invariant($"; in-process {peer.Qps:F0} QPS, p99 {peer.P99Ms:F2} ms, recall {Recall(peer)}")));
        }
        if (!json)
        {
            Console.Out.WriteLine(Invariant($"numa bench: '{collection}' at {client.Address} by {result.GetValue(Protocol)}, {points[0].Queries} queries, k={k}, concurrency {concurrency}, {batch} per request"));
            AnsiConsole.Write(Table(points, peers, k));
        }
        return 0;
    }

    internal static string ToJson(ServerSearchPoint p, ServerSearchPoint? peer = null)
    {
        var json = JsonOf(p);
        if (peer is not null)
        {
            json["in_process"] = JsonOf(peer);
            json["qps_ratio"] = Math.Round(p.Qps / peer.Qps, 3);
        }
        return json.ToJsonString();
    }

    private static JsonObject JsonOf(ServerSearchPoint p) => new()
    {
        ["ef"] = p.Ef,
        ["k"] = p.K,
        ["recall"] = p.Recall,
        ["qps"] = Math.Round(p.Qps, 1),
        ["p50_ms"] = Math.Round(p.P50Ms, 3),
        ["p95_ms"] = Math.Round(p.P95Ms, 3),
        ["p99_ms"] = Math.Round(p.P99Ms, 3),
        ["queries"] = p.Queries,
        ["concurrency"] = p.Concurrency,
        ["batch"] = p.Batch,
    };

    private static Table Table(List<ServerSearchPoint> points, List<ServerSearchPoint?> peers, int k)
    {
        var table = new Table().AddColumns("ef", $"recall@{k}", "QPS", "p50 ms", "p95 ms", "p99 ms");
        bool withPeer = peers.Any(p => p is not null);
        if (withPeer) table.AddColumns("in-process QPS", "in-process p99 ms", "in-process recall", "Flight / in-process");
        for (int i = 0; i < points.Count; i++)
        {
            var p = points[i];
            var row = new List<string> { Invariant($"{p.Ef}"), Recall(p), Invariant($"{p.Qps:F0}"), Invariant($"{p.P50Ms:F2}"), Invariant($"{p.P95Ms:F2}"), Invariant($"{p.P99Ms:F2}") };
            if (peers[i] is { } q) row.AddRange([Invariant($"{q.Qps:F0}"), Invariant($"{q.P99Ms:F2}"), Recall(q), Invariant($"{p.Qps / q.Qps:F2}")]);
            table.AddRow([.. row]);
        }
        return table;
    }

    private static Numa.Vectors.HnswIndex LoadGraph(FileInfo graph, int dimension)
    {
        if (!graph.Exists) throw new FormatException($"--in-process: {graph.FullName} does not exist (a server's data/shard-N/graphs/NAME.LSN.hnsw, written by a snapshot).");
        Numa.Vectors.HnswIndex index;
        try
        {
            index = Numa.Vectors.HnswIndex.Load(graph.FullName);
        }
        catch (Numa.Vectors.VectorIndexFormatException e)
        {
            throw new FormatException($"--in-process: {e.Message}");
        }
        if (index.Options.Dimension != dimension)
        {
            index.Dispose();
            throw new FormatException($"--in-process: {graph.Name} holds {index.Options.Dimension}-d vectors; the queries are {dimension}-d.");
        }
        Console.Error.WriteLine(Invariant($"in-process peer: {graph.FullName}, {index.Count} vectors"));
        return index;
    }

    private static string Recall(ServerSearchPoint p) => p.Recall is { } r ? r.ToString("F4", CultureInfo.InvariantCulture) : "–";

    // Fashion-MNIST shares bench-index's cache files (the same first rows of the same files); any other pair of files
    // gets a name of its own from their paths, sizes and modification times, so edited data is not matched stale.
    private static string CacheName(string trainPath, string queriesPath)
    {
        if (SamePath(trainPath, Datasets.FashionMnist.Folder, "train-images-idx3-ubyte.gz")
            && SamePath(queriesPath, Datasets.FashionMnist.Folder, "t10k-images-idx3-ubyte.gz"))
            return "fashion-mnist";
        var identity = new StringBuilder();
        foreach (string path in new[] { trainPath, queriesPath })
        {
            var info = new FileInfo(path);
            identity.Append(CultureInfo.InvariantCulture, $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}\n");
        }
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToString())))[..12];
        return $"{Path.GetFileNameWithoutExtension(trainPath)}-{Path.GetFileNameWithoutExtension(queriesPath)}-{hash}";
    }

    private static bool SamePath(string path, string folder, string name) =>
        string.Equals(Path.GetFullPath(path), Path.GetFullPath(Path.Combine(folder, name)), StringComparison.Ordinal);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

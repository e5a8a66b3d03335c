// `numa bench-index`: Numa's HNSW index against hnswlib on Fashion-MNIST, in one run, reported as a table and
// ratios (build time, QPS at recall@k ≥ target, memory per vector).
using System.CommandLine;
using System.Globalization;
using System.Text;
using Numa.Cli.Bench;

namespace Numa.Cli.Commands;

internal static class BenchIndexCommand
{
    private static readonly Option<string?> Data = new("--data") { Description = "Folder with the Fashion-MNIST IDX files (default: $NUMA_FASHION_MNIST or /usr/share/datasets/fashion-mnist)." };
    private static readonly Option<int> Count = new("--count") { Description = "Train vectors to index.", DefaultValueFactory = _ => 60000 };
    private static readonly Option<int> Queries = new("--queries") { Description = "Test queries.", DefaultValueFactory = _ => 10000 };
    private static readonly Option<int> K = new("--k") { Description = "Neighbours per query (recall@k).", DefaultValueFactory = _ => 10 };
    private static readonly Option<int> M = new("--m") { Description = "HNSW M for both sides.", DefaultValueFactory = _ => 16 };
    private static readonly Option<int> EfConstruction = new("--ef-construction") { Description = "efConstruction for both sides.", DefaultValueFactory = _ => 200 };
    private static readonly Option<int> BuildThreads = new("--build-threads") { Description = "Inserting threads for both sides.", DefaultValueFactory = _ => Environment.ProcessorCount };
    private static readonly Option<string> Efs = new("--ef") { Description = "Comma-separated efSearch values.", DefaultValueFactory = _ => "10,20,40,80,160" };
    private static readonly Option<string> Threads = new("--threads") { Description = "Comma-separated search thread counts.", DefaultValueFactory = _ => "1,2" };
    private static readonly Option<int> Repeat = new("--repeat") { Description = "Timed passes per point, Numa's and hnswlib's alternating; the fastest of each counts.", DefaultValueFactory = _ => 3 };
    private static readonly Option<double> Target = new("--target-recall") { Description = "Recall at which QPS is compared.", DefaultValueFactory = _ => 0.95 };
    private static readonly Option<string> Python = new("--python") { Description = "The Python that sees Debian's python3-hnswlib.", DefaultValueFactory = _ => "/usr/bin/python3" };
    private static readonly Option<bool> NoPeer = new("--no-hnswlib") { Description = "Measure Numa only." };

    internal static Command Create()
    {
        var command = new Command("bench-index",
            "Build Numa's HNSW index and hnswlib's on Fashion-MNIST (L2) with the same M, efConstruction and threads; report build time, " +
            "recall@k and QPS per ef and search thread count, memory per vector, and the ratios Numa/hnswlib.");
        foreach (var o in new Option[] { Data, Count, Queries, K, M, EfConstruction, BuildThreads, Efs, Threads, Repeat, Target, Python, NoPeer })
            command.Options.Add(o);
        command.SetAction(result =>
        {
            try
            {
                var settings = new IndexBenchSettings(
                    result.GetValue(Data) ?? (Environment.GetEnvironmentVariable("NUMA_FASHION_MNIST") is { Length: > 0 } env ? env : "/usr/share/datasets/fashion-mnist"),
                    result.GetValue(Count), result.GetValue(Queries), result.GetValue(K), result.GetValue(M), result.GetValue(EfConstruction),
                    result.GetValue(BuildThreads), ParseList(result.GetValue(Efs)!, "--ef"), ParseList(result.GetValue(Threads)!, "--threads"),
                    result.GetValue(Repeat), result.GetValue(NoPeer) ? null : result.GetValue(Python));
                if (settings.Count <= 0 || settings.Queries <= 0 || settings.K <= 0 || settings.BuildThreads <= 0 || settings.Repeat <= 0)
                    throw new FormatException("--count, --queries, --k, --build-threads and --repeat must be positive.");
                if (settings.Efs.Any(ef => ef < settings.K)) throw new FormatException($"every --ef must be at least --k ({settings.K}).");
                var (numa, peer, count, queries, dimension) = IndexBenchmark.Run(settings, Console.Error);
                Console.Out.Write(Format(settings, numa, peer, count, queries, dimension, result.GetValue(Target)));
                return 0;
            }
            catch (Exception e) when (e is FormatException or FileNotFoundException or InvalidDataException or InvalidOperationException or ArgumentException)
            {
                Console.Error.WriteLine($"numa bench-index: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    internal static int[] ParseList(string text, string option)
    {
        var values = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v <= 0)
                throw new FormatException($"{option}: '{part}' is not a positive integer.");
            values.Add(v);
        }
        if (values.Count == 0) throw new FormatException($"{option} needs at least one value.");
        return [.. values];
    }

    internal static string Format(IndexBenchSettings s, BenchResult numa, BenchResult? peer, int count, int queries, int dimension, double target)
    {
        var sb = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        sb.Append(c, $"numa bench-index: Fashion-MNIST {count} × {dimension}, {queries} queries, L2, k={s.K}, M={s.M}, efConstruction={s.EfConstruction}, ");
        sb.Append(c, $"build threads {s.BuildThreads}, best of {s.Repeat} alternating passes, {Environment.ProcessorCount} CPUs, ");
        sb.Append(c, $"load average {numa.LoadBefore:F1} before, {numa.LoadAfter:F1} after; peer: {peer?.Name ?? "none"}\n\n");
        long rawVector = (long)dimension * sizeof(float);
        sb.Append("| measure | Numa | hnswlib | ratio Numa/hnswlib |\n|---|---|---|---|\n");
        sb.Append(c, $"| build time (s) | {numa.BuildSeconds:F1} | {Peer(peer?.BuildSeconds, "F1")} | {Ratio(numa.BuildSeconds, peer?.BuildSeconds)} |\n");
        double numaRss = (double)numa.RssBytes / count, peerRss = peer is null ? 0 : (double)peer.RssBytes / count;
        sb.Append(c, $"| index RSS growth per vector (B) | {numaRss:F0} | {Peer(peer is null ? null : peerRss, "F0")} | {Ratio(numaRss, peer is null ? null : peerRss)} |\n");
        double numaGraph = numaRss - rawVector, peerGraph = peerRss - rawVector;
        sb.Append(c, $"| graph per vector = RSS − {rawVector} B vector (B) | {numaGraph:F0} | {Peer(peer is null ? null : peerGraph, "F0")} | {Ratio(numaGraph, peer is null ? null : peerGraph)} |\n");
        sb.Append(c, $"| graph per vector, counted (B) | {(double)numa.GraphBytesExact!.Value / count:F0} | – | |\n\n");

        sb.Append(c, $"| ef | threads | Numa recall@{s.K} | Numa QPS | hnswlib recall@{s.K} | hnswlib QPS | QPS ratio |\n|---|---|---|---|---|---|---|\n");
        foreach (var p in numa.Points)
        {
            var q = peer?.Points.FirstOrDefault(x => x.Ef == p.Ef && x.Threads == p.Threads);
            sb.Append(c, $"| {p.Ef} | {p.Threads} | {p.Recall:F4} | {p.Qps:F0} | {(q is null ? "–" : q.Recall.ToString("F4", c))} | {(q is null ? "–" : q.Qps.ToString("F0", c))} | {Ratio(p.Qps, q?.Qps)} |\n");
        }
        sb.Append(c, $"\nQPS at recall@{s.K} ≥ {target} (the smallest ef of the grid that reaches it):\n");
        foreach (int threads in s.Threads)
        {
            var a = AtTarget(numa, threads, target);
            var b = peer is null ? null : AtTarget(peer, threads, target);
            sb.Append(c, $"  {threads} thread(s): Numa {Describe(a)}; hnswlib {Describe(b)}; ratio {Ratio(a?.Qps ?? 0, b?.Qps)}\n");
        }
        return sb.ToString();

        string Describe(SearchPoint? p) => p is null ? "not reached" : string.Create(c, $"ef={p.Ef} recall {p.Recall:F4} {p.Qps:F0} QPS");
    }

    private static SearchPoint? AtTarget(BenchResult r, int threads, double target) =>
        r.Points.Where(p => p.Threads == threads && p.Recall >= target).OrderBy(p => p.Ef).FirstOrDefault();

    private static string Peer(double? value, string format) => value is null ? "–" : value.Value.ToString(format, CultureInfo.InvariantCulture);

    private static string Ratio(double ours, double? theirs) =>
        theirs is null or 0 || ours == 0 ? "–" : (ours / theirs.Value).ToString("F2", CultureInfo.InvariantCulture);
}

// `numa bench-index`: Numa's HNSW and hnswlib on Fashion-MNIST in one run: build time, recall@k and QPS per ef
// and thread count, memory per vector. Both sides use the same vectors, parameters, ground truth and threads.
using System.Diagnostics;
using Numa.Vectors;

namespace Numa.Cli.Bench;

internal sealed record IndexBenchSettings(
    string DataFolder, int Count, int Queries, int K, int M, int EfConstruction, int BuildThreads,
    int[] Efs, int[] Threads, int Repeat, string? Python);

internal static class IndexBenchmark
{
    public static (BenchResult Numa, BenchResult? Peer, int Count, int Queries, int Dimension) Run(IndexBenchSettings s, TextWriter log)
    {
        string trainPath = Path.Combine(s.DataFolder, "train-images-idx3-ubyte.gz");
        string testPath = Path.Combine(s.DataFolder, "t10k-images-idx3-ubyte.gz");
        foreach (var p in new[] { trainPath, testPath })
            if (!File.Exists(p)) throw new FileNotFoundException($"{p} is missing: apt-get install dataset-fashion-mnist, or pass --data", p);
        var (train, count, dimension) = IdxFile.ReadImages(trainPath, s.Count);
        var (queries, queryCount, _) = IdxFile.ReadImages(testPath, s.Queries);
        log.WriteLine($"data: {count} × {dimension} train, {queryCount} queries from {s.DataFolder}");
        var (truth, truthPath) = GroundTruth.Get("fashion-mnist", train, count, queries, queryCount, dimension, s.K, Environment.ProcessorCount, log);

        using var peer = s.Python is null ? null : HnswlibPeer.Start(s.Python, new Dictionary<string, object>
        {
            ["train"] = trainPath, ["test"] = testPath, ["truth"] = truthPath, ["truth_offset"] = GroundTruth.HeaderBytes,
            ["count"] = count, ["queries"] = queryCount, ["k"] = s.K, ["m"] = s.M, ["ef_construction"] = s.EfConstruction,
            ["build_threads"] = s.BuildThreads,
        });
        var numa = new BenchResult("Numa") { LoadBefore = LoadAverage() };
        var other = peer is null ? null : new BenchResult($"hnswlib {peer.Version}");

        // Builds one after the other (each alone on the CPUs).
        using var index = BuildNuma(s, train, count, dimension, numa, log);
        if (peer is not null)
        {
            (other!.BuildSeconds, other.RssBytes) = peer.Build();
            log.WriteLine($"hnswlib: built in {other.BuildSeconds:F1} s on {s.BuildThreads} threads");
        }

        // Searches alternate pass by pass, so load from elsewhere on a shared machine falls on both sides alike.
        Measure(index, queries, queryCount, dimension, s.K, s.Efs[0], 1, truth); // warm-up: tiered JIT reaches the optimized loop
        peer?.Search(s.Efs[0], 1);
        foreach (int ef in s.Efs)
            foreach (int threads in s.Threads)
            {
                double best = double.MaxValue, recall = 0, peerBest = double.MaxValue, peerRecall = 0;
                for (int r = 0; r < s.Repeat; r++)
                {
                    var (seconds, rec) = Measure(index, queries, queryCount, dimension, s.K, ef, threads, truth);
                    (best, recall) = (Math.Min(best, seconds), rec);
                    if (peer is null) continue;
                    var (peerSeconds, peerRec) = peer.Search(ef, threads);
                    (peerBest, peerRecall) = (Math.Min(peerBest, peerSeconds), peerRec);
                }
                numa.Points.Add(new SearchPoint(ef, threads, recall, queryCount / best));
                log.Write($"ef={ef} threads={threads}: Numa recall@{s.K}={recall:F4} QPS={queryCount / best:F0}");
                if (peer is not null)
                {
                    other!.Points.Add(new SearchPoint(ef, threads, peerRecall, queryCount / peerBest));
                    log.Write($"; hnswlib recall@{s.K}={peerRecall:F4} QPS={queryCount / peerBest:F0}");
                }
                log.WriteLine();
            }
        numa.LoadAfter = LoadAverage();
        return (numa, other, count, queryCount, dimension);
    }

    private static HnswIndex BuildNuma(IndexBenchSettings s, float[] train, int count, int dimension, BenchResult result, TextWriter log)
    {
        // A throw-away index first, so JIT-compiled code and loaded types do not count as index memory (the Python
        // side has likewise imported hnswlib before it measures).
        using (var warm = new HnswIndex(new HnswOptions { Dimension = dimension, M = s.M, EfConstruction = s.EfConstruction }))
            for (int i = 0; i < Math.Min(count, 500); i++) warm.Add(i, train.AsSpan(i * dimension, dimension));
        long before = ResidentBytes();
        var index = new HnswIndex(new HnswOptions { Dimension = dimension, M = s.M, EfConstruction = s.EfConstruction, Seed = 100 });
        var clock = Stopwatch.StartNew();
        int next = -1;
        RunThreads(s.BuildThreads, _ =>
        {
            for (int i; (i = Interlocked.Increment(ref next)) < count;) index.Add(i, train.AsSpan(i * dimension, dimension));
        });
        result.BuildSeconds = clock.Elapsed.TotalSeconds;
        result.RssBytes = ResidentBytes() - before;
        result.GraphBytesExact = index.GraphBytes + index.SlotBytes + index.IdMapBytes;
        log.WriteLine($"Numa: built in {result.BuildSeconds:F1} s on {s.BuildThreads} threads; top layer {index.TopLevel}; " +
            $"graph {index.GraphBytes} B + slots {index.SlotBytes} B + id map ~{index.IdMapBytes} B; vectors {index.VectorBytes} B");
        return index;
    }

    /// <summary>The 1-minute load average (/proc/loadavg), to show how busy a shared machine was.</summary>
    private static double LoadAverage() =>
        File.Exists("/proc/loadavg") && double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out double load) ? load : double.NaN;

    private static (double Seconds, double Recall) Measure(HnswIndex index, float[] queries, int queryCount, int dimension, int k, int ef, int threads, int[] truth)
    {
        var found = new long[queryCount * k];
        var clock = Stopwatch.StartNew();
        RunThreads(threads, t =>
        {
            var results = new SearchResult[k];
            // A contiguous block per thread: interleaved queries would share the cache lines of `found`.
            int end = (int)((long)queryCount * (t + 1) / threads);
            for (int q = (int)((long)queryCount * t / threads); q < end; q++)
            {
                index.Search(queries.AsSpan(q * dimension, dimension), k, results, ef);
                for (int j = 0; j < k; j++) found[q * k + j] = results[j].Id;
            }
        });
        double seconds = clock.Elapsed.TotalSeconds;
        int hits = 0;
        for (int q = 0; q < queryCount; q++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++)
                    if (found[q * k + j] == truth[q * k + i]) { hits++; break; }
        return (seconds, (double)hits / (queryCount * k));
    }

    private static void RunThreads(int threads, Action<int> body)
    {
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            workers[t] = new Thread(() => body(id));
            workers[t].Start();
        }
        foreach (var w in workers) w.Join();
    }

    /// <summary>VmRSS of this process (after a full collection, so garbage does not count).</summary>
    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return 0;
    }
}

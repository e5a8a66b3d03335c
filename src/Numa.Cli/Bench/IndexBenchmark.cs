// `numa bench-index`: Numa's HNSW and hnswlib on Fashion-MNIST in one run: build time, recall@k and QPS per ef
// and thread count, memory per vector. Both sides use the same vectors, parameters, ground truth and threads.
using System.Diagnostics;
using System.Text.Json;
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

        var numa = RunNuma(s, train, count, queries, queryCount, dimension, truth, log);
        BenchResult? peer = s.Python is null ? null
            : RunHnswlib(s, trainPath, testPath, truthPath, count, queryCount, log);
        return (numa, peer, count, queryCount, dimension);
    }

    private static BenchResult RunNuma(IndexBenchSettings s, float[] train, int count, float[] queries, int queryCount, int dimension, int[] truth, TextWriter log)
    {
        var result = new BenchResult("Numa");
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

        Measure(index, queries, queryCount, dimension, s.K, s.Efs[0], 1, truth); // warm-up: tiered JIT reaches the optimized loop
        foreach (int ef in s.Efs)
            foreach (int threads in s.Threads)
            {
                double best = double.MaxValue, recall = 0;
                for (int r = 0; r < s.Repeat; r++)
                {
                    var (seconds, rec) = Measure(index, queries, queryCount, dimension, s.K, ef, threads, truth);
                    best = Math.Min(best, seconds);
                    recall = rec;
                }
                result.Points.Add(new SearchPoint(ef, threads, recall, queryCount / best));
                log.WriteLine($"Numa: ef={ef} threads={threads} recall@{s.K}={recall:F4} QPS={queryCount / best:F0}");
            }
        index.Dispose();
        return result;
    }

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

    private static BenchResult RunHnswlib(IndexBenchSettings s, string trainPath, string testPath, string truthPath, int count, int queryCount, TextWriter log)
    {
        string script = Path.Combine(Path.GetTempPath(), $"numa-hnswlib-bench-{Environment.ProcessId}.py");
        using (var resource = typeof(IndexBenchmark).Assembly.GetManifestResourceStream("hnswlib_bench.py")!)
        using (var file = File.Create(script))
            resource.CopyTo(file);
        try
        {
            string arguments = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["train"] = trainPath, ["test"] = testPath, ["truth"] = truthPath, ["truth_offset"] = GroundTruth.HeaderBytes,
                ["count"] = count, ["queries"] = queryCount, ["k"] = s.K, ["m"] = s.M, ["ef_construction"] = s.EfConstruction,
                ["build_threads"] = s.BuildThreads, ["efs"] = s.Efs, ["threads"] = s.Threads, ["repeat"] = s.Repeat,
            });
            var start = new ProcessStartInfo(s.Python!) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(script);
            start.ArgumentList.Add(arguments);
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {s.Python}");
            var errors = process.StandardError.ReadToEndAsync();
            var result = new BenchResult("hnswlib");
            string? line;
            while ((line = process.StandardOutput.ReadLine()) is not null)
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                switch (root.GetProperty("kind").GetString())
                {
                    case "info":
                        log.WriteLine($"hnswlib {root.GetProperty("version")}: {root.GetProperty("count")} vectors");
                        break;
                    case "build":
                        result.BuildSeconds = root.GetProperty("seconds").GetDouble();
                        result.RssBytes = root.GetProperty("rss_bytes").GetInt64();
                        log.WriteLine($"hnswlib: built in {result.BuildSeconds:F1} s on {s.BuildThreads} threads");
                        break;
                    case "search":
                        var point = new SearchPoint(root.GetProperty("ef").GetInt32(), root.GetProperty("threads").GetInt32(),
                            root.GetProperty("recall").GetDouble(), root.GetProperty("qps").GetDouble());
                        result.Points.Add(point);
                        log.WriteLine($"hnswlib: ef={point.Ef} threads={point.Threads} recall@{s.K}={point.Recall:F4} QPS={point.Qps:F0}");
                        break;
                }
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{s.Python} {script} exited with {process.ExitCode}: {errors.Result.Trim()}");
            return result;
        }
        finally
        {
            File.Delete(script);
        }
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

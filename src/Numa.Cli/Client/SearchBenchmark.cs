// The server side of `numa bench`: every query as a DoGet search ticket (or a row of a DoExchange) with k and
// efSearch, from --concurrency workers at once, timed one by one (latency percentiles) and as a whole (QPS), scored
// against exact neighbours (recall@k); and the in-process peer over the same saved graph.
using System.Diagnostics;
using Numa.Arrow;
using Numa.Cli.Datasets;
using Numa.Flight;
using Numa.Grpc;
using Numa.Vectors;

namespace Numa.Cli.Client;

/// <summary>How <c>numa bench</c> sends its queries.</summary>
internal enum SearchProtocol
{
    /// <summary>One DoGet per query, the query in a JSON search ticket.</summary>
    DoGet,

    /// <summary>One DoExchange per worker, each query a one-row Arrow batch.</summary>
    DoExchange,
}

/// <summary>One efSearch value measured against the server: recall@k (null without ground truth), queries per
/// second over the wall time of the pass, and latency percentiles in milliseconds (a query's latency is its request's
/// round trip, so every query of a <c>--batch</c> shares one).</summary>
internal sealed record ServerSearchPoint(int Ef, int K, double? Recall, double Qps, double P50Ms, double P95Ms, double P99Ms, int Queries, int Concurrency,
    int Batch = 1);

internal static class SearchBenchmark
{
    /// <summary>Sends the first <paramref name="count"/> queries of <paramref name="queries"/> (all when larger) at
    /// <paramref name="ef"/>, <paramref name="concurrency"/> in flight at a time over the one (thread-safe)
    /// <paramref name="client"/>: with <see cref="SearchProtocol.DoGet"/> each query is one DoGet call with a JSON
    /// search ticket (Longbow's client.search); with <see cref="SearchProtocol.DoExchange"/> each worker keeps one
    /// DoExchange open and sends each query as a one-row Arrow batch (k and ef in the first message's app_metadata).
    /// <paramref name="truth"/> holds train row indexes, queries × k row-major; a returned id counts as a hit when it
    /// equals <paramref name="startId"/> + one of its query's k true rows.</summary>
    /// <exception cref="RpcException">A search failed (NOT_FOUND: no such collection; INVALID_ARGUMENT: dimension).</exception>
    public static async Task<ServerSearchPoint> MeasureAsync(FlightClient client, SearchProtocol protocol, string collection, VectorDataset queries,
        int count, int k, int ef, int concurrency, int[]? truth, long startId, CancellationToken cancellationToken, int batch = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        if (batch > 1 && protocol != SearchProtocol.DoExchange)
            throw new ArgumentException("Only DoExchange carries several queries per request (--batch).", nameof(batch));
        int n = Math.Min(count, queries.Count);
        batch = Math.Min(batch, Math.Max(1, n));   // a batch larger than the queries is all of them (and cannot overflow below)
        var latencies = new double[n];
        var found = new ulong[n][];
        int next = 0;
        var workers = new Task[Math.Min(concurrency, (n + batch - 1) / batch)];
        var clock = Stopwatch.StartNew();
        for (int w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                await using var session = protocol == SearchProtocol.DoExchange
                    ? (ISearchSession)new ExchangeSession(client, collection, queries.Dimension, k, ef, cancellationToken)
                    : new TicketSession(client, collection, k, ef, cancellationToken);
                for (int first; (first = Interlocked.Add(ref next, batch) - batch) < n;)
                {
                    int rows = Math.Min(batch, n - first);
                    long started = Stopwatch.GetTimestamp();
                    await session.SearchAsync(queries.Rows(first, rows), rows, found.AsMemory(first, rows)).ConfigureAwait(false);
                    latencies.AsSpan(first, rows).Fill(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }, cancellationToken);
        }
        await Task.WhenAll(workers).ConfigureAwait(false);
        double seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return new ServerSearchPoint(ef, k, truth is null ? null : Recall(found, truth, k, startId), n / seconds,
            Percentile(latencies, 50), Percentile(latencies, 95), Percentile(latencies, 99), n, concurrency, batch);
    }

    // One worker's way of asking: the ids of each query's hits, nearest first, into `found` (one entry per query).
    private interface ISearchSession : IAsyncDisposable
    {
        ValueTask SearchAsync(ReadOnlyMemory<float> vectors, int rows, Memory<ulong[]> found);
    }

    private sealed class TicketSession(FlightClient client, string collection, int k, int ef, CancellationToken cancellationToken) : ISearchSession
    {
        public async ValueTask SearchAsync(ReadOnlyMemory<float> vectors, int rows, Memory<ulong[]> found)
        {
            var hits = await client.SearchAsync(collection, vectors, k, ef, cancellationToken).ConfigureAwait(false);
            found.Span[0] = hits.Ids;
        }

        public ValueTask DisposeAsync() => default;
    }

    private sealed class ExchangeSession : ISearchSession
    {
        private readonly FlightExchangeStream _exchange;
        private readonly ArrowSchema _schema;
        private readonly CancellationToken _cancellationToken;
        private byte[]? _options;                         // sent with the first request only

        public ExchangeSession(FlightClient client, string collection, int dimension, int k, int ef, CancellationToken cancellationToken)
        {
            _schema = new ArrowSchema([new ArrowField("vector", ArrowType.FixedSizeList(ArrowType.Float32, dimension), nullable: false)]);
            _exchange = client.StartExchange(FlightClient.PathDescriptor(collection), _schema, cancellationToken);
            _options = System.Text.Encoding.UTF8.GetBytes($"{{\"k\":{k},\"ef\":{ef}}}");
            _cancellationToken = cancellationToken;
        }

        // One batch of `rows` queries; the answer holds (query = row in the batch, id, score), nearest first per query.
        public async ValueTask SearchAsync(ReadOnlyMemory<float> vectors, int rows, Memory<ulong[]> found)
        {
            var batch = new ArrowRecordBatch(_schema, rows, [ArrowArray.FixedSizeList(_schema.Fields[0].Type, rows, ArrowArray.Float32(vectors))]);
            await _exchange.Writer.WriteAsync(batch, _options, _cancellationToken).ConfigureAwait(false);
            _options = null;
            var answer = await _exchange.Reader.ReadNextBatchAsync(_cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException("The server ended the DoExchange before answering a query.");
            // The answer lists each query's hits together, queries in batch order (docs/flight.md, DoExchange).
            var ids = answer.Column("id").GetValues<ulong>();
            var query = answer.Column("query").GetValues<int>();
            int start = 0;
            for (int r = 0; r < rows; r++)
            {
                int end = start;
                while (end < ids.Length && query[end] == r) end++;
                found.Span[r] = ids[start..end].ToArray();
                start = end;
            }
            if (start != ids.Length)
                throw new InvalidDataException($"The server's answer to a batch of {rows} queries is not in query order (row {start} is for query {query[start]}).");
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await _exchange.CompleteAsync(_cancellationToken).ConfigureAwait(false);
                while (await _exchange.Reader.ReadNextBatchAsync(_cancellationToken).ConfigureAwait(false) is not null) { }
            }
            finally
            {
                _exchange.Dispose();
            }
        }
    }

    /// <summary>The peer of <see cref="MeasureAsync"/>: the same queries against <paramref name="index"/> (a shard's
    /// saved graph, loaded into this process) with the same k and ef, <paramref name="concurrency"/> dedicated
    /// threads, no Flight, no gRPC, no shard hop.</summary>
    public static ServerSearchPoint MeasureInProcess(HnswIndex index, VectorDataset queries, int count, int k, int ef, int concurrency,
        int[]? truth, long startId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        int n = Math.Min(count, queries.Count);
        var latencies = new double[n];
        var found = new ulong[n][];
        int next = -1;
        var threads = new Thread[Math.Min(concurrency, n)];
        var clock = Stopwatch.StartNew();
        for (int t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(() =>
            {
                var hits = new SearchResult[k];
                for (int q; (q = Interlocked.Increment(ref next)) < n;)
                {
                    long started = Stopwatch.GetTimestamp();
                    int got = index.Search(queries.Row(q).Span, k, hits, ef);
                    latencies[q] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    var ids = new ulong[got];
                    for (int i = 0; i < got; i++) ids[i] = (ulong)hits[i].Id;
                    found[q] = ids;
                }
            }) { IsBackground = true, Name = $"bench-inproc-{t}" };
            threads[t].Start();
        }
        foreach (var thread in threads) thread.Join();
        double seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return new ServerSearchPoint(ef, k, truth is null ? null : Recall(found, truth, k, startId), n / seconds,
            Percentile(latencies, 50), Percentile(latencies, 95), Percentile(latencies, 99), n, concurrency);
    }

    /// <summary>recall@k: the mean over queries of |returned ids ∩ (startId + true rows)| / k, counting only each
    /// query's first k returned ids. <paramref name="truth"/> is queries × k, row-major.</summary>
    public static double Recall(ulong[][] found, int[] truth, int k, long startId)
    {
        if (found.Length == 0) return 0;
        long hits = 0;
        var expected = new HashSet<ulong>(k);
        for (int q = 0; q < found.Length; q++)
        {
            expected.Clear();
            for (int i = 0; i < k; i++) expected.Add((ulong)(startId + truth[q * k + i]));
            int returned = Math.Min(k, found[q].Length);
            for (int j = 0; j < returned; j++)
                if (expected.Remove(found[q][j])) hits++;
        }
        return (double)hits / ((long)found.Length * k);
    }

    /// <summary>The nearest-rank <paramref name="percent"/>th percentile of ascending <paramref name="sorted"/> (the
    /// smallest value with at least that share of values at or below it); 0 when empty.</summary>
    public static double Percentile(double[] sorted, double percent)
    {
        if (sorted.Length == 0) return 0;
        int rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

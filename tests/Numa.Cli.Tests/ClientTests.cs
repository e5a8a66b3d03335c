// `numa load` and `numa bench` against a real Flight server in process (FlightServer over InMemoryVectorBackend, an
// exact store): acknowledged rows per put, ids and vectors as stored, slow_down pauses, the server's status on a
// refused put, waiting for indexing_pending, and recall@k of an exact server against brute-force ground truth.
using System.Text.Json.Nodes;
using Numa.Arrow;
using Numa.Cli.Bench;
using Numa.Cli.Client;
using Numa.Cli.Datasets;
using Numa.Flight;
using Numa.Grpc;

namespace Numa.Cli.Tests;

public sealed class ClientTests
{
    private const int Dim = 16;

    [Fact]
    public async Task Load_acknowledges_each_put_and_stores_ids_from_start_id()
    {
        var ct = TestContext.Current.CancellationToken;
        var backend = new InMemoryVectorBackend();
        await using var server = await FlightServer.StartAsync(backend, null, ct);
        using var client = new FlightClient(server.DataAddress);
        var data = Random(2500, seed: 1);
        var acknowledged = new List<long>();

        var result = await VectorLoader.LoadAsync(client, "c", data, new LoadSettings(300, 1000, 100, TimeSpan.FromMilliseconds(10)), acknowledged.Add, ct);

        Assert.Equal(new long[] { 1000, 2000, 2500 }, acknowledged);
        Assert.Equal((2500L, 3, 0), (result.Rows, result.Puts, result.SlowDownSignals));
        Assert.Equal(2500, backend.GetCollection("c").Rows);
        Assert.Equal(Dim, backend.GetCollection("c").Dimension);
        var (_, batches) = await client.ScanAsync("c", ct);
        var stored = new Dictionary<long, float[]>();
        foreach (var batch in batches)
        {
            var ids = batch.Column("id").GetValues<long>();
            for (int row = 0; row < batch.Length; row++) stored[ids[row]] = batch.Column("vector").GetListValues<float>(row).ToArray();
        }
        Assert.Equal(2500, stored.Count);
        Assert.Equal(data.Row(0).ToArray(), stored[100]);
        Assert.Equal(data.Row(2499).ToArray(), stored[2599]);
        Assert.False(stored.ContainsKey(99));
    }

    [Fact]
    public async Task Load_pauses_before_every_later_batch_of_a_put_once_the_server_says_slow_down()
    {
        var ct = TestContext.Current.CancellationToken;
        var backend = new InMemoryVectorBackend { SlowDownAboveRows = 500 };
        await using var server = await FlightServer.StartAsync(backend, null, ct);
        using var client = new FlightClient(server.DataAddress);
        var pause = TimeSpan.FromMilliseconds(15);
        // 2 MB batches, more than an HTTP/2 stream window (Kestrel: 768 KiB): a write completes only once the server
        // reads it, so the slow_down the server sends after the first batch of each put reaches the client mid-put.
        var data = Random(10000, seed: 2, dimension: 512);

        var result = await VectorLoader.LoadAsync(client, "bp", data, new LoadSettings(1000, 5000, 0, pause), null, ct);

        // Each put's server signals once, when its first batch leaves the collection above 500 rows.
        Assert.Equal((10000L, 2, 2), (result.Rows, result.Puts, result.SlowDownSignals));
        Assert.True(result.Paused >= pause * 2, $"paused {result.Paused}: at least once per put");
        Assert.True(result.Paused <= pause * 8, $"paused {result.Paused}: at most before the 4 batches after the first, per put");
        Assert.Equal(10000, backend.GetCollection("bp").Rows);
    }

    [Fact]
    public async Task A_refused_put_surfaces_the_servers_status_not_a_broken_stream()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await FlightServer.StartAsync(new InMemoryVectorBackend(), new FlightServerOptions { BearerToken = "s3cret" }, ct);
        using var client = new FlightClient(server.DataAddress, new FlightClientOptions { BearerToken = "guess" });
        // 2 MB batches, more than an HTTP/2 stream window: the server refuses before reading them, so the request
        // stream breaks under the client's writes.
        var data = Random(8000, seed: 3, dimension: 512);

        var e = await Assert.ThrowsAsync<RpcException>(() =>
            VectorLoader.LoadAsync(client, "auth", data, new LoadSettings(1000, 8000, 0, TimeSpan.Zero), null, ct));

        Assert.Equal(GrpcStatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("bearer token", e.Status.Detail);
    }

    [Fact]
    public async Task Waiting_for_the_index_polls_until_indexing_pending_is_zero()
    {
        var ct = TestContext.Current.CancellationToken;
        var backend = new PendingBackend(pendingPolls: 3);
        await using var server = await FlightServer.StartAsync(backend, null, ct);
        using var client = new FlightClient(server.DataAddress);
        await VectorLoader.LoadAsync(client, "w", Random(10, seed: 4), new LoadSettings(10, 10, 0, TimeSpan.Zero), null, ct);

        var (reported, _) = await VectorLoader.WaitForIndexAsync(client, "w", TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(30), ct);
        Assert.True(reported);
        Assert.Equal(4, backend.Polls);   // three with rows pending, then the one that says 0

        var plain = new InMemoryVectorBackend();
        await using var other = await FlightServer.StartAsync(plain, null, ct);
        using var otherClient = new FlightClient(other.DataAddress);
        plain.CreateCollection("n", overwrite: false);
        Assert.False((await VectorLoader.WaitForIndexAsync(otherClient, "n", TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(30), ct)).Reported);

        var stuck = new PendingBackend(pendingPolls: int.MaxValue);
        await using var third = await FlightServer.StartAsync(stuck, null, ct);
        using var thirdClient = new FlightClient(third.DataAddress);
        await VectorLoader.LoadAsync(thirdClient, "s", Random(10, seed: 5), new LoadSettings(10, 10, 0, TimeSpan.Zero), null, ct);
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() =>
            VectorLoader.WaitForIndexAsync(thirdClient, "s", TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(50), ct));
        Assert.Contains("still had 10 rows of 's' to index", timeout.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Bench_of_an_exact_server_has_recall_one_and_a_wrong_start_id_has_recall_zero(bool exchange)
    {
        var protocol = exchange ? SearchProtocol.DoExchange : SearchProtocol.DoGet;
        var ct = TestContext.Current.CancellationToken;
        await using var exact = await ExactCollection.StartAsync(ct);
        var (client, queries, truth) = (exact.Client, exact.Queries, exact.Truth);

        var all = await SearchBenchmark.MeasureAsync(client, protocol, "b", queries, queries.Count, 5, 20, 3, truth, 7, ct);
        Assert.Equal(1.0, all.Recall);
        Assert.Equal((20, 5, 40, 3), (all.Ef, all.K, all.Queries, all.Concurrency));
        Assert.True(all.Qps > 0 && all.P50Ms > 0 && all.P50Ms <= all.P95Ms && all.P95Ms <= all.P99Ms);

        var shifted = await SearchBenchmark.MeasureAsync(client, protocol, "b", queries, 10, 5, 20, 1, truth, 1000, ct);
        Assert.Equal(0.0, shifted.Recall);
        Assert.Equal(10, shifted.Queries);
        Assert.Null((await SearchBenchmark.MeasureAsync(client, protocol, "b", queries, 5, 5, 20, 1, null, 7, ct)).Recall);
    }

    [Fact]
    public async Task Batched_DoExchange_answers_every_query_of_a_batch_and_refuses_batches_over_DoGet()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var exact = await ExactCollection.StartAsync(ct);
        var (client, queries, truth) = (exact.Client, exact.Queries, exact.Truth);

        // 40 queries in batches of 7 from 2 workers: five full batches and a last one of 5, each query's hits its own.
        var batched = await SearchBenchmark.MeasureAsync(client, SearchProtocol.DoExchange, "b", queries, queries.Count, 5, 20, 2, truth, 7, ct, batch: 7);
        Assert.Equal(1.0, batched.Recall);
        Assert.Equal((40, 2, 7), (batched.Queries, batched.Concurrency, batched.Batch));
        Assert.Equal(0.0, (await SearchBenchmark.MeasureAsync(client, SearchProtocol.DoExchange, "b", queries, 12, 5, 20, 1, truth, 1000, ct, batch: 7)).Recall);
        await Assert.ThrowsAsync<ArgumentException>(() =>
            SearchBenchmark.MeasureAsync(client, SearchProtocol.DoGet, "b", queries, 10, 5, 20, 1, truth, 7, ct, batch: 2));
    }

    [Fact]
    public void Recall_counts_each_true_neighbour_once_within_the_first_k_and_percentiles_are_nearest_rank()
    {
        int[] truth = [1, 2, 3, 4, 5, 6];   // two queries, k = 3
        ulong[][] found = [[11, 12, 99], [16, 16, 15, 14]];   // start id 10: 2 hits; duplicate 16 counts once, 14 is past k
        Assert.Equal(4.0 / 6, SearchBenchmark.Recall(found, truth, 3, 10), 12);

        double[] sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        Assert.Equal(5, SearchBenchmark.Percentile(sorted, 50));
        Assert.Equal(10, SearchBenchmark.Percentile(sorted, 95));
        Assert.Equal(1, SearchBenchmark.Percentile(sorted, 0));
        Assert.Equal(0, SearchBenchmark.Percentile([], 99));
    }

    [Fact]
    public void Search_tickets_carry_ef_only_when_given()
    {
        string plain = System.Text.Encoding.UTF8.GetString(FlightClient.SearchTicket("c", [1.5f, -2], 10));
        string withEf = System.Text.Encoding.UTF8.GetString(FlightClient.SearchTicket("c", [1.5f, -2], 10, 40));
        Assert.Equal("{\"search\":{\"dataset\":\"c\",\"vector\":[1.5,-2],\"k\":10}}", plain);
        Assert.Equal("{\"search\":{\"dataset\":\"c\",\"vector\":[1.5,-2],\"k\":10,\"ef\":40}}", withEf);
        Assert.Throws<ArgumentOutOfRangeException>(() => FlightClient.SearchTicket("c", [1f], 10, 0));
    }

    // An exact (in-memory) Flight server whose collection "b" holds 600 random rows with ids 7..606, 40 random
    // queries, and their 5 true nearest train rows (queries × 5).
    private sealed class ExactCollection : IAsyncDisposable
    {
        private FlightServer _server = null!;
        private TempFolder _folder = null!;

        public FlightClient Client { get; private set; } = null!;
        public VectorDataset Queries { get; private set; } = null!;
        public int[] Truth { get; private set; } = null!;

        public static async Task<ExactCollection> StartAsync(CancellationToken ct)
        {
            var c = new ExactCollection { _server = await FlightServer.StartAsync(new InMemoryVectorBackend(), null, ct), _folder = new TempFolder() };
            c.Client = new FlightClient(c._server.DataAddress);
            var train = Random(600, seed: 6);
            c.Queries = Random(40, seed: 7);
            await VectorLoader.LoadAsync(c.Client, "b", train, new LoadSettings(200, 600, 7, TimeSpan.Zero), null, ct);
            c.Truth = GroundTruth.GetAt(Path.Combine(c._folder.Path, "b.gt"), train.Vectors, train.Count, c.Queries.Vectors, c.Queries.Count, Dim, 5, 2,
                TextWriter.Null);
            return c;
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await _server.DisposeAsync();
            _folder.Dispose();
        }
    }

    private static VectorDataset Random(int count, int seed, int dimension = Dim)
    {
        var random = new Random(seed);
        var vectors = new float[count * dimension];
        for (int i = 0; i < vectors.Length; i++) vectors[i] = (float)random.NextDouble();
        return new VectorDataset("random", "test", vectors, count, dimension);
    }

    // The in-memory store, reporting indexing_pending = rows for the first pendingPolls GetGraphStats calls, then 0:
    // a server whose index lags its acknowledged puts.
    private sealed class PendingBackend(int pendingPolls) : IVectorBackend
    {
        private readonly InMemoryVectorBackend _inner = new();
        private int _polls;

        public int Polls => Volatile.Read(ref _polls);

        public IReadOnlyList<VectorCollectionInfo> ListCollections() => _inner.ListCollections();
        public VectorCollectionInfo GetCollection(string name) => _inner.GetCollection(name);
        public void CreateCollection(string name, bool overwrite) => _inner.CreateCollection(name, overwrite);
        public void DeleteCollection(string name) => _inner.DeleteCollection(name);
        public IVectorPut BeginPut(string name, ArrowSchema schema) => _inner.BeginPut(name, schema);
        public ValueTask<VectorSearchResult> SearchAsync(string name, ReadOnlyMemory<float> query, int k, int? ef,
            IReadOnlyList<VectorFilter> filters, CancellationToken cancellationToken) =>
            _inner.SearchAsync(name, query, k, ef, filters, cancellationToken);
        public IEnumerable<ArrowRecordBatch> Scan(string name, IReadOnlyList<VectorFilter> filters, long limit) => _inner.Scan(name, filters, limit);
        public bool Delete(string name, long id) => _inner.Delete(name, id);
        public ValueTask SnapshotAsync(CancellationToken cancellationToken) => _inner.SnapshotAsync(cancellationToken);

        public JsonObject GetIndexStats(string name)
        {
            var stats = _inner.GetIndexStats(name);
            stats["indexing_pending"] = Interlocked.Increment(ref _polls) <= pendingPolls ? _inner.GetCollection(name).Rows : 0;
            return stats;
        }
    }
}

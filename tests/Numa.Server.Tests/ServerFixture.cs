// A vector server on loopback (ports 0) over a temporary data directory, with Flight and HTTP clients, the data
// helpers the tests share (seeded random vectors, puts, exact k-NN), and a gate that holds a shard at a chosen job.
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Numa.Arrow;
using Numa.Flight;
using Numa.VectorServer;

namespace Numa.Server.Tests;

internal sealed class TestServer : IAsyncDisposable
{
    private TestServer(VectorServerHost host)
    {
        Host = host;
        Data = new FlightClient(host.DataAddress, new FlightClientOptions { BearerToken = host.Options.Token });
        Admin = new HttpClient { BaseAddress = host.AdminAddress };
    }

    public VectorServerHost Host { get; }

    public FlightClient Data { get; }

    public HttpClient Admin { get; }

    public static async Task<TestServer> StartAsync(string directory, Action<VectorServerOptions>? configure = null)
    {
        var options = new VectorServerOptions
        {
            DataDirectory = directory,
            DataPort = 0,
            MetaPort = 0,
            AdminPort = 0,
            Shards = "2",
            Overprovisioned = true,       // tests share two CPUs with other tests; pinning is checked in the multi-node tier
            M = 12,
            EfConstruction = 100,
        };
        configure?.Invoke(options);
        return new TestServer(await VectorServerHost.StartAsync(options, LoggerFactory.Create(_ => { })));
    }

    /// <summary>Graceful stop (snapshot on), like SIGTERM.</summary>
    public async Task StopAsync(bool snapshot = true)
    {
        Data.Dispose();
        Admin.Dispose();
        await Host.StopAsync(snapshot);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    public async Task<JsonObject> GraphStatsAsync(string collection)
    {
        var replies = await Data.DoActionAsync("GetGraphStats", Encoding.UTF8.GetBytes($"{{\"dataset\":\"{collection}\"}}"));
        return JsonNode.Parse(replies.Single())!.AsObject();
    }

    /// <summary>Waits until every sent row is indexed (GetGraphStats indexing_pending = 0).</summary>
    public async Task WaitIndexedAsync(string collection)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while ((long)(await GraphStatsAsync(collection))["indexing_pending"]! != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "rows were still not indexed after 120 s");
            await Task.Delay(50);
        }
    }
}

internal static class Vectors
{
    public static ArrowSchema Schema(int dimension) => LongbowSchema.Rows(dimension);

    /// <summary><paramref name="rows"/> × <paramref name="dimension"/> floats in [0, 1), seeded.</summary>
    public static float[] Random(int rows, int dimension, int seed)
    {
        var random = new Random(seed);
        var values = new float[rows * dimension];
        for (int i = 0; i < values.Length; i++) values[i] = random.NextSingle();
        return values;
    }

    public static ArrowRecordBatch Batch(ArrowSchema schema, long firstId, ReadOnlyMemory<float> vectors, int rows)
    {
        var ids = new long[rows];
        for (int i = 0; i < rows; i++) ids[i] = firstId + i;
        return new ArrowRecordBatch(schema, rows,
            [ArrowArray.Int64(ids), ArrowArray.FixedSizeList(schema.Fields[1].Type, rows, ArrowArray.Float32(vectors))]);
    }

    /// <summary>Puts rows with ids 0..rows-1 in batches of <paramref name="batchRows"/>; returns the final PutResult JSON.</summary>
    public static async Task<JsonObject> PutAsync(FlightClient client, string collection, float[] vectors, int dimension, int batchRows = 500, long firstId = 0)
    {
        var schema = Schema(dimension);
        int rows = vectors.Length / dimension;
        var batches = new List<ArrowRecordBatch>();
        for (int start = 0; start < rows; start += batchRows)
        {
            int n = Math.Min(batchRows, rows - start);
            batches.Add(Batch(schema, firstId + start, vectors.AsMemory(start * dimension, n * dimension), n));
        }
        var results = await client.PutAsync(collection, schema, batches);
        return JsonNode.Parse(results[^1])!.AsObject();
    }

    /// <summary>The ids of the k nearest rows (L2) by brute force.</summary>
    public static long[] Exact(float[] vectors, int dimension, ReadOnlySpan<float> query, int k)
    {
        int rows = vectors.Length / dimension;
        var distances = new (float Distance, long Id)[rows];
        for (int r = 0; r < rows; r++)
            distances[r] = (System.Numerics.Tensors.TensorPrimitives.Distance(query, vectors.AsSpan(r * dimension, dimension)), r);
        Array.Sort(distances);
        return [.. distances.Take(k).Select(d => d.Id)];
    }
}

/// <summary>A temporary directory, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "numa-server-" + Guid.NewGuid().ToString("N"));

    public TempDirectory() => Directory.CreateDirectory(Path);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Holds shard 0's next <typeparamref name="TJob"/> (and the shard with it) until <see cref="Release"/>:
/// <see cref="Held"/> is set once one is waiting.</summary>
internal sealed class ShardJobGate<TJob> : IDisposable where TJob : ShardJob
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);   // a hang fails the test instead of the run
    private readonly TestServer _server;
    private readonly ManualResetEventSlim _open = new();

    public ShardJobGate(TestServer server)
    {
        _server = server;
        server.Host.Shards[0].BeforeJob = job =>
        {
            if (job is not TJob) return;
            Held.Set();
            _open.Wait(Patience);
        };
    }

    public ManualResetEventSlim Held { get; } = new();

    public void Release()
    {
        _server.Host.Shards[0].BeforeJob = null;
        _open.Set();
    }

    public void Dispose()
    {
        _open.Dispose();
        Held.Dispose();
    }
}

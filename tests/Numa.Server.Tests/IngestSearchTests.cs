// Ingest, search, scan and delete through a real Flight client against the sharded server on loopback.
using System.Text;
using System.Text.Json.Nodes;
using Numa.Arrow;
using Numa.Flight;
using Numa.Grpc;

namespace Numa.Server.Tests;

public sealed class IngestSearchTests
{
    private const int Dimension = 16;

    [Fact]
    public async Task Rows_put_through_Flight_are_found_by_search_and_scan_across_shards()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(dir.Path);
        var vectors = Vectors.Random(3000, Dimension, seed: 1);

        var done = await Vectors.PutAsync(server.Data, "docs", vectors, Dimension);
        Assert.Equal("ok", (string)done["status"]!);
        Assert.Equal(3000, (long)done["rows"]!);
        await server.WaitIndexedAsync("docs");

        var stats = await server.GraphStatsAsync("docs");
        Assert.Equal(3000, (long)stats["rows"]!);
        var perShard = stats["shards"]!.AsArray().Select(s => (long)s!["rows"]!).ToList();
        Assert.Equal(2, perShard.Count);
        Assert.All(perShard, rows => Assert.InRange(rows, 1200, 1800));       // hash of id spreads rows over both shards

        // recall@10 against brute force over the same rows, k-NN merged from both shards
        var queries = Vectors.Random(50, Dimension, seed: 2);
        double hits = 0;
        for (int q = 0; q < 50; q++)
        {
            var query = queries.AsMemory(q * Dimension, Dimension);
            var result = await server.Data.SearchAsync("docs", query, 10);
            Assert.Equal(10, result.Count);
            for (int i = 1; i < result.Count; i++) Assert.True(result.Scores[i - 1] <= result.Scores[i], "results are nearest first");
            var exact = Vectors.Exact(vectors, Dimension, query.Span, 10);
            hits += result.Ids.Count(id => exact.Contains((long)id));
            float expected = System.Numerics.Tensors.TensorPrimitives.Distance(query.Span, vectors.AsSpan((int)result.Ids[0] * Dimension, Dimension));
            Assert.Equal(expected, result.Scores[0], 3);                      // scores are L2 distances
        }
        Assert.True(hits / 500 >= 0.95, $"recall@10 = {hits / 500:F3}");

        var (schema, batches) = await server.Data.ScanAsync("docs");
        Assert.Equal(Dimension, schema.Fields[1].Type.ListSize);
        var seen = new Dictionary<long, float[]>();
        foreach (var batch in batches)
        {
            var ids = batch.Column("id").GetValues<long>();
            var values = batch.Column("vector").Values!.GetValues<float>();
            for (int i = 0; i < ids.Length; i++) seen.Add(ids[i], values.Slice(i * Dimension, Dimension).ToArray());
        }
        Assert.Equal(3000, seen.Count);
        for (int id = 0; id < 3000; id += 97) Assert.Equal(vectors.AsSpan(id * Dimension, Dimension).ToArray(), seen[id]);
    }

    [Fact]
    public async Task A_deleted_id_is_never_returned_and_a_second_put_replaces_a_vector()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(dir.Path);
        var vectors = Vectors.Random(400, Dimension, seed: 3);
        await Vectors.PutAsync(server.Data, "docs", vectors, Dimension);
        await server.WaitIndexedAsync("docs");

        var target = vectors.AsMemory(7 * Dimension, Dimension);
        Assert.Equal(7ul, (await server.Data.SearchAsync("docs", target, 1)).Ids[0]);
        var reply = await server.Data.DoActionAsync("delete", Encoding.UTF8.GetBytes("{\"dataset\":\"docs\",\"id\":7}"));
        Assert.Contains("\"status\":\"deleted\"", Encoding.UTF8.GetString(reply.Single()));
        Assert.DoesNotContain(7ul, (await server.Data.SearchAsync("docs", target, 10)).Ids);

        // id 8 gets id 7's old vector: it is now the nearest to it
        await Vectors.PutAsync(server.Data, "docs", target.ToArray(), Dimension, firstId: 8);
        await server.WaitIndexedAsync("docs");
        var after = await server.Data.SearchAsync("docs", target, 1);
        Assert.Equal(8ul, after.Ids[0]);
        Assert.Equal(0f, after.Scores[0]);
        Assert.Equal(399, (long)(await server.GraphStatsAsync("docs"))["rows"]!);
    }

    [Fact]
    public async Task A_snapshot_compacts_an_index_that_upserts_left_mostly_tombstones()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(dir.Path);
        var vectors = Vectors.Random(1500, Dimension, seed: 8);
        for (int round = 0; round < 3; round++)                    // the same 1,500 ids three times: 3,000 replaced slots
        {
            await Vectors.PutAsync(server.Data, "docs", vectors, Dimension);
            await server.WaitIndexedAsync("docs");
        }
        var before = await server.GraphStatsAsync("docs");
        Assert.Equal(1500, (long)before["rows"]!);
        Assert.Equal(3000, (long)before["deleted"]!);

        await server.Data.DoActionAsync("ForceSnapshot", default);
        var after = await server.GraphStatsAsync("docs");
        Assert.Equal(1500, (long)after["rows"]!);
        Assert.Equal(0, (long)after["deleted"]!);
        // The old arena is freed, not kept beside the new one (arenas grow in 4 MiB chunks: this index fits in one).
        Assert.True((long)after["memory_bytes"]! <= (long)before["memory_bytes"]!, $"{before} -> {after}");
        for (int id = 0; id < 1500; id += 149)
            Assert.Equal((ulong)id, (await server.Data.SearchAsync("docs", vectors.AsMemory(id * Dimension, Dimension), 1)).Ids[0]);

        // The compacted graphs are what the snapshot saved: a restart loads them, tombstones gone, nothing rebuilt.
        await server.StopAsync();
        await using var restarted = await TestServer.StartAsync(dir.Path);
        var reloaded = await restarted.GraphStatsAsync("docs");
        Assert.Equal(1500, (long)reloaded["rows"]!);
        Assert.Equal(0, (long)reloaded["deleted"]!);
    }

    [Fact]
    public async Task Bad_requests_are_refused_with_a_status_that_says_why_and_store_nothing()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(dir.Path);
        await Vectors.PutAsync(server.Data, "docs", Vectors.Random(10, Dimension, 4), Dimension);

        async Task<RpcException> Refused(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);

        var wrongDimension = await Refused(() => Vectors.PutAsync(server.Data, "docs", Vectors.Random(10, 8, 5), 8));
        Assert.Equal(GrpcStatusCode.InvalidArgument, wrongDimension.StatusCode);
        Assert.Contains("dimension mismatch", wrongDimension.Status.Detail);

        var badName = await Refused(() => Vectors.PutAsync(server.Data, "a/b", Vectors.Random(1, Dimension, 6), Dimension));
        Assert.Equal(GrpcStatusCode.InvalidArgument, badName.StatusCode);
        Assert.Contains("path separators", badName.Status.Detail);
        var longName = await Refused(() => Vectors.PutAsync(server.Data, new string('a', 129), Vectors.Random(1, Dimension, 6), Dimension));
        Assert.Contains("limit is 128", longName.Status.Detail);

        var nan = Vectors.Random(10, Dimension, 7);
        nan[3 * Dimension + 2] = float.NaN;
        var notFinite = await Refused(() => Vectors.PutAsync(server.Data, "docs", nan, Dimension, firstId: 100));
        Assert.Equal(GrpcStatusCode.InvalidArgument, notFinite.StatusCode);
        Assert.Contains("row 3 (id 103)", notFinite.Status.Detail);

        var withMetadata = new ArrowSchema([.. Vectors.Schema(Dimension).Fields, new ArrowField("metadata", ArrowType.Utf8)]);
        var metadata = await Refused(() => server.Data.PutAsync("docs", withMetadata, []));
        Assert.Contains("not stored by this server", metadata.Status.Detail);

        var query = new float[Dimension];
        var missing = await Refused(() => server.Data.SearchAsync("nope", query, 5));
        Assert.Equal(GrpcStatusCode.NotFound, missing.StatusCode);
        using (var reader = server.Data.DoGet(Encoding.UTF8.GetBytes($"{{\"search\":{{\"dataset\":\"docs\",\"vector\":[{string.Join(',', query)}],\"k\":20,\"ef\":10}}}}")))
        {
            var efBelowK = await Refused(async () => await reader.ReadSchemaAsync());
            Assert.Equal(GrpcStatusCode.InvalidArgument, efBelowK.StatusCode);
            Assert.Contains("ef (10) must be at least k (20)", efBelowK.Status.Detail);
        }
        var filterOnMetadata = await Refused(() => server.Data.DoActionAsync("VectorSearch",
            Encoding.UTF8.GetBytes($"{{\"dataset\":\"docs\",\"vector\":[{string.Join(',', query)}],\"k\":3,\"filters\":[{{\"field\":\"metadata\",\"op\":\"==\",\"value\":\"x\"}}]}}")));
        Assert.Contains("filter on id", filterOnMetadata.Status.Detail);

        // nothing of the refused puts was stored
        await server.WaitIndexedAsync("docs");
        Assert.Equal(10, (long)(await server.GraphStatsAsync("docs"))["rows"]!);
        using var meta = new FlightClient(server.Host.MetaAddress);
        var names = (await meta.ListFlightsAsync()).Select(f => f.FlightDescriptor.Path[0]).ToList();
        Assert.Equal(["docs"], names);
    }

    [Fact]
    public async Task A_DoExchange_answers_queries_one_at_a_time_as_DoGet_does_and_takes_ef_from_app_metadata()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(dir.Path);
        var vectors = Vectors.Random(1000, Dimension, seed: 31);
        await Vectors.PutAsync(server.Data, "docs", vectors, Dimension);
        var queries = Vectors.Random(20, Dimension, seed: 32);
        var querySchema = new ArrowSchema([new ArrowField("vector", Vectors.Schema(Dimension).Fields[1].Type, nullable: false)]);

        using (var exchange = server.Data.StartExchange(FlightClient.PathDescriptor("docs"), querySchema))
        {
            for (int q = 0; q < 20; q++)
            {
                var query = queries.AsMemory(q * Dimension, Dimension);
                var batch = new ArrowRecordBatch(querySchema, 1, [ArrowArray.FixedSizeList(querySchema.Fields[0].Type, 1, ArrowArray.Float32(query))]);
                await exchange.Writer.WriteAsync(batch, q == 0 ? Encoding.UTF8.GetBytes("{\"k\":5,\"ef\":30}") : default);
                var answer = await exchange.Reader.ReadNextBatchAsync();   // answered before the next query is sent
                Assert.NotNull(answer);
                var expected = await server.Data.SearchAsync("docs", query, 5, 30);
                Assert.Equal(expected.Ids, answer.Column("id").GetValues<ulong>().ToArray());
                Assert.Equal(expected.Scores, answer.Column("score").GetValues<float>().ToArray());
            }
            await exchange.CompleteAsync();
            Assert.Null(await exchange.Reader.ReadNextBatchAsync());
        }

        using var refused = server.Data.StartExchange(FlightClient.PathDescriptor("docs"), querySchema);
        var one = new ArrowRecordBatch(querySchema, 1, [ArrowArray.FixedSizeList(querySchema.Fields[0].Type, 1, ArrowArray.Float32(queries.AsMemory(0, Dimension)))]);
        await refused.Writer.WriteAsync(one, Encoding.UTF8.GetBytes("{\"k\":20,\"ef\":10}"));
        var error = await Assert.ThrowsAsync<RpcException>(async () => await refused.Reader.ReadNextBatchAsync());
        Assert.Equal(GrpcStatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("ef (10) must be at least k (20)", error.Status.Detail);
    }

    [Fact]
    public async Task Id_filters_restrict_search_results()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(dir.Path);
        var vectors = Vectors.Random(500, Dimension, seed: 8);
        await Vectors.PutAsync(server.Data, "docs", vectors, Dimension);
        await server.WaitIndexedAsync("docs");
        var body = $"{{\"dataset\":\"docs\",\"vector\":[{string.Join(',', vectors.AsSpan(0, Dimension).ToArray().Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}],\"k\":10,\"filters\":[{{\"field\":\"id\",\"op\":\">=\",\"value\":250}}]}}";
        var results = await server.Data.DoActionAsync("VectorSearch", Encoding.UTF8.GetBytes(body));
        using var reader = new ArrowStreamReader(new MemoryStream(results.Single()));
        var batch = reader.ReadNextBatch()!;
        var ids = batch.Column("id").GetValues<ulong>().ToArray();
        Assert.Equal(10, ids.Length);
        Assert.All(ids, id => Assert.True(id >= 250));
    }

    [Fact]
    public async Task Deleting_a_collection_removes_its_rows_and_its_name()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(dir.Path);
        await Vectors.PutAsync(server.Data, "gone", Vectors.Random(50, Dimension, 9), Dimension);
        await server.Data.DoActionAsync("DeleteNamespace", Encoding.UTF8.GetBytes("{\"name\":\"gone\"}"));
        var missing = await Assert.ThrowsAsync<RpcException>(() => server.Data.SearchAsync("gone", new float[Dimension], 1));
        Assert.Equal(GrpcStatusCode.NotFound, missing.StatusCode);
        // a new collection of that name starts empty, with a new dimension
        await Vectors.PutAsync(server.Data, "gone", Vectors.Random(5, 4, 10), 4);
        await server.WaitIndexedAsync("gone");
        Assert.Equal(5, (long)(await server.GraphStatsAsync("gone"))["rows"]!);
    }
}

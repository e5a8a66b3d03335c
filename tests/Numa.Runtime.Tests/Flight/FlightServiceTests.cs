// Our FlightClient against our FlightServer (data and meta servers on loopback, in-memory backend): DoPut, DoGet
// search and scan, DoExchange, the meta calls, every action, and the statuses of refused requests.
using System.Numerics.Tensors;
using System.Text;
using System.Text.Json;
using Numa.Arrow;
using Numa.Flight;
using Numa.Flight.Protocol;
using Numa.Grpc;

namespace Numa.Tests.Flight;

public class FlightServiceTests
{
    private const int Dim = 8;

    [Fact]
    public async Task Put_then_search_returns_the_exact_nearest_rows_by_L2_distance()
    {
        await using var host = await FlightTestHost.StartAsync();
        var schema = FlightTestHost.Schema(Dim);
        var b1 = FlightTestHost.Batch(schema, 0, 300, seed: 1, out var v1);
        var b2 = FlightTestHost.Batch(schema, 300, 200, seed: 2, out var v2);
        var results = await host.Data.PutAsync("docs", schema, [b1, b2], TestContext.Current.CancellationToken);
        using (var summary = JsonDocument.Parse(results[^1]))
        {
            Assert.Equal("ok", summary.RootElement.GetProperty("status").GetString());
            Assert.Equal(500, summary.RootElement.GetProperty("rows").GetInt64());
        }

        float[] all = [.. v1, .. v2];
        var query = all.AsSpan(123 * Dim, Dim).ToArray();
        var hits = await host.Data.SearchAsync("docs", query, 5, TestContext.Current.CancellationToken);

        var expected = Enumerable.Range(0, 500)
            .Select(i => (Id: (ulong)i, Distance: TensorPrimitives.Distance(query, all.AsSpan(i * Dim, Dim))))
            .OrderBy(x => x.Distance).Take(5).ToArray();
        Assert.Equal(expected.Select(x => x.Id), hits.Ids);
        Assert.Equal(123UL, hits.Ids[0]);
        Assert.Equal(0f, hits.Scores[0]);
        for (int i = 0; i < 5; i++) Assert.Equal(expected[i].Distance, hits.Scores[i], 5);
    }

    [Fact]
    public async Task A_plain_ticket_scans_every_row_with_its_original_columns()
    {
        await using var host = await FlightTestHost.StartAsync();
        var schema = FlightTestHost.Schema(Dim, withMetadata: true);
        var batch = FlightTestHost.Batch(schema, 1000, 50, seed: 3, out var vectors);
        await host.Data.PutAsync("scan", schema, [batch], TestContext.Current.CancellationToken);

        var (scanSchema, batches) = await host.Data.ScanAsync("scan", TestContext.Current.CancellationToken);
        Assert.Equal(["id", "vector", "metadata"], scanSchema.Fields.Select(f => f.Name));
        var read = Assert.Single(batches);
        Assert.Equal(50, read.Length);
        Assert.Equal(1007L, read.Column("id").GetValues<long>()[7]);
        Assert.Equal(vectors.AsSpan(7 * Dim, Dim).ToArray(), read.Column("vector").GetListValues<float>(7).ToArray());
        Assert.Equal("{\"group\":\"g2\"}", read.Column("metadata").GetString(7));
    }

    [Fact]
    public async Task Search_filters_and_scan_tickets_with_limit_select_rows()
    {
        await using var host = await FlightTestHost.StartAsync();
        var schema = FlightTestHost.Schema(Dim, withMetadata: true);
        await host.Data.PutAsync("f", schema, [FlightTestHost.Batch(schema, 0, 90, seed: 4, out _)], TestContext.Current.CancellationToken);

        string ticket = """{"search":{"dataset":"f","vector":[0,0,0,0,0,0,0,0],"k":100,"filters":[{"field":"id","operator":">=","value":"60"},{"field":"metadata","operator":"contains","value":"g0"}]}}""";
        using var reader = host.Data.DoGet(Encoding.UTF8.GetBytes(ticket), TestContext.Current.CancellationToken);
        var ids = new List<ulong>();
        await foreach (var b in reader.ReadAllAsync(TestContext.Current.CancellationToken)) ids.AddRange(b.Column("id").GetValues<ulong>());
        Assert.Equal(Enumerable.Range(60, 30).Where(i => i % 3 == 0).Select(i => (ulong)i).Order(), ids.Order());

        using var scan = host.Meta.DoGet("""{"name":"f","limit":7,"filters":[{"field":"id","operator":"<","value":50}]}"""u8.ToArray(),
            TestContext.Current.CancellationToken);
        var rows = new List<long>();
        await foreach (var b in scan.ReadAllAsync(TestContext.Current.CancellationToken)) rows.AddRange(b.Column("id").GetValues<long>());
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], rows);
    }

    [Fact]
    public async Task A_timestamp_column_round_trips_through_DoPut_and_filters_searches_and_scans()
    {
        await using var host = await FlightTestHost.StartAsync();
        var timestampType = ArrowType.Timestamp(ArrowTimeUnit.Nanosecond, "UTC");
        var withoutTimestamp = FlightTestHost.Schema(Dim, withMetadata: true);
        var schema = new ArrowSchema([.. withoutTimestamp.Fields, new ArrowField("timestamp", timestampType)]);
        const int Rows = 40;
        const long Epoch = 1_764_633_600_000_000_000;                                   // 2025-12-02T00:00:00Z in ns
        var source = FlightTestHost.Batch(withoutTimestamp, 0, Rows, seed: 9, out _);
        var stamps = new long[Rows];
        var validity = new byte[(Rows + 7) / 8];
        for (int i = 0; i < Rows; i++)
        {
            stamps[i] = Epoch + i * 1_000_000_007L;                                      // about one second apart, odd ns
            if (i % 5 != 4) validity[i / 8] |= (byte)(1 << (i % 8));                       // every fifth row has no timestamp
        }
        var batch = new ArrowRecordBatch(schema, Rows, [.. source.Columns, ArrowArray.Timestamp(timestampType, stamps, validity)]);
        await host.Data.PutAsync("events", schema, [batch], TestContext.Current.CancellationToken);

        var (scanSchema, batches) = await host.Data.ScanAsync("events", TestContext.Current.CancellationToken);
        Assert.Equal(timestampType, scanSchema.Fields[scanSchema.IndexOf("timestamp")].Type);
        var read = Assert.Single(batches);
        var column = read.Column("timestamp");
        for (int i = 0; i < Rows; i++)
        {
            Assert.Equal(i % 5 == 4, column.IsNull(i));
            if (i % 5 != 4) Assert.Equal(stamps[i], column.GetValues<long>()[i]);
        }

        long from = stamps[20];
        string ticket = $$$"""{"search":{"dataset":"events","vector":[0,0,0,0,0,0,0,0],"k":100,"filters":[{"field":"timestamp","operator":">=","value":"{{{from}}}"}]}}""";
        using var search = host.Data.DoGet(Encoding.UTF8.GetBytes(ticket), TestContext.Current.CancellationToken);
        var ids = new List<ulong>();
        await foreach (var b in search.ReadAllAsync(TestContext.Current.CancellationToken)) ids.AddRange(b.Column("id").GetValues<ulong>());
        var expected = Enumerable.Range(20, Rows - 20).Where(i => i % 5 != 4).Select(i => (ulong)i).ToArray();
        Assert.Equal(expected, ids.Order());

        using var scan = host.Meta.DoGet(Encoding.UTF8.GetBytes($$"""{"name":"events","filters":[{"field":"timestamp","operator":"<","value":"{{stamps[3]}}"}]}"""),
            TestContext.Current.CancellationToken);
        var scanned = new List<(long Id, long Timestamp)>();
        await foreach (var b in scan.ReadAllAsync(TestContext.Current.CancellationToken))
            for (int r = 0; r < b.Length; r++) scanned.Add((b.Column("id").GetValues<long>()[r], b.Column("timestamp").GetValues<long>()[r]));
        Assert.Equal([(0L, stamps[0]), (1L, stamps[1]), (2L, stamps[2])], scanned);
    }

    [Fact]
    public async Task Search_results_come_in_batches_of_the_configured_size()
    {
        await using var host = await FlightTestHost.StartAsync(new FlightServerOptions { SearchBatchRows = 4 });
        var schema = FlightTestHost.Schema(Dim);
        await host.Data.PutAsync("chunks", schema, [FlightTestHost.Batch(schema, 0, 20, seed: 5, out _)], TestContext.Current.CancellationToken);
        using var reader = host.Data.DoGet(FlightClient.SearchTicket("chunks", new float[Dim], 10), TestContext.Current.CancellationToken);
        var lengths = new List<int>();
        await foreach (var b in reader.ReadAllAsync(TestContext.Current.CancellationToken)) lengths.Add(b.Length);
        Assert.Equal([4, 4, 2], lengths);
        Assert.Equal(["id", "score"], reader.Schema!.Fields.Select(f => f.Name));
        Assert.Equal(ArrowTypeId.UInt64, reader.Schema.Fields[0].Type.Id);
    }

    [Fact]
    public async Task Meta_calls_describe_the_collections()
    {
        await using var host = await FlightTestHost.StartAsync();
        var schema = FlightTestHost.Schema(Dim);
        await host.Data.PutAsync("alpha", schema, [FlightTestHost.Batch(schema, 0, 10, 6, out _), FlightTestHost.Batch(schema, 10, 5, 7, out _)],
            TestContext.Current.CancellationToken);
        await host.Data.PutAsync("beta", schema, [FlightTestHost.Batch(schema, 0, 3, 8, out _)], TestContext.Current.CancellationToken);

        var flights = await host.Meta.ListFlightsAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(["alpha", "beta"], flights.Select(f => f.FlightDescriptor.Path[0]));
        var filtered = await host.Meta.ListFlightsAsync("""{"filters":[{"field":"rows","operator":">","value":"5"}]}"""u8.ToArray(),
            TestContext.Current.CancellationToken);
        Assert.Equal("alpha", Assert.Single(filtered).FlightDescriptor.Path[0]);

        var info = await host.Meta.GetFlightInfoAsync(FlightClient.PathDescriptor("alpha"), TestContext.Current.CancellationToken);
        Assert.Equal(15, info.TotalRecords);
        Assert.Equal("alpha", info.Endpoint[0].Ticket.Ticket_.ToStringUtf8());
        var infoSchema = ArrowMessageDecoder.DecodeEncapsulatedSchema(info.Schema.Span);
        Assert.Equal(Dim, infoSchema.Fields[1].Type.ListSize);

        var fetched = await host.Meta.GetSchemaAsync(FlightClient.PathDescriptor("beta"), TestContext.Current.CancellationToken);
        Assert.Equal(["id", "vector"], fetched.Fields.Select(f => f.Name));

        var actions = await host.Meta.ListActionsAsync(TestContext.Current.CancellationToken);
        Assert.Equal(["CreateNamespace", "DeleteNamespace", "ListNamespaces", "VectorSearch", "delete", "GetGraphStats", "ForceSnapshot"],
            actions.Select(a => a.Type));
    }

    [Fact]
    public async Task Actions_manage_namespaces_search_delete_rows_and_report_stats()
    {
        await using var host = await FlightTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var created = await host.Meta.DoActionAsync("CreateNamespace", """{"name":"ns"}"""u8.ToArray(), ct);
        Assert.Equal("created", Json(created[0]).GetProperty("status").GetString());
        var again = await Assert.ThrowsAsync<RpcException>(() => host.Meta.DoActionAsync("CreateNamespace", """{"name":"ns"}"""u8.ToArray(), ct));
        Assert.Equal(GrpcStatusCode.AlreadyExists, again.StatusCode);

        var schema = FlightTestHost.Schema(Dim);
        await host.Data.PutAsync("ns", schema, [FlightTestHost.Batch(schema, 0, 40, seed: 9, out var vectors)], ct);
        var listed = Json((await host.Meta.DoActionAsync("ListNamespaces", default, ct))[0]);
        Assert.Equal(1, listed.GetProperty("count").GetInt32());

        var query = vectors.AsSpan(17 * Dim, Dim).ToArray();
        string body = $$"""{"dataset":"ns","vectors":[{{JsonSerializer.Serialize(query)}}],"k":3}""";
        var searched = await host.Meta.DoActionAsync("VectorSearch", Encoding.UTF8.GetBytes(body), ct);
        var ipc = new ArrowStreamReader(searched.Single()).ReadAll().Single();
        Assert.Equal(17UL, ipc.Column("id").GetValues<ulong>()[0]);

        var deleted = await host.Data.DoActionAsync("delete", """{"dataset":"ns","id":"17"}"""u8.ToArray(), ct);
        Assert.Equal("deleted", Json(deleted[0]).GetProperty("status").GetString());
        var hits = await host.Data.SearchAsync("ns", query, 3, ct);
        Assert.DoesNotContain(17UL, hits.Ids);
        var (_, scanned) = await host.Data.ScanAsync("ns", ct);
        Assert.Equal(39, scanned.Sum(b => b.Length));
        Assert.DoesNotContain(17L, scanned.SelectMany(b => b.Column("id").GetValues<long>().ToArray()));

        var stats = Json((await host.Meta.DoActionAsync("GetGraphStats", """{"dataset":"ns"}"""u8.ToArray(), ct))[0]);
        Assert.Equal(39, stats.GetProperty("rows").GetInt32());
        Assert.Equal(1, stats.GetProperty("deleted").GetInt32());
        Assert.Equal("ok", Json((await host.Meta.DoActionAsync("ForceSnapshot", default, ct))[0]).GetProperty("status").GetString());

        await host.Meta.DoActionAsync("DeleteNamespace", """{"name":"ns"}"""u8.ToArray(), ct);
        var gone = await Assert.ThrowsAsync<RpcException>(() => host.Data.SearchAsync("ns", query, 3, ct));
        Assert.Equal(GrpcStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task DoExchange_answers_each_query_batch_with_the_k_nearest_rows()
    {
        await using var host = await FlightTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var schema = FlightTestHost.Schema(Dim);
        await host.Data.PutAsync("ex", schema, [FlightTestHost.Batch(schema, 0, 64, seed: 10, out var vectors)], ct);

        var querySchema = new ArrowSchema([new ArrowField("vector", schema.Fields[1].Type)]);
        float[] q = [.. vectors.AsSpan(5 * Dim, Dim), .. vectors.AsSpan(40 * Dim, Dim)];
        var queries = new ArrowRecordBatch(querySchema, 2, [ArrowArray.FixedSizeList(schema.Fields[1].Type, 2, ArrowArray.Float32(q))]);
        using var exchange = host.Data.StartExchange(FlightClient.PathDescriptor("ex"), querySchema, ct);
        await exchange.Writer.WriteAsync(queries, """{"k":2}"""u8.ToArray(), ct);
        await exchange.CompleteAsync(ct);
        var answer = await exchange.Reader.ReadNextBatchAsync(ct);
        Assert.NotNull(answer);
        Assert.Equal([0, 0, 1, 1], answer.Column("query").GetValues<int>().ToArray());
        Assert.Equal(5UL, answer.Column("id").GetValues<ulong>()[0]);
        Assert.Equal(40UL, answer.Column("id").GetValues<ulong>()[2]);
        Assert.Null(await exchange.Reader.ReadNextBatchAsync(ct));

        // Options in metadata-only messages (pyarrow's write_metadata) hold for the batches after them, each key kept
        // until a later message changes it.
        using var second = host.Data.StartExchange(FlightClient.PathDescriptor("ex"), querySchema, ct);
        await second.Writer.WriteMetadataAsync("""{"k":3}"""u8.ToArray(), ct);
        await second.Writer.WriteMetadataAsync("""{"ef":50}"""u8.ToArray(), ct);
        await second.Writer.WriteAsync(queries, default, ct);
        await second.CompleteAsync(ct);
        var three = await second.Reader.ReadNextBatchAsync(ct);
        Assert.NotNull(three);
        Assert.Equal([0, 0, 0, 1, 1, 1], three.Column("query").GetValues<int>().ToArray());
    }

    [Fact]
    public async Task DoExchange_refuses_zero_width_queries_null_values_and_batches_over_the_answer_limit()
    {
        await using var host = await FlightTestHost.StartAsync(new FlightServerOptions { MaxExchangeAnswerRows = 100 });
        var ct = TestContext.Current.CancellationToken;
        var schema = FlightTestHost.Schema(Dim);
        await host.Data.PutAsync("ex", schema, [FlightTestHost.Batch(schema, 0, 64, seed: 10, out var vectors)], ct);
        await host.Meta.DoActionAsync("CreateNamespace", """{"name":"empty"}"""u8.ToArray(), ct);

        async Task<RpcException> Refused(string collection, ArrowRecordBatch queries, string k)
        {
            using var exchange = host.Data.StartExchange(FlightClient.PathDescriptor(collection), queries.Schema, ct);
            return await Assert.ThrowsAsync<RpcException>(async () =>
            {
                await exchange.Writer.WriteAsync(queries, System.Text.Encoding.UTF8.GetBytes(k), ct);
                await exchange.CompleteAsync(ct);
                while (await exchange.Reader.ReadNextBatchAsync(ct) is not null) { }
            });
        }

        // A FixedSizeList<float32>[0] column: int.MaxValue queries in a 0-byte body, each answered at once by an empty
        // collection, would keep a core busy for minutes.
        var zeroType = ArrowType.FixedSizeList(new ArrowField("item", ArrowType.Float32, nullable: false), 0);
        var zero = new ArrowRecordBatch(new ArrowSchema([new ArrowField("vector", zeroType)]), int.MaxValue,
            [ArrowArray.FixedSizeList(zeroType, int.MaxValue, ArrowArray.Float32(Array.Empty<float>()))]);
        var width = await Refused("empty", zero, """{"k":1}""");
        Assert.Equal(GrpcStatusCode.InvalidArgument, width.StatusCode);
        Assert.Contains("at least one value per row", width.Status.Detail);

        var type = schema.Fields[1].Type;
        var querySchema = new ArrowSchema([new ArrowField("vector", type)]);
        var many = new ArrowRecordBatch(querySchema, 11, [ArrowArray.FixedSizeList(type, 11, ArrowArray.Float32(vectors.AsMemory(0, 11 * Dim)))]);
        var limit = await Refused("ex", many, """{"k":10}""");
        Assert.Equal(GrpcStatusCode.InvalidArgument, limit.StatusCode);
        Assert.Contains("asks for 110 answer rows; the limit is 100", limit.Status.Detail);

        var holey = new ArrowRecordBatch(querySchema, 1,
            [ArrowArray.FixedSizeList(type, 1, ArrowArray.Float32(vectors.AsMemory(0, Dim), new byte[] { 0b1111_1110 }))]);   // value 0 is null
        var nulls = await Refused("ex", holey, """{"k":1}""");
        Assert.Equal(GrpcStatusCode.InvalidArgument, nulls.StatusCode);
        Assert.Contains("null value", nulls.Status.Detail);

        // Ten queries with k = 10 are exactly at the limit and answered.
        using var fine = host.Data.StartExchange(FlightClient.PathDescriptor("ex"), querySchema, ct);
        await fine.Writer.WriteAsync(new ArrowRecordBatch(querySchema, 10, [ArrowArray.FixedSizeList(type, 10, ArrowArray.Float32(vectors.AsMemory(0, 10 * Dim)))]),
            """{"k":10}"""u8.ToArray(), ct);
        await fine.CompleteAsync(ct);
        Assert.Equal(100, (await fine.Reader.ReadNextBatchAsync(ct))!.Length);
    }

    [Fact]
    public async Task A_JSON_body_that_is_not_UTF_8_is_INVALID_ARGUMENT()
    {
        await using var host = await FlightTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        byte[] body = [.. """{"name":"a"""u8, 0xC3, 0x28, .. "\"}"u8];      // C3 28: a lead byte without its continuation
        var refused = await Assert.ThrowsAsync<RpcException>(() => host.Meta.DoActionAsync("CreateNamespace", body, ct));
        Assert.Equal(GrpcStatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("not valid UTF-8", refused.Status.Detail);
        Assert.Empty(host.Backend.ListCollections());
    }

    [Fact]
    public async Task A_put_that_outlives_a_delete_and_a_re_create_of_its_collection_is_refused_and_stores_nothing_there()
    {
        await using var host = await FlightTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var schema = FlightTestHost.Schema(Dim);
        using var put = host.Data.StartPut(FlightClient.PathDescriptor("re"), schema, ct);
        await put.WriteAsync(FlightTestHost.Batch(schema, 0, 10, seed: 20, out _), ct);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (host.Backend.ListCollections().FirstOrDefault(c => c.Name == "re") is not { Rows: 10 })
        {
            Assert.True(DateTime.UtcNow < deadline, "the put's first batch was never stored");
            await Task.Delay(10, ct);
        }
        host.Backend.DeleteCollection("re");
        await host.Data.PutAsync("re", schema, [FlightTestHost.Batch(schema, 100, 5, seed: 21, out _)], ct);

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await put.WriteAsync(FlightTestHost.Batch(schema, 10, 20, seed: 22, out _), ct);
            await put.CompleteAsync(ct);
        });
        Assert.Equal(GrpcStatusCode.NotFound, refused.StatusCode);
        Assert.Contains("was deleted or replaced during the put", refused.Status.Detail);
        Assert.Equal(5, host.Backend.GetCollection("re").Rows);
    }

    [Fact]
    public async Task Backpressure_sends_one_slow_down_PutResult_and_keeps_every_batch()
    {
        await using var host = await FlightTestHost.StartAsync(backend: new InMemoryVectorBackend { SlowDownAboveRows = 15 });
        var schema = FlightTestHost.Schema(Dim);
        var batches = Enumerable.Range(0, 4).Select(i => FlightTestHost.Batch(schema, i * 10, 10, i, out _)).ToArray();
        var results = await host.Data.PutAsync("bp", schema, batches, TestContext.Current.CancellationToken);
        Assert.Equal(2, results.Count);
        Assert.Equal("slow_down", Json(results[0]).GetProperty("status").GetString());
        Assert.Equal("memory_pressure", Json(results[0]).GetProperty("reason").GetString());
        Assert.Equal(40, Json(results[1]).GetProperty("rows").GetInt32());
        Assert.Equal(40, host.Backend.GetCollection("bp").Rows);
    }

    [Fact]
    public async Task Refused_requests_end_with_the_matching_status_and_a_clear_message()
    {
        await using var host = await FlightTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var schema = FlightTestHost.Schema(Dim);
        await host.Data.PutAsync("c", schema, [FlightTestHost.Batch(schema, 0, 5, 1, out _)], ct);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => host.Data.SearchAsync("nope", new float[Dim], 3, ct));
        Assert.Equal(GrpcStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("'nope'", unknown.Status.Detail);

        var dim = await Assert.ThrowsAsync<RpcException>(() => host.Data.SearchAsync("c", new float[3], 3, ct));
        Assert.Equal(GrpcStatusCode.InvalidArgument, dim.StatusCode);
        Assert.Contains("dimension mismatch: expected 8, got 3", dim.Status.Detail);

        var k = await Assert.ThrowsAsync<RpcException>(() => host.Data.SearchAsync("c", new float[Dim], 0, ct));
        Assert.Contains("k must be at least 1", k.Status.Detail);

        var otherDim = FlightTestHost.Schema(4);
        var put = await Assert.ThrowsAsync<RpcException>(() => host.Data.PutAsync("c", otherDim, [FlightTestHost.Batch(otherDim, 0, 2, 1, out _)], ct));
        Assert.Equal(GrpcStatusCode.InvalidArgument, put.StatusCode);
        Assert.Contains("dimension mismatch: expected 8, got 4", put.Status.Detail);

        var twoVectors = new ArrowSchema([new ArrowField("id", ArrowType.Int64), new ArrowField("vector", ArrowType.FixedSizeList(ArrowType.Float32, 4)),
            new ArrowField("vector", ArrowType.FixedSizeList(ArrowType.Float32, 8))]);
        var duplicate = await Assert.ThrowsAsync<RpcException>(() => host.Data.PutAsync("e", twoVectors, [], ct));
        Assert.Equal(GrpcStatusCode.InvalidArgument, duplicate.StatusCode);
        Assert.Contains("two columns named 'vector'", duplicate.Status.Detail);
        Assert.DoesNotContain(host.Backend.ListCollections(), c => c.Name == "e");

        var noVector = new ArrowSchema([new ArrowField("id", ArrowType.Int64)]);
        var schemaError = await Assert.ThrowsAsync<RpcException>(() => host.Data.PutAsync("d", noVector, [], ct));
        Assert.Equal(GrpcStatusCode.InvalidArgument, schemaError.StatusCode);
        Assert.Contains("no 'vector' column", schemaError.Status.Detail);

        using var badTicket = host.Data.DoGet("{\"search\":"u8.ToArray(), ct);
        var json = await Assert.ThrowsAsync<RpcException>(async () => await badTicket.ReadSchemaAsync(ct));
        Assert.Equal(GrpcStatusCode.InvalidArgument, json.StatusCode);
        Assert.Contains("not valid JSON", json.Status.Detail);

        using var noPath = host.Data.StartPut(new FlightDescriptor { Type = FlightDescriptor.Types.DescriptorType.Cmd }, schema, ct);
        var path = await Assert.ThrowsAsync<RpcException>(() => noPath.CompleteAsync(ct));
        Assert.Contains("missing flight descriptor path", path.Status.Detail);

        var action = await Assert.ThrowsAsync<RpcException>(() => host.Meta.DoActionAsync("Frobnicate", default, ct));
        Assert.Equal(GrpcStatusCode.Unimplemented, action.StatusCode);
        var wrongServer = await Assert.ThrowsAsync<RpcException>(() => host.Meta.PutAsync("c", schema, [], ct));
        Assert.Equal(GrpcStatusCode.Unimplemented, wrongServer.StatusCode);
        Assert.Contains("data server", wrongServer.Status.Detail);

        Assert.Equal(5, (await host.Meta.GetFlightInfoAsync(FlightClient.PathDescriptor("c"), ct)).TotalRecords);   // still serving
    }

    [Fact]
    public async Task A_corrupt_record_batch_header_is_INVALID_ARGUMENT_and_earlier_batches_stay_stored()
    {
        await using var host = await FlightTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var schema = FlightTestHost.Schema(Dim);
        var good = FlightTestHost.Batch(schema, 0, 4, 1, out _);
        var encoder = new ArrowMessageEncoder();
        byte[] schemaHeader = encoder.EncodeSchema(schema).ToArray();
        byte[] header = encoder.EncodeRecordBatch(good).ToArray();
        var body = new byte[encoder.BodyLength];
        encoder.WriteBody(body);

        using var call = new GrpcChannel(host.Server.DataAddress).StartDuplexStreaming(FlightMethods.DoPut, new GrpcCallOptions { CancellationToken = ct });
        await call.RequestStream.WriteAsync(new FlightDataMessage(FlightClient.PathDescriptor("corrupt"), schemaHeader, ReadOnlyMemory<byte>.Empty), ct);
        await call.RequestStream.WriteAsync(new FlightDataMessage(null, header, body), ct);
        await call.RequestStream.WriteAsync(new FlightDataMessage(null, header, body.AsMemory(0, 8)), ct);      // body shorter than declared
        var ex = await Assert.ThrowsAsync<RpcException>(async () => { while (await call.ResponseStream.MoveNextAsync(ct)) { } });
        Assert.Equal(GrpcStatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("FlightData message 3", ex.Status.Detail);
        Assert.Equal(4, host.Backend.GetCollection("corrupt").Rows);
    }

    [Fact]
    public async Task A_bearer_token_is_required_and_the_handshake_provides_it()
    {
        var options = new FlightServerOptions { BearerToken = "s3cret" };
        await using var host = await FlightTestHost.StartAsync(options);
        var ct = TestContext.Current.CancellationToken;
        var missing = await Assert.ThrowsAsync<RpcException>(() => host.Meta.ListActionsAsync(ct));
        Assert.Equal(GrpcStatusCode.Unauthenticated, missing.StatusCode);

        using var wrong = new FlightClient(host.Server.MetaAddress, new FlightClientOptions { BearerToken = "guess" });
        Assert.Equal(GrpcStatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => wrong.ListActionsAsync(ct))).StatusCode);
        Assert.Equal(GrpcStatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => wrong.HandshakeAsync("guess", ct))).StatusCode);

        Assert.Equal("s3cret", await host.Meta.HandshakeAsync("s3cret", ct));
        Assert.Equal(7, (await host.Meta.ListActionsAsync(ct)).Count);
        using var configured = new FlightClient(host.Server.DataAddress, new FlightClientOptions { BearerToken = "s3cret" });
        var schema = FlightTestHost.Schema(Dim);
        await configured.PutAsync("auth", schema, [FlightTestHost.Batch(schema, 0, 2, 1, out _)], ct);
    }

    private static JsonElement Json(byte[] bytes) => JsonDocument.Parse(bytes).RootElement;
}

// The data path of FlightService: DoPut (ingest), DoGet (search and scan tickets), DoExchange (streamed search).
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Numa.Arrow;
using Numa.Flight.Protocol;
using Numa.Grpc;

namespace Numa.Flight;

public sealed partial class FlightService
{
    private static readonly ArrowSchema s_exchangeSchema = new(
    [
        new ArrowField("query", ArrowType.Int32, nullable: false),
        new ArrowField("id", ArrowType.UInt64, nullable: false),
        new ArrowField("score", ArrowType.Float32, nullable: false),
    ]);

    // DoPut: descriptor PATH[0] on the first message, then the schema, then batches; a slow_down PutResult each time
    // the backend enters pressure, and a final {"status":"ok",…} PutResult once every batch is stored (and durable,
    // when the backend hands back a pending IngestResult.Durable).
    private async Task DoPutAsync(GrpcStreamReader<FlightDataMessage> requests, GrpcServerStreamWriter<PutResult> responses,
        GrpcServerCallContext context)
    {
        Authorize(context);
        var token = context.CancellationToken;
        using var reader = new FlightBatchReader(requests, _options.ArrowReadOptions, null);
        try
        {
            var schema = await reader.ReadSchemaAsync(token).ConfigureAwait(false);
            string name = CollectionOf(reader.Descriptor, "DoPut");
            var put = _backend.BeginPut(name, schema);
            long rows = 0, batches = 0;
            bool slow = false;
            var durable = new List<Task>();          // batches accepted but not yet durable; all awaited before "ok"
            while (await reader.ReadNextBatchAsync(token).ConfigureAwait(false) is { } batch)
            {
                var ack = await put.AppendAsync(batch, token).ConfigureAwait(false);
                if (ack.Durable is { IsCompletedSuccessfully: false } pending) durable.Add(pending);
                rows += batch.Length;
                batches++;
                if (ack.SlowDown && !slow)
                {
                    var signal = new JsonObject { ["status"] = "slow_down", ["reason"] = ack.Reason ?? "backpressure" };
                    await responses.WriteAsync(new PutResult { AppMetadata = Json(signal) }, token).ConfigureAwait(false);
                }
                slow = ack.SlowDown;
            }
            await Task.WhenAll(durable).WaitAsync(token).ConfigureAwait(false);
            var done = new JsonObject { ["status"] = "ok", ["dataset"] = name, ["rows"] = rows, ["batches"] = batches };
            await responses.WriteAsync(new PutResult { AppMetadata = Json(done) }, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex) is { } status)
        {
            throw status;
        }
    }

    private async Task DoGetAsync(Ticket ticket, GrpcServerStreamWriter<FlightDataMessage> responses, GrpcServerCallContext context)
    {
        Authorize(context);
        var token = context.CancellationToken;
        try
        {
            var query = FlightTicket.Parse(ticket.Ticket_.Memory);
            if (query.Vector is { } vector)
            {
                var result = await _backend.SearchAsync(query.Collection, vector, query.K, query.Ef, query.Filters, token).ConfigureAwait(false);
                // A search answer is small (k rows): schema and batches are buffered and leave with the trailers.
                var writer = new FlightBatchWriter((m, t) => responses.WriteAsync(m, flush: false, t), s_searchSchema, null);
                await writer.WriteSchemaAsync(token).ConfigureAwait(false);
                for (int start = 0; start < result.Count; start += _options.SearchBatchRows)
                {
                    int n = Math.Min(_options.SearchBatchRows, result.Count - start);
                    await writer.WriteAsync(SearchBatch(result, start, n), default, token).ConfigureAwait(false);
                }
                return;
            }
            var info = _backend.GetCollection(query.Collection);
            var schema = info.Schema ?? throw new RpcException(GrpcStatusCode.FailedPrecondition,
                $"Collection '{query.Collection}' holds no data yet, so it has no schema to stream.");
            var scan = new FlightBatchWriter((m, t) => responses.WriteAsync(m, t), schema, null);
            await scan.WriteSchemaAsync(token).ConfigureAwait(false);
            foreach (var batch in _backend.Scan(query.Collection, query.Filters, query.Limit))
                await scan.WriteAsync(batch, default, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex) is { } status)
        {
            throw status;
        }
    }

    // DoExchange: the first message's descriptor names the collection; any message's app_metadata may set {"k": n}
    // (default 10) and {"ef": n} (default: the index's efSearch) for its batch and the ones after; every incoming
    // batch's `vector` rows are queries, answered by one batch of (query = row index in that batch, id, score), k rows
    // per query, nearest first.
    private async Task DoExchangeAsync(GrpcStreamReader<FlightDataMessage> requests, GrpcServerStreamWriter<FlightDataMessage> responses,
        GrpcServerCallContext context)
    {
        Authorize(context);
        var token = context.CancellationToken;
        (int K, int? Ef) options = (10, null);       // every app_metadata, metadata-only messages too, updates them
        using var reader = new FlightBatchReader(requests, _options.ArrowReadOptions, null, m => options = ReadOptions(m, options.K, options.Ef));
        try
        {
            var schema = await reader.ReadSchemaAsync(token).ConfigureAwait(false);
            string name = CollectionOf(reader.Descriptor, "DoExchange");
            int vectorColumn = schema.IndexOf("vector");
            if (vectorColumn < 0 || schema.Fields[vectorColumn].Type is not { Id: ArrowTypeId.FixedSizeList } type
                || type.ValueField!.Type.Id != ArrowTypeId.Float32 || type.ListSize < 1)
                throw FlightJson.Invalid($"DoExchange: the query batches need a 'vector' FixedSizeList<float32> column of at least one value per row; the schema is [{schema}].");
            var writer = new FlightBatchWriter((m, t) => responses.WriteAsync(m, t), s_exchangeSchema, null);
            await writer.WriteSchemaAsync(token).ConfigureAwait(false);
            var empty = Array.Empty<VectorFilter>();
            while (await reader.ReadNextBatchAsync(token).ConfigureAwait(false) is { } batch)
            {
                var (k, ef) = options;
                var vectors = batch.Columns[vectorColumn];
                if ((long)batch.Length * k > _options.MaxExchangeAnswerRows)
                    throw FlightJson.Invalid($"DoExchange: a batch of {batch.Length} queries with k = {k} asks for {(long)batch.Length * k} answer rows; " +
                        $"the limit is {_options.MaxExchangeAnswerRows} (FlightServerOptions.MaxExchangeAnswerRows): send fewer queries per batch or a smaller k.");
                if (vectors.Values!.NullCount != 0) throw FlightJson.Invalid("DoExchange: a query vector holds a null value.");
                var queries = new List<int>();
                var ids = new List<ulong>();
                var scores = new List<float>();
                for (int row = 0; row < batch.Length; row++)
                {
                    token.ThrowIfCancellationRequested();      // a backend may answer without awaiting (an empty collection)
                    if (vectors.IsNull(row)) throw FlightJson.Invalid($"DoExchange: query {row} of a batch is null.");
                    var hits = await _backend.SearchAsync(name, vectors.GetListValues<float>(row).ToArray(), k, ef, empty, token).ConfigureAwait(false);
                    for (int i = 0; i < hits.Count; i++)
                    {
                        queries.Add(row);
                        ids.Add(hits.Ids[i]);
                        scores.Add(hits.Scores[i]);
                    }
                }
                var answer = new ArrowRecordBatch(s_exchangeSchema, ids.Count,
                    [ArrowArray.Int32(queries.ToArray()), ArrowArray.UInt64(ids.ToArray()), ArrowArray.Float32(scores.ToArray())]);
                await writer.WriteAsync(answer, default, token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (Translate(ex) is { } status)
        {
            throw status;
        }
    }

    private static (int K, int? Ef) ReadOptions(ReadOnlyMemory<byte> appMetadata, int k, int? ef)
    {
        const string What = "DoExchange app_metadata";
        if (appMetadata.IsEmpty) return (k, ef);
        using var options = FlightJson.Parse(appMetadata, What);
        long newK = FlightJson.Integer(options.RootElement, "k", What, k);
        if (newK < 1) throw FlightJson.Invalid("k must be at least 1.");
        if (newK > int.MaxValue) throw FlightJson.Invalid($"k = {newK} is larger than {int.MaxValue}.");
        return ((int)newK, FlightJson.Ef(options.RootElement, What) ?? ef);
    }

    private static ArrowRecordBatch SearchBatch(VectorSearchResult result, int start, int count) =>
        new(s_searchSchema, count,
        [
            ArrowArray.UInt64(result.Ids.AsMemory(start, count)),
            ArrowArray.Float32(result.Scores.AsMemory(start, count)),
        ]);

    // A DoGet ticket: a search, a JSON scan {"name","filters","limit"}, or (first byte not '{') a bare name.
    private sealed record FlightTicket(string Collection, float[]? Vector, int K, int? Ef, List<VectorFilter> Filters, long Limit)
    {
        public static FlightTicket Parse(ReadOnlyMemory<byte> ticket)
        {
            var span = ticket.Span.TrimStart(" \t\r\n"u8);
            if (span.IsEmpty) throw FlightJson.Invalid("The ticket is empty (expected a collection name or a JSON query).");
            if (span[0] != (byte)'{')
            {
                string name;
                try
                {
                    name = new UTF8Encoding(false, true).GetString(ticket.Span).Trim();
                }
                catch (DecoderFallbackException)
                {
                    throw FlightJson.Invalid("The ticket is neither JSON nor a UTF-8 collection name.");
                }
                return new FlightTicket(name, null, 0, null, [], 0);
            }
            using var document = FlightJson.Parse(ticket, "ticket");
            var root = document.RootElement;
            if (root.TryGetProperty("search", out var search))
            {
                if (search.ValueKind != JsonValueKind.Object) throw FlightJson.Invalid("'search' in the ticket must be an object.");
                const string What = "search ticket";
                string dataset = FlightJson.String(search, "dataset", What, true)!;
                if (!search.TryGetProperty("vector", out var vector)) throw FlightJson.Invalid("The search ticket has no 'vector'.");
                long k = FlightJson.Integer(search, "k", What, 10);
                if (k < 1) throw FlightJson.Invalid("k must be at least 1.");
                if (k > int.MaxValue) throw FlightJson.Invalid($"k = {k} is too large.");
                return new FlightTicket(dataset, FlightJson.Vector(vector, "vector", What), (int)k, FlightJson.Ef(search, What), FlightJson.Filters(search, What), 0);
            }
            string collection = FlightJson.String(root, "name", "ticket", false)
                ?? throw FlightJson.Invalid("The ticket JSON has neither 'search' nor 'name'.");
            long limit = FlightJson.Integer(root, "limit", "ticket", 0);
            if (limit < 0) throw FlightJson.Invalid($"'limit' in the ticket is {limit}; it must be ≥ 0.");
            return new FlightTicket(collection, null, 0, null, FlightJson.Filters(root, "ticket"), limit);
        }
    }
}

// The DoPut side of `numa load`: a data set's rows as `id int64, vector FixedSizeList<float32>[dim]` batches, a put of
// --put-rows rows at a time (acknowledged, so durable, when the put's final PutResult says ok), pausing between
// batches once the server signals slow_down; then polling GetGraphStats until the index has caught up.
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Numa.Arrow;
using Numa.Cli.Datasets;
using Numa.Flight;
using Numa.Grpc;

namespace Numa.Cli.Client;

/// <summary>How <see cref="VectorLoader.LoadAsync"/> cuts the rows: <paramref name="PutRows"/> rows per DoPut call,
/// sent as record batches of <paramref name="BatchRows"/>; row i gets id <paramref name="StartId"/> + i; after a
/// slow_down signal every later batch of that put waits <paramref name="SlowDownPause"/> first.</summary>
internal sealed record LoadSettings(int BatchRows, int PutRows, long StartId, TimeSpan SlowDownPause);

/// <summary>What a load did: rows acknowledged, seconds from the first put to the last acknowledgement, DoPut
/// calls, slow_down signals received and the time spent pausing for them.</summary>
internal sealed record LoadResult(long Rows, double Seconds, int Puts, int SlowDownSignals, TimeSpan Paused);

internal static class VectorLoader
{
    /// <summary>The put schema for <paramref name="dimension"/>: <c>id int64 not null, vector
    /// FixedSizeList&lt;float32&gt;[dimension] not null</c> (Longbow's, docs/flight.md).</summary>
    public static ArrowSchema Schema(int dimension) => LongbowSchema.Rows(dimension);

    /// <summary>Puts every row of <paramref name="data"/> into <paramref name="collection"/> (created by the first put
    /// if missing). <paramref name="acknowledged"/> gets the running total of acknowledged rows after each put.</summary>
    /// <exception cref="RpcException">The server refused a put (its status), the transport failed (UNAVAILABLE), or a
    /// put's final PutResult is not <c>{"status":"ok","rows":n}</c> for the n rows sent (INTERNAL).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the rows
    /// acknowledged until then were reported.</exception>
    public static async Task<LoadResult> LoadAsync(FlightClient client, string collection, VectorDataset data, LoadSettings settings,
        Action<long>? acknowledged, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.BatchRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.PutRows, 1);
        var schema = Schema(data.Dimension);
        var descriptor = FlightClient.PathDescriptor(collection);
        long done = 0;
        int puts = 0, signals = 0;
        var paused = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        for (int first = 0; first < data.Count; first += settings.PutRows)
        {
            int rows = Math.Min(settings.PutRows, data.Count - first);
            using var put = client.StartPut(descriptor, schema, cancellationToken);
            int seen = 0;
            bool slow = false;
            for (int start = first; start < first + rows; start += settings.BatchRows)
            {
                if (slow)
                {
                    await Task.Delay(settings.SlowDownPause, cancellationToken).ConfigureAwait(false);
                    paused += settings.SlowDownPause;
                }
                int n = Math.Min(settings.BatchRows, first + rows - start);
                await put.WriteAsync(Batch(schema, data, start, n, settings.StartId), cancellationToken).ConfigureAwait(false);
                var received = put.ReceivedResults();
                for (; seen < received.Count; seen++)
                {
                    if (StatusOf(received[seen]) != "slow_down") continue;
                    slow = true;
                    signals++;
                }
            }
            var results = await put.CompleteAsync(cancellationToken).ConfigureAwait(false);
            for (; seen < results.Count - 1; seen++)
                if (StatusOf(results[seen]) == "slow_down") signals++;
            CheckFinal(results, rows, first, settings.StartId);
            puts++;
            done += rows;
            acknowledged?.Invoke(done);
        }
        return new LoadResult(done, clock.Elapsed.TotalSeconds, puts, signals, paused);
    }

    /// <summary>Polls the GetGraphStats action every <paramref name="interval"/> until its reply's
    /// <c>indexing_pending</c> is 0.</summary>
    /// <returns>Whether the server reports <c>indexing_pending</c> at all (when it does not, this returns after the
    /// first reply without waiting), and the time waited.</returns>
    /// <exception cref="RpcException">The action failed, or its reply is not a JSON object with a numeric
    /// indexing_pending (INTERNAL).</exception>
    /// <exception cref="TimeoutException">Rows were still pending after <paramref name="timeout"/>.</exception>
    public static async Task<(bool Reported, TimeSpan Waited)> WaitForIndexAsync(FlightClient client, string collection, TimeSpan interval,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        byte[] body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, string> { ["dataset"] = collection }));
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var replies = await client.DoActionAsync("GetGraphStats", body, cancellationToken).ConfigureAwait(false);
            if (replies.Count == 0) throw new RpcException(GrpcStatusCode.Internal, "GetGraphStats: the server sent no result.");
            long pending;
            try
            {
                using var json = JsonDocument.Parse(replies[0]);
                if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("indexing_pending", out var value))
                    return (false, clock.Elapsed);
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out pending))
                    throw new RpcException(GrpcStatusCode.Internal, $"GetGraphStats: indexing_pending is {value.GetRawText()}, not an integer.");
            }
            catch (JsonException e)
            {
                throw new RpcException(GrpcStatusCode.Internal, $"GetGraphStats: the reply is not JSON: {e.Message}");
            }
            if (pending <= 0) return (true, clock.Elapsed);
            if (clock.Elapsed >= timeout)
                throw new TimeoutException($"the server still had {pending} rows of '{collection}' to index after {timeout.TotalSeconds:F0} s.");
            await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
        }
    }

    // The vectors view the data set's array (the writer copies them once, into the transport); only ids are new.
    private static ArrowRecordBatch Batch(ArrowSchema schema, VectorDataset data, int first, int rows, long startId)
    {
        var ids = new long[rows];
        for (int i = 0; i < rows; i++) ids[i] = startId + first + i;
        return new ArrowRecordBatch(schema, rows,
        [
            ArrowArray.Int64(ids),
            ArrowArray.FixedSizeList(schema.Fields[1].Type, rows, ArrowArray.Float32(data.Rows(first, rows))),
        ]);
    }

    private static void CheckFinal(IReadOnlyList<byte[]> results, int rows, int first, long startId)
    {
        string what = $"DoPut of ids {startId + first}..{startId + first + rows - 1}";
        if (results.Count == 0) throw new RpcException(GrpcStatusCode.Internal, $"{what}: the server sent no PutResult.");
        byte[] last = results[^1];
        try
        {
            using var json = JsonDocument.Parse(last);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String
                && status.ValueEquals("ok") && root.TryGetProperty("rows", out var count) && count.ValueKind == JsonValueKind.Number
                && count.TryGetInt64(out long n) && n == rows)
                return;
        }
        catch (JsonException)
        {
        }
        throw new RpcException(GrpcStatusCode.Internal,
            $"{what}: the server's last PutResult is {Encoding.UTF8.GetString(last)}; expected {{\"status\":\"ok\",\"rows\":{rows},…}}.");
    }

    private static string? StatusOf(byte[] metadata)
    {
        try
        {
            using var json = JsonDocument.Parse(metadata);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("status", out var s)
                && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        }
        catch (JsonException)
        {
            return null;   // app_metadata is free-form; what is not JSON is not a signal
        }
    }
}

/// <summary>What <see cref="VectorVerifier.VerifyAsync"/> found: rows of the file present with an identical vector,
/// rows missing from the collection, rows whose stored vector differs, and rows scanned in all.</summary>
internal sealed record VerifyResult(long Present, long Missing, long Different, long Scanned, double Seconds);

/// <summary>The other direction of a load: scans the collection (DoGet of its name) and checks that every row of
/// the file is there under its id with a bit-identical vector — what "every acknowledged row survived" means.</summary>
internal static class VectorVerifier
{
    /// <exception cref="RpcException">The scan failed (NOT_FOUND for a missing collection, and the like).</exception>
    /// <exception cref="FormatException">The collection's vectors have another dimension than the file's.</exception>
    public static async Task<VerifyResult> VerifyAsync(FlightClient client, string collection, VectorDataset data, long startId, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var seen = new byte[data.Count];          // 0: not seen; 1: identical; 2: different
        long scanned = 0;
        using var reader = client.DoGet(Encoding.UTF8.GetBytes(collection), cancellationToken);
        var schema = await reader.ReadSchemaAsync(cancellationToken).ConfigureAwait(false);
        int vectorColumn = schema.IndexOf("vector");
        if (vectorColumn < 0 || schema.Fields[vectorColumn].Type.ListSize != data.Dimension)
            throw new FormatException($"'{collection}' holds [{schema}]; the file's vectors have dimension {data.Dimension}.");
        await foreach (var batch in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var ids = batch.Column("id").GetValues<long>();
            var vectors = batch.Columns[vectorColumn].Values!.GetValues<float>();
            for (int i = 0; i < ids.Length; i++)
            {
                scanned++;
                long row = ids[i] - startId;
                if (row < 0 || row >= data.Count) continue;
                bool same = vectors.Slice(i * data.Dimension, data.Dimension).SequenceEqual(data.Row((int)row).Span);
                seen[row] = same ? (byte)1 : (byte)2;
            }
        }
        long present = seen.Count(s => s == 1), different = seen.Count(s => s == 2);
        return new VerifyResult(present, data.Count - present - different, different, scanned, started.Elapsed.TotalSeconds);
    }
}

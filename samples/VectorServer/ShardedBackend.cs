// The Flight service's store in `numa serve`: validates requests, routes rows to shards by a hash of the id, fans
// searches out to every shard and merges their top-k, and turns shard failures into the statuses clients see.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Numa.Arrow;
using Numa.Flight;
using Numa.Storage.Wal;
using Numa.Vectors;

namespace Numa.VectorServer;

/// <summary>
/// An <see cref="IVectorBackend"/> over the shard workers. A collection holds <c>id int64, vector
/// FixedSizeList&lt;float32&gt;[dim]</c> rows (the HNSW index keeps no other columns, so a put with <c>metadata</c> or
/// <c>timestamp</c> is refused rather than silently stripped); row <c>id</c> lives on shard
/// <c>mix64(id) mod shards</c>. Searches are L2 (scores are Euclidean distances, nearest first); filters apply to
/// <c>id</c>; a shard on the request thread's own node is searched in place, the others on their threads. Sync members (catalog operations, scans, stats) wait for the shards; they are the rare ones.
/// </summary>
internal sealed class ShardedBackend : IVectorBackend
{
    /// <summary>Longest collection name, in characters.</summary>
    public const int MaxNameLength = 128;

    /// <summary>Largest k a search may ask for.</summary>
    public const int MaxK = 10_000;

    private const int ScanPageRows = 4096;            // rows per scan page, at most ...
    private const int ScanPageBytes = 4 << 20;        // ... and about 4 MiB of ids and vectors
    private const int PutJobBytes = 1 << 20;          // rows per shard request: about 1 MiB of payload

    private readonly Catalog _catalog;
    private readonly ShardSetup[] _shards;
    private readonly ServerMetrics _metrics;
    private readonly VectorServerOptions _options;
    private readonly NumaPlatform _platform;
    // Rows sent to the shards and not yet indexed, per collection name (GetGraphStats' indexing_pending).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, System.Runtime.CompilerServices.StrongBox<long>> _pending = new(StringComparer.Ordinal);

    public ShardedBackend(Catalog catalog, ShardSetup[] shards, ServerMetrics metrics, VectorServerOptions options, NumaPlatform platform)
    {
        _platform = platform;
        _catalog = catalog;
        _shards = shards;
        _metrics = metrics;
        _options = options;
    }

    /// <summary>The shard of a row: SplitMix64's finalizer of the id, modulo the shard count (stable across runs).</summary>
    public static int ShardOf(long id, int shards)
    {
        ulong z = (ulong)id + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z % (ulong)shards);
    }

    /// <summary>Names: 1–128 of <c>[A-Za-z0-9_.-]</c>, starting with a letter or digit (they name files on disk).</summary>
    public static void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name)) throw Invalid("The collection name is empty.");
        if (name.Length > MaxNameLength) throw Invalid($"The collection name is {name.Length} characters; the limit is {MaxNameLength}.");
        if (!char.IsAsciiLetterOrDigit(name[0])) throw Invalid($"The collection name '{name}' must start with a letter or digit.");
        foreach (char c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
                throw Invalid($"The collection name '{name}' holds '{c}'; use letters, digits, '_', '-' and '.' (no path separators).");
    }

    // ---- catalog ----

    public IReadOnlyList<VectorCollectionInfo> ListCollections()
    {
        var stats = AllStats();
        return [.. _catalog.Snapshot().OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => Info(p.Key, p.Value, stats))];
    }

    public VectorCollectionInfo GetCollection(string name)
    {
        int dimension = Dimension(name);
        return Info(name, dimension, AllStats());
    }

    // An overwrite is a delete followed by a create: a crash between them leaves the collection deleted.
    public void CreateCollection(string name, bool overwrite)
    {
        CheckName(name);
        if (_catalog.TryGet(name, out _))
        {
            if (!overwrite) throw new VectorBackendException(VectorBackendError.AlreadyExists, $"Collection '{name}' already exists.");
            DeleteCollection(name);
        }
        if (!_catalog.TryAdd(name, 0))
            throw new VectorBackendException(VectorBackendError.AlreadyExists, $"Collection '{name}' was created by another request meanwhile.");
    }

    // The catalog first, with the name marked as dropping: from then on puts to this incarnation are refused by the
    // shards (its generation is no longer current), the name cannot be created again, and the drops queued after that
    // remove whatever reached the shards before. A crash in between leaves rows of a dropping name; the shards discard
    // them when they recover. Once every drop is durable the name is free again.
    public void DeleteCollection(string name)
    {
        Dimension(name);
        if (_catalog.Remove(name) is not { } generation) throw NotFound(name);
        Wait(Task.WhenAll(_shards.Select(s => DropAsync(s, name, generation))));
        _catalog.DropCompleted([name]);
    }

    private static async Task DropAsync(ShardSetup shard, string name, long generation)
    {
        var durable = await shard.Inbox.SendAsync(new DropJob(name, generation), CancellationToken.None).ConfigureAwait(false);
        await durable.ConfigureAwait(false);
    }

    // ---- ingest ----

    public IVectorPut BeginPut(string name, ArrowSchema schema)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(schema);
        int dimension = LongbowSchema.Check(name, schema, storesMetadata: false);
        if (!_catalog.TryGet(name, out _)) _catalog.TryAdd(name, dimension);    // false: a concurrent put created it
        if (_catalog.Adopt(name, dimension) is not { } collection) throw NotFound(name);
        if (collection.Dimension != dimension)
            throw Invalid($"Collection '{name}': dimension mismatch: the collection has {collection.Dimension}, this put has {dimension}.");
        return new Put(this, name, collection);
    }

    // A put is bound to the incarnation (catalog generation) it began on: once that is deleted, its batches are refused
    // here, and the shards refuse the ones already queued (their generation is no longer current).
    private sealed class Put(ShardedBackend owner, string name, CatalogEntry collection) : IVectorPut
    {
        public ValueTask<IngestResult> AppendAsync(ArrowRecordBatch batch, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(batch);
            if (!owner._catalog.IsCurrent(name, collection.Generation))
                throw new VectorBackendException(VectorBackendError.NotFound, $"Collection '{name}' was deleted during the put; its later batches are not stored.");
            return owner.AppendAsync(name, collection, batch, cancellationToken);
        }
    }

    private async ValueTask<IngestResult> AppendAsync(string name, CatalogEntry collection, ArrowRecordBatch batch, CancellationToken cancellationToken)
    {
        int dimension = collection.Dimension;
        var pending = _pending.GetOrAdd(name, _ => new());
        var jobs = BuildJobs(name, collection.Generation, batch, dimension, pending);
        var durable = new List<Task>(jobs.Count);
        foreach (var (s, job) in jobs)
        {
            Interlocked.Add(ref _shards[s].Counters.PendingRows, job.Rows);
            Interlocked.Add(ref pending.Value, job.Rows);
            try
            {
                await _shards[s].Inbox.EnqueueAsync(job, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                job.Release();
                throw;
            }
            durable.Add(Durable(s, job));
        }
        _metrics.IngestRows.Add(batch.Length);
        _metrics.IngestBytes.Add((long)batch.Length * (8 + dimension * 4));
        string? reason = null;
        foreach (var shard in _shards)
        {
            if (shard.Inbox.IsUnderPressure) reason = "shard_queue_full";
            else if (Volatile.Read(ref shard.Counters.WalPressure) >= 0.8) reason ??= "wal_pressure";
        }
        return new IngestResult(reason is not null, reason, Task.WhenAll(durable));
    }

    // Checks the batch (no nulls, finite values, the collection's dimension) and cuts its rows into one request of
    // about 1 MiB per shard and chunk, in arrival order, each already in its WAL record's layout.
    private List<(int Shard, PutJob Job)> BuildJobs(string name, long generation, ArrowRecordBatch batch, int dimension,
        System.Runtime.CompilerServices.StrongBox<long> pending)
    {
        int idColumn = batch.Schema.IndexOf("id"), vectorColumn = batch.Schema.IndexOf("vector");
        if (idColumn < 0 || vectorColumn < 0) throw Invalid($"Collection '{name}': the batch has no 'id' or 'vector' column.");
        var idArray = batch.Columns[idColumn];
        var vectorArray = batch.Columns[vectorColumn];
        if (idArray.NullCount != 0) throw Invalid($"Collection '{name}': column 'id' holds {idArray.NullCount} nulls.");
        if (vectorArray.NullCount != 0) throw Invalid($"Collection '{name}': column 'vector' holds {vectorArray.NullCount} null vectors.");
        if (vectorArray.Type.ListSize != dimension)
            throw Invalid($"Collection '{name}': dimension mismatch: expected {dimension}, got {vectorArray.Type.ListSize}.");
        var child = vectorArray.Values!;
        if (child.NullCount != 0) throw Invalid($"Collection '{name}': column 'vector' holds {child.NullCount} null elements.");
        ReadOnlySpan<long> ids = idArray.GetValues<long>();
        ReadOnlySpan<float> vectors = child.GetValues<float>()[..(ids.Length * dimension)];
        int bad = IndexOfNonFinite(vectors);
        if (bad >= 0) throw Invalid($"Collection '{name}': row {bad / dimension} (id {ids[bad / dimension]}) holds NaN or an infinity at element {bad % dimension}.");

        int shards = _shards.Length;
        var owner = new int[ids.Length];
        var remaining = new int[shards];
        for (int i = 0; i < ids.Length; i++) remaining[owner[i] = ShardOf(ids[i], shards)]++;
        int perJob = Math.Max(1, PutJobBytes / (8 + dimension * 4));
        var jobs = new List<(int, PutJob)>();
        var open = new (byte[] Payload, int Rows, int Filled)[shards];
        for (int i = 0; i < ids.Length; i++)
        {
            int s = owner[i];
            if (open[s].Payload is null)
            {
                int rows = Math.Min(perJob, remaining[s]);
                open[s] = (WalPayload.NewPut(rows, dimension), rows, 0);
            }
            ref var o = ref open[s];
            WalPayload.PutIds(o.Payload.AsSpan(), o.Rows)[o.Filled] = ids[i];
            vectors.Slice(i * dimension, dimension).CopyTo(WalPayload.PutVectors(o.Payload.AsSpan(), o.Rows, dimension)[(o.Filled * dimension)..]);
            remaining[s]--;
            if (++o.Filled == o.Rows)
            {
                jobs.Add((s, new PutJob(name, generation, o.Payload, o.Rows, _shards[s].Counters, pending)));
                o = default;
            }
        }
        return jobs;
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    // The job's task completes once the shard appended the record; its result completes at fdatasync.
    private static async Task Durable(int shard, PutJob job)
    {
        try
        {
            var synced = await job.Task.ConfigureAwait(false);
            await synced.ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(shard, e) is { } refused)
        {
            throw refused;
        }
    }

    // ---- search ----

    public async ValueTask<VectorSearchResult> SearchAsync(string name, ReadOnlyMemory<float> query, int k, int? ef,
        IReadOnlyList<VectorFilter> filters, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        int dimension = Dimension(name);
        if (k < 1) throw Invalid("k must be at least 1.");
        if (k > MaxK) throw Invalid($"k = {k} is larger than {MaxK}.");
        if (ef is { } width && width < k) throw Invalid($"ef ({width}) must be at least k ({k}).");
        var filter = CompileFilter(name, filters);
        // Checked before the empty-collection answer too, so a bad query is refused whether or not data arrived yet.
        if (query.IsEmpty) throw Invalid("The query vector is empty.");
        foreach (float x in query.Span)
            if (!float.IsFinite(x)) throw Invalid("The query vector holds NaN or an infinity.");
        if (dimension == 0) return new VectorSearchResult([], []);
        if (query.Length != dimension) throw Invalid($"Collection '{name}': dimension mismatch: expected {dimension}, got {query.Length}.");
        // The configured efSearch, not the one an index loaded from a saved graph was built with.
        ef ??= Math.Max(_options.EfSearch, k);
        // A shard on the node this thread runs on is searched right here: its memory is local to this CPU, and the hop
        // to the shard's thread (a wake-up of a parked thread, and back through the thread pool) cost more than the
        // search itself on the build VM. Shards on other nodes search on their own threads.
        int here = _options.SearchInPlace ? _platform.CurrentNode() : -1;
        var tasks = new Task<SearchResult[]>[_shards.Length];
        for (int s = 0; s < tasks.Length; s++)
        {
            var shard = _shards[s];
            tasks[s] = shard.Node == here && SearchInPlace(shard, name, query.Span, k, ef, filter) is { } hits
                ? Task.FromResult(hits)
                : shard.Inbox.SendAsync(new SearchJob(name, query, k, ef, filter), cancellationToken);
        }
        SearchResult[][] parts;
        try
        {
            parts = await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(-1, e) is { } refused)
        {
            throw refused;
        }
        var merged = parts.Length == 1 ? parts[0] : Merge(parts, k);
        var ids = new ulong[merged.Length];
        var scores = new float[merged.Length];
        for (int i = 0; i < merged.Length; i++)
        {
            ids[i] = (ulong)merged[i].Id;
            scores[i] = MathF.Sqrt(merged[i].Distance);    // the index ranks by L2²; clients get the L2 distance
        }
        _metrics.SearchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        return new VectorSearchResult(ids, scores);
    }

    // Null when the shard does not hold the collection (yet) or is retiring it: then its own thread answers.
    private static SearchResult[]? SearchInPlace(ShardSetup shard, string name, ReadOnlySpan<float> query, int k, int? ef, Func<long, bool>? filter)
    {
        if (!shard.Published.TryGetValue(name, out var collection) || !collection.TryEnter()) return null;
        try
        {
            Interlocked.Increment(ref shard.Counters.Searches);
            return collection.Index.Search(query, k, ef, filter);
        }
        finally
        {
            collection.Exit();
        }
    }

    private static SearchResult[] Merge(SearchResult[][] parts, int k)
    {
        var all = parts.SelectMany(p => p).ToArray();
        Array.Sort(all, static (a, b) => a.Distance.CompareTo(b.Distance) is var c && c != 0 ? c : a.Id.CompareTo(b.Id));
        return all.Length <= k ? all : all[..k];
    }

    public IEnumerable<ArrowRecordBatch> Scan(string name, IReadOnlyList<VectorFilter> filters, long limit)
    {
        int dimension = Dimension(name);
        var filter = CompileFilter(name, filters);
        return dimension == 0 ? [] : ScanShards(name, dimension, filter, limit > 0 ? limit : long.MaxValue);
    }

    private IEnumerable<ArrowRecordBatch> ScanShards(string name, int dimension, Func<long, bool>? filter, long remaining)
    {
        var schema = LongbowSchema.Rows(dimension);
        int pageRows = Math.Clamp(ScanPageBytes / (8 + 4 * dimension), 1, ScanPageRows);
        foreach (var shard in _shards)
        {
            int slot = 0;
            ShardCollection? source = null;
            while (remaining > 0)
            {
                var page = Wait(shard.Inbox.SendAsync(new ScanJob(name, slot, pageRows, source), CancellationToken.None));
                if (page.Rows == 0) break;
                slot = page.NextSlot;
                source = page.Source;
                var keep = new List<int>(page.Rows);
                for (int i = 0; i < page.Rows && keep.Count < remaining; i++)
                    if (filter is null || filter(page.Ids[i])) keep.Add(i);
                if (keep.Count == 0) continue;
                var ids = new long[keep.Count];
                var vectors = new float[keep.Count * dimension];
                for (int j = 0; j < keep.Count; j++)
                {
                    ids[j] = page.Ids[keep[j]];
                    page.Vectors.AsSpan(keep[j] * dimension, dimension).CopyTo(vectors.AsSpan(j * dimension));
                }
                remaining -= keep.Count;
                yield return new ArrowRecordBatch(schema, ids.Length,
                    [ArrowArray.Int64(ids), ArrowArray.FixedSizeList(schema.Fields[1].Type, ids.Length, ArrowArray.Float32(vectors))]);
            }
        }
    }

    public bool Delete(string name, long id)
    {
        Dimension(name);
        int s = ShardOf(id, _shards.Length);
        var durable = Wait(_shards[s].Inbox.SendAsync(new DeleteJob(name, id), CancellationToken.None));
        return Wait(durable);
    }

    /// <summary>Rows of <paramref name="name"/> sent to the shards and not yet indexed (GetGraphStats' indexing_pending).</summary>
    internal long PendingRows(string name) => _pending.TryGetValue(name, out var pending) ? Volatile.Read(ref pending.Value) : 0;

    public JsonObject GetIndexStats(string name)
    {
        int dimension = Dimension(name);
        var stats = AllStats();
        var shards = new JsonArray();
        long rows = 0, deleted = 0, memory = 0;
        int topLevel = 0;
        // M and efConstruction are each index's own (a saved graph keeps them, a rebuild takes the configured ones):
        // per shard, and at the top those of the first shard that holds the collection.
        CollectionStats? built = null;
        foreach (var s in stats)
        {
            var c = s.Collections.FirstOrDefault(x => x.Name == name);
            built ??= c;
            rows += c?.Rows ?? 0;
            deleted += c?.Deleted ?? 0;
            memory += c?.ArenaBytes ?? 0;
            topLevel = Math.Max(topLevel, c?.TopLevel ?? 0);
            shards.Add(new JsonObject
            {
                ["shard"] = s.Shard, ["cpu"] = s.Cpu, ["node"] = s.Node, ["rows"] = c?.Rows ?? 0,
                ["deleted"] = c?.Deleted ?? 0, ["top_level"] = c?.TopLevel ?? 0, ["memory_bytes"] = c?.ArenaBytes ?? 0,
                ["m"] = c?.M ?? _options.M, ["ef_construction"] = c?.EfConstruction ?? _options.EfConstruction,
            });
        }
        return new JsonObject
        {
            ["dataset"] = name,
            ["index"] = "hnsw",
            ["metric"] = "l2",
            ["dimension"] = dimension,
            ["rows"] = rows,
            ["deleted"] = deleted,
            ["memory_bytes"] = memory,
            ["top_level"] = topLevel,
            ["m"] = built?.M ?? _options.M,
            ["ef_construction"] = built?.EfConstruction ?? _options.EfConstruction,
            ["ef_search"] = _options.EfSearch,
            ["indexing_pending"] = PendingRows(name),
            ["shards"] = shards,
        };
    }

    public async ValueTask SnapshotAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(_shards.Select(s => s.Inbox.SendAsync(new SnapshotJob(), cancellationToken))).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(-1, e) is { } refused)
        {
            throw refused;
        }
    }

    /// <summary>Every shard's statistics (the admin API's stats).</summary>
    public IReadOnlyList<ShardStats> AllStats() =>
        Wait(Task.WhenAll(_shards.Select(s => s.Inbox.SendAsync(new StatsJob(), CancellationToken.None))));

    // ---- helpers ----

    private int Dimension(string name) => _catalog.TryGet(name, out int dimension) ? dimension : throw NotFound(name);

    internal static VectorBackendException NotFound(string name) => new(VectorBackendError.NotFound, $"Collection '{name}' does not exist.");

    private static VectorCollectionInfo Info(string name, int dimension, IReadOnlyList<ShardStats> stats)
    {
        long rows = 0, bytes = 0;
        foreach (var s in stats)
            if (s.Collections.FirstOrDefault(c => c.Name == name) is { } c)
            {
                rows += c.Rows;
                bytes += c.VectorBytes;
            }
        return new VectorCollectionInfo(name, dimension == 0 ? null : LongbowSchema.Rows(dimension), dimension, rows, 0, bytes);
    }

    private static Func<long, bool>? CompileFilter(string name, IReadOnlyList<VectorFilter> filters)
    {
        if (filters.Count == 0) return null;
        var terms = new (string Op, long Value)[filters.Count];
        for (int i = 0; i < filters.Count; i++)
        {
            var f = filters[i];
            if (f.Field != "id") throw Invalid($"Collection '{name}': cannot filter on '{f.Field}' (numa serve keeps id and vector; filter on id).");
            string op = f.Operator == "=" ? "==" : f.Operator;
            if (op is not ("==" or "!=" or ">" or ">=" or "<" or "<="))
                throw Invalid($"Collection '{name}': operator '{f.Operator}' does not apply to 'id' (use ==, !=, >, >=, <, <=).");
            if (!long.TryParse(f.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
                throw Invalid($"Collection '{name}': filter value '{f.Value}' for 'id' is not an integer.");
            terms[i] = (op, value);
        }
        return id =>
        {
            foreach (var (op, value) in terms)
            {
                bool ok = op switch
                {
                    "==" => id == value, "!=" => id != value, ">" => id > value,
                    ">=" => id >= value, "<" => id < value, _ => id <= value,
                };
                if (!ok) return false;
            }
            return true;
        };
    }

    private T Wait<T>(Task<T> task)
    {
        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (Exception e) when (Translate(-1, e) is { } refused)
        {
            throw refused;
        }
    }

    private void Wait(Task task)
    {
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (Exception e) when (Translate(-1, e) is { } refused)
        {
            throw refused;
        }
    }

    // A shard's storage failure is the server's problem, not the request's: UNAVAILABLE with what happened.
    private static VectorBackendException? Translate(int shard, Exception e) => e switch
    {
        VectorBackendException => null,
        WalException wal => new VectorBackendException(VectorBackendError.Unavailable,
            $"{(shard >= 0 ? $"Shard {shard}: " : "")}the write-ahead log failed, nothing more is accepted until the server is restarted: {wal.Message}"),
        // fdatasync/mmap errors (ENOSPC, EIO), permissions, and snapshots that cannot be written: the same as I/O.
        IOException or Native.NumaNativeException or UnauthorizedAccessException or Storage.Snapshots.SnapshotException =>
            new VectorBackendException(VectorBackendError.Unavailable, $"A storage operation failed: {e.Message}"),
        _ => null,
    };

    private static VectorBackendException Invalid(string message) => new(VectorBackendError.InvalidArgument, message);
}

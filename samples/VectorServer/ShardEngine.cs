// What a shard worker does on its pinned thread: recover its collections (saved graphs, or a Parquet snapshot, then
// the WAL tail), then serve jobs from its inbox — log every change to its own WAL, keep its HNSW indexes in arenas
// on its own node, snapshot when the WAL passes its limit — and on shutdown flush, snapshot and close.
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Numa.Flight;
using Numa.Memory;
using Numa.Scheduling;
using Numa.Storage;
using Numa.Storage.Snapshots;
using Numa.Storage.Wal;
using Numa.Vectors;

namespace Numa.VectorServer;

/// <summary>Everything a shard needs from the server, handed over before the worker starts.</summary>
internal sealed class ShardSetup
{
    public required int Shard { get; init; }
    public required string Directory { get; init; }
    public required VectorServerOptions Options { get; init; }
    public required ShardInbox Inbox { get; init; }
    /// <summary>The server's catalog: which collections (and incarnations of them) exist.</summary>
    public required Catalog Catalog { get; init; }
    public required ILogger Logger { get; init; }
    public required ServerMetrics Metrics { get; init; }
    public required NumaPlatform Platform { get; init; }
    public required PlacementStrategyState Strategy { get; init; }
    public TaskCompletionSource<ShardRecovery> Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>Completes when the shard's thread is done; faults with the error that stopped it.</summary>
    public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>Whether the shard snapshots when its inbox closes (the server's setting, turned off by a stop without snapshot).</summary>
    public bool SnapshotOnShutdown { get; set; } = true;
    public ShardCounters Counters { get; } = new();

    private volatile IReadOnlyDictionary<string, ShardCollection> _published = new Dictionary<string, ShardCollection>();

    /// <summary>The shard's collections as last published by its thread, for searches in place on its node.</summary>
    public IReadOnlyDictionary<string, ShardCollection> Published
    {
        get => _published;
        set => _published = value;
    }

    /// <summary>The node the shard runs on (and its memory is bound to).</summary>
    public required int Node { get; init; }

    // Tests hold the shard's thread before a job here (to line requests up behind it), and make an insert fail.
    internal Action<ShardJob>? BeforeJob { get; set; }
    internal Action? BeforeInsert { get; set; }
}

/// <summary>How a shard came back: from saved graphs (no rebuild), from a Parquet snapshot (graphs rebuilt), or empty;
/// then how many WAL records it replayed.</summary>
internal sealed record ShardRecovery(int Shard, string Source, long SnapshotLsn, long ReplayedRecords, long Rows, TimeSpan Duration, string? TornTail);

/// <summary>Counters a shard publishes for metrics and stats (written on the shard's thread, read anywhere).</summary>
internal sealed class ShardCounters
{
    public long Inserted;        // rows added to an index
    public long Searches;
    public long PendingRows;     // rows sent to the shard and not yet indexed (incremented by senders)
    public long LiveRows;
    public long IndexBytes;      // arena bytes reserved by the shard's indexes
    public long WalLastLsn;
    public long WalDurableLsn;
    public long WalBytes;
    public long WalSyncs;
    public double WalLastSyncSeconds;
    public double WalPressure;
    public long SnapshotLsn;
}

/// <summary>A shard's statistics (the admin API's per-node stats and GetGraphStats).</summary>
internal sealed record ShardStats(int Shard, int Cpu, int Node, bool Pinned, IReadOnlyList<CollectionStats> Collections,
    long MemoryBytes, IReadOnlyList<int> ExpectedNodes, PlacementSummary? Placement, long Searches, long Inserted,
    long WalLastLsn, long WalDurableLsn, long WalBytes, long SnapshotLsn, ShardRecovery? Recovery);

/// <summary>One collection on one shard.</summary>
internal sealed record CollectionStats(string Name, int Dimension, long Rows, long Deleted, int TopLevel, long VectorBytes, long GraphBytes, long ArenaBytes,
    int M, int EfConstruction);

/// <summary>The shard's state and job handlers; used only on the shard's thread.</summary>
internal sealed class ShardEngine : IDisposable
{
    private const string GraphsFile = "graphs.json";

    private readonly ShardSetup _setup;
    private readonly WorkerContext _context;
    private readonly ILogger _log;
    private readonly Dictionary<string, ShardCollection> _collections = new(StringComparer.Ordinal);
    private readonly SnapshotStore _snapshots;
    private readonly string _walDirectory;
    private readonly string _graphDirectory;
    private readonly SearchResult[] _hits = new SearchResult[1024];
    private WriteAheadLog? _wal;
    private ShardRecovery? _recovery;
    private long _snapshotLsn;
    private bool _graphsRebuilt;                // recovered from Parquet: the saved graphs are not the snapshot's yet
    private long _autoSnapshotRetryAt;          // Stopwatch timestamp: no automatic snapshot before it (after a failure)
    private const int AutoSnapshotRetrySeconds = 10;

    public ShardEngine(ShardSetup setup, WorkerContext context)
    {
        _setup = setup;
        _context = context;
        _log = setup.Logger;
        _walDirectory = Path.Combine(setup.Directory, "wal");
        _graphDirectory = Path.Combine(setup.Directory, "graphs");
        FileSync.CreateDirectory(_graphDirectory);         // data/, shard-i/ and graphs/ durable before the WAL acknowledges
        _snapshots = new SnapshotStore(Path.Combine(setup.Directory, "snapshots"));
    }

    private int ShardId => _setup.Shard;

    private WriteAheadLog Wal => _wal ?? throw new InvalidOperationException("The shard's WAL is not open.");

    /// <summary>Recovers, signals ready, serves the inbox until it is closed (or the app stops), then shuts down.</summary>
    public void Run()
    {
        var jobs = new ShardJob[32];
        try
        {
            _recovery = Recover();
            Publish();
        }
        catch (Exception e)
        {
            _log.LogCritical(e, "Shard {Shard} could not recover; refusing its queued requests", ShardId);
            _setup.Ready.TrySetException(e);
            RefuseAll(jobs, e);
            throw;
        }
        _setup.Ready.TrySetResult(_recovery);

        try
        {
            long poll = _setup.Options.Overprovisioned ? 0 : _setup.Options.IdlePollMicroseconds * Stopwatch.Frequency / 1_000_000;
            while (_setup.Inbox.WaitToRead(poll, _context.Stopping))
            {
                int n = _setup.Inbox.Take(jobs);
                for (int i = 0; i < n; i++)
                {
                    try
                    {
                        _setup.BeforeJob?.Invoke(jobs[i]);
                        jobs[i].Run(this);
                    }
                    catch (ShardFaultException)
                    {
                        // Not this request's fault alone: the shard stops, and its queued requests below with it.
                        throw;
                    }
                    catch (Exception e)
                    {
                        jobs[i].Fail(e);
                    }
                    jobs[i] = null!;
                }
                Publish();
                if (Wal.IsSnapshotRequested && Stopwatch.GetTimestamp() >= _autoSnapshotRetryAt) AutoSnapshot();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !_context.Stopping.IsCancellationRequested)
        {
            // The shard cannot go on: nobody may wait forever for a job it will never run, and no snapshot is written
            // (a restart replays the WAL).
            _log.LogCritical(e, "Shard {Shard} failed; refusing its queued requests", ShardId);
            RefuseAll(jobs, e);
            throw;
        }
        catch (OperationCanceledException) when (_context.Stopping.IsCancellationRequested)
        {
            // The worker graph stopped without a graceful shutdown: still flush and snapshot below.
        }
        Shutdown(jobs);
    }

    // ---- recovery ----

    private ShardRecovery Recover()
    {
        var started = Stopwatch.StartNew();
        string source = "empty";
        var manifest = _snapshots.ReadManifest();
        long snapshotLsn = manifest?.Lsn ?? 0;
        if (manifest is not null)
        {
            if (TryLoadGraphs(manifest)) source = "saved graphs";
            else
            {
                RestoreSnapshot();
                _graphsRebuilt = true;
                source = "parquet snapshot (graphs rebuilt)";
            }
        }
        _snapshotLsn = snapshotLsn;

        long replayed = 0;
        string? torn = null;
        if (System.IO.Directory.Exists(_walDirectory))
        {
            using var reader = WalReader.Open(_walDirectory, snapshotLsn + 1);
            while (reader.TryRead(out var record))
            {
                // The reader proves LSNs contiguous from its first record; the first must follow the snapshot.
                if (replayed == 0 && record.Lsn != snapshotLsn + 1)
                    throw new VectorServerConfigurationException(manifest is null
                        ? $"Shard {ShardId}: the WAL in {_walDirectory} resumes at LSN {record.Lsn} ({record.Segment}): a snapshot covered the records before it, " +
                          $"but {_snapshots.Directory} holds no snapshot manifest ({SnapshotStore.ManifestFileName}): the snapshot was lost. Restore {_snapshots.Directory} from a backup."
                        : $"Shard {ShardId}: the snapshot covers LSN {snapshotLsn} but the WAL in {_walDirectory} resumes at LSN {record.Lsn} ({record.Segment}): " +
                          $"records {snapshotLsn + 1}–{record.Lsn - 1} are missing. Restore the missing segments; `numa wal inspect {_walDirectory}` lists what is there.");
                Apply(record);
                replayed++;
            }
            torn = reader.TornTail?.ToString();
        }

        _wal = WriteAheadLog.Open(new WalOptions
        {
            Directory = _walDirectory,
            Shard = ShardId,
            Durability = _setup.Options.WalDurability,
            BufferBytes = 8 * WalOptions.MiB,
            MaxRecordBytes = 4 * WalOptions.MiB,
            SegmentBytes = _setup.Options.WalSegmentBytes,
            MaxLogBytes = _setup.Options.WalMaxBytes,
            Arena = _context.Arena,
            // A log that ends before the snapshot (its unsynced tail lost in a machine crash under interval/none, a
            // repair) holds nothing the snapshot lacks; it continues after the snapshot, never below it.
            AfterLsn = snapshotLsn,
        }, _setup.Platform, _log);
        if (manifest is null && replayed == 0 && _wal.LastLsn > 0)
            throw new VectorServerConfigurationException(
                $"Shard {ShardId}: the WAL in {_walDirectory} was truncated through LSN {_wal.LastLsn} by a snapshot, but {_snapshots.Directory} holds no " +
                $"snapshot manifest ({SnapshotStore.ManifestFileName}): the snapshot was lost. Restore {_snapshots.Directory} from a backup.");
        if (_wal.LastLsn != snapshotLsn + replayed)
            throw new VectorServerConfigurationException(
                $"Shard {ShardId}: the WAL in {_walDirectory} ends at LSN {_wal.LastLsn} but replay from the snapshot (LSN {snapshotLsn}) read only {replayed} records. " +
                $"Run `numa wal verify {_walDirectory}`.");
        // Rows of a collection the catalog marks as dropping (a delete that crashed before this shard's drop was
        // durable) are discarded, and the drop is logged so that a later collection of the same name never replays
        // them. Rows of a name the catalog does not know at all mean the catalog is older than the data: nothing is
        // deleted, the start stops. The others belong to the catalog's current incarnation.
        foreach (var name in _collections.Keys.ToList())
        {
            if (_setup.Catalog.TryGetEntry(name, out var entry)) _collections[name].Generation = entry.Generation;
            else if (_setup.Catalog.IsDropping(name))
            {
                Append(WalPayload.Drop, name, []);
                _collections.Remove(name, out var dropped);
                dropped!.Dispose();
            }
            else
            {
                var index = _collections[name].Index;
                throw new VectorServerConfigurationException(
                    $"Shard {ShardId} holds collection '{name}' ({index.Count} rows of dimension {index.Options.Dimension}) that {_setup.Catalog.FilePath} " +
                    $"does not name: the catalog is older than the data (restored from a backup?) or was edited, or a delete made by a Numa version before " +
                    $"catalog tombstones did not reach this shard. Nothing was deleted. To keep the rows, " +
                    $"add \"{name}\": {index.Options.Dimension} to its Collections; to discard them, add \"{name}\" to its Dropping list. Then start again.");
            }
        }
        _wal.FlushAsync().AsTask().GetAwaiter().GetResult();
        PublishCollections();
        long rows = _collections.Values.Sum(c => (long)c.Index.Count);
        var recovery = new ShardRecovery(ShardId, source, snapshotLsn, replayed, rows, started.Elapsed, torn);
        _log.LogInformation("Shard {Shard} on CPU {Cpu} node {Node}: {Rows} rows in {Collections} collections from {Source} (LSN {Lsn}) + {Replayed} WAL records in {Seconds:F2} s",
            ShardId, _context.Cpu, _context.Node, rows, _collections.Count, source, snapshotLsn, replayed, started.Elapsed.TotalSeconds);
        return recovery;
    }

    // Saved graphs stand in for the Parquet snapshot only when they are exactly its content: written for its LSN, one
    // graph per collection it holds and no other, each with its rows and dimension. Anything else (a damaged or
    // hand-edited graphs.json, a graph missing) rebuilds from the snapshot, which is checksummed: a graph loaded under
    // a wrong name would be dropped as unknown, and the next snapshot would then delete the rows it stood for.
    private bool TryLoadGraphs(SnapshotManifest manifest)
    {
        string listPath = Path.Combine(_graphDirectory, GraphsFile);
        if (!File.Exists(listPath)) return false;
        GraphList? list;
        try
        {
            list = JsonSerializer.Deserialize<GraphList>(File.ReadAllBytes(listPath));
        }
        catch (JsonException e)
        {
            _log.LogWarning("Shard {Shard}: {Path} is unreadable ({Error}); rebuilding from the Parquet snapshot", ShardId, listPath, e.Message);
            return false;
        }
        if (list is null || list.Lsn != manifest.Lsn) return false;
        if (DescribeGraphListMismatch(list, manifest) is { } mismatch)
        {
            _log.LogWarning("Shard {Shard}: {Path} does not match the snapshot of LSN {Lsn} ({Mismatch}); rebuilding from the Parquet snapshot",
                ShardId, listPath, manifest.Lsn, mismatch);
            return false;
        }
        var loaded = new Dictionary<string, ShardCollection>(StringComparer.Ordinal);
        string? failure = null;
        try
        {
            foreach (var file in manifest.Files)
            {
                string name = file.Shard.Collection, path = Path.Combine(_graphDirectory, list.Files![name]);
                var arena = NewArena();
                try
                {
                    loaded[name] = new ShardCollection(HnswIndex.Load(path, arena), arena);
                }
                catch
                {
                    arena.Dispose();
                    throw;
                }
                var index = loaded[name].Index;
                if (index.Count != file.Rows || index.Options.Dimension != file.Shard.Dimension)
                {
                    failure = $"{path} holds {index.Count} rows of dimension {index.Options.Dimension}, the snapshot of '{name}' {file.Rows} of dimension {file.Shard.Dimension}";
                    break;
                }
                if (index.Options.M != _setup.Options.M || index.Options.EfConstruction != _setup.Options.EfConstruction)
                    _log.LogWarning("Shard {Shard}: the saved graph of '{Collection}' was built with M={M} efConstruction={EfConstruction} and keeps them " +
                        "(this start asks for M={WantM} efConstruction={WantEf}, used for new collections); delete {Path} to rebuild it from the snapshot with the new values",
                        ShardId, name, index.Options.M, index.Options.EfConstruction, _setup.Options.M, _setup.Options.EfConstruction, path);
            }
        }
        catch (IOException e)                                       // VectorIndexFormatException included
        {
            failure = e.Message;
        }
        if (failure is not null)
        {
            foreach (var c in loaded.Values) c.Dispose();
            _log.LogWarning("Shard {Shard}: a saved graph cannot be used ({Error}); rebuilding from the Parquet snapshot", ShardId, failure);
            return false;
        }
        foreach (var (name, c) in loaded) _collections[name] = c;
        return true;
    }

    // Why the graph list cannot stand for the snapshot, or null when it names one plain file per snapshot collection.
    private static string? DescribeGraphListMismatch(GraphList list, SnapshotManifest manifest)
    {
        if (list.Files is null) return "it lists no files";
        var collections = manifest.Files.Select(f => f.Shard.Collection).ToHashSet(StringComparer.Ordinal);
        if (collections.Count != manifest.Files.Count) return "the snapshot lists a collection twice";
        foreach (var (name, file) in list.Files)
        {
            if (!collections.Contains(name)) return $"it lists '{name}', which the snapshot does not hold";
            if (string.IsNullOrEmpty(file) || Path.GetFileName(file) != file) return $"the file of '{name}' is not a plain file name";
        }
        foreach (string name in collections)
            if (!list.Files.ContainsKey(name)) return $"it has no graph for '{name}'";
        return null;
    }

    private void RestoreSnapshot()
    {
        var arenas = new Dictionary<string, NumaArena>(StringComparer.Ordinal);
        var target = new HnswSnapshots(shard =>
        {
            var arena = NewArena();
            arenas[shard.Collection] = arena;
            return new HnswIndex(IndexOptions(shard.Dimension), arena);
        });
        try
        {
            _snapshots.Restore(target);
        }
        catch
        {
            foreach (var index in target.Indexes.Values) index.Dispose();
            foreach (var arena in arenas.Values) arena.Dispose();
            throw;
        }
        foreach (var (shard, index) in target.Indexes) _collections[shard.Collection] = new ShardCollection(index, arenas[shard.Collection]);
    }

    private void Apply(WalRecord record)
    {
        string name = record.Collection;
        switch (record.Kind)
        {
            case WalPayload.Put:
                var (dimension, rows) = WalPayload.ReadPutHeader(record.Payload);
                Insert(GetOrCreate(name, 0, dimension), WalPayload.PutIds(record.Payload, rows), WalPayload.PutVectors(record.Payload, rows, dimension));
                break;
            case WalPayload.Delete:
                if (_collections.TryGetValue(name, out var c)) c.Index.Delete(WalPayload.ReadDelete(record.Payload));
                break;
            case WalPayload.Drop:
                DropLocal(name);
                break;
            default:
                throw new InvalidDataException($"Shard {ShardId}: WAL record {record.Lsn} in {record.Segment} at offset {record.Offset} has unknown kind {record.Kind}.");
        }
    }

    // ---- jobs ----

    public void Put(PutJob job)
    {
        try
        {
            // Checked on this thread, in queue order: a delete changes the catalog before it queues its drops, so a
            // put that runs after the drop sees the collection gone (or re-created under a new generation).
            if (!_setup.Catalog.IsCurrent(job.Collection, job.Generation))
            {
                job.Fail(new VectorBackendException(VectorBackendError.NotFound, $"Collection '{job.Collection}' was deleted while these rows were in flight."));
                return;
            }
            var (dimension, rows) = WalPayload.ReadPutHeader(job.Payload);
            var collection = GetOrCreate(job.Collection, job.Generation, dimension);
            long lsn = Append(WalPayload.Put, job.Collection, job.Payload);
            try
            {
                _setup.BeforeInsert?.Invoke();
                Insert(collection, WalPayload.PutIds(job.Payload, rows), WalPayload.PutVectors(job.Payload, rows, dimension));
            }
            catch (Exception e)
            {
                // The rows are in the log but not in the index: a snapshot now would drop them, so the shard stops.
                throw new ShardFaultException($"Shard {ShardId}: rows logged at LSN {lsn} could not be indexed ({e.Message}); the shard stopped " +
                    "without a snapshot, and a restart replays them from the WAL.", e);
            }
            job.Complete(Durable(lsn));
        }
        finally
        {
            job.Release();   // numa load waits for the pending rows to reach 0
        }
    }

    public void Search(SearchJob job)
    {
        Interlocked.Increment(ref _setup.Counters.Searches);
        if (!_collections.TryGetValue(job.Collection, out var c) || c.Index.Count == 0)
        {
            job.Complete([]);
            return;
        }
        var hits = job.K <= _hits.Length ? _hits.AsSpan(0, job.K) : new SearchResult[job.K];
        int n = c.Index.Search(job.Query.Span, job.K, hits, job.Ef, job.Filter);
        job.Complete(hits[..n].ToArray());
    }

    public void Scan(ScanJob job)
    {
        _collections.TryGetValue(job.Collection, out var c);
        if (job.Source is not null && !ReferenceEquals(c, job.Source))
        {
            throw c is null
                ? new VectorBackendException(VectorBackendError.NotFound, $"Collection '{job.Collection}' was deleted during the scan.")
                : new VectorBackendException(VectorBackendError.Unavailable,
                    $"Collection '{job.Collection}' was compacted by a snapshot (or re-created) on shard {ShardId} during the scan, which moved its rows; " +
                    "the rows sent so far are not the whole collection. Retry the request.");
        }
        if (c is null)
        {
            job.Complete(new ScanPage([], [], 0, job.FromSlot, null));
            return;
        }
        int dimension = c.Index.Options.Dimension;
        var ids = new long[job.MaxRows];
        var vectors = new float[job.MaxRows * dimension];
        int slot = job.FromSlot;
        int rows = c.Index.CopyLive(ref slot, ids, vectors);
        job.Complete(new ScanPage(ids, vectors, rows, slot, c));
    }

    public void Delete(DeleteJob job)
    {
        if (!_collections.TryGetValue(job.Collection, out var c) || !c.Index.Contains(job.Id))
        {
            job.Complete(System.Threading.Tasks.Task.FromResult(false));
            return;
        }
        long lsn = Append(WalPayload.Delete, job.Collection, WalPayload.EncodeDelete(job.Id));
        c.Index.Delete(job.Id);
        job.Complete(DurableThen(Durable(lsn), true));
    }

    public void Drop(DropJob job)
    {
        if (!_collections.TryGetValue(job.Collection, out var c) || c.Generation > job.Generation)
        {
            job.Complete(System.Threading.Tasks.Task.CompletedTask);   // nothing of that incarnation here
            return;
        }
        long lsn = Append(WalPayload.Drop, job.Collection, []);
        DropLocal(job.Collection);
        // Durable under every policy: once all shards answer, the catalog forgets the tombstone, and a drop lost
        // with an unsynced tail would bring rows back that the catalog no longer accounts for.
        job.Complete(Wal.Durability.Mode == WalSyncMode.Always ? Durable(lsn) : Wal.FlushAsync().AsTask());
    }

    public void Snapshot(SnapshotJob job) => job.Complete(WriteSnapshot("requested"));

    public void Stats(StatsJob job)
    {
        var collections = new List<CollectionStats>();
        var placements = new List<PlacementSummary>();
        long memory = _context.Arena.ReservedBytes;
        foreach (var (name, c) in _collections.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var index = c.Index;
            collections.Add(new CollectionStats(name, index.Options.Dimension, index.Count, index.DeletedCount, index.TopLevel,
                index.VectorBytes, index.GraphBytes, c.Arena.ReservedBytes, index.Options.M, index.Options.EfConstruction));
            memory += c.Arena.ReservedBytes;
            if (c.Arena.IsBound) placements.Add(c.Arena.QueryPlacement());
        }
        if (_context.Arena.IsBound) placements.Add(Wal.QueryPlacement());
        PlacementSummary? placement = placements.Count == 0 ? null : PlacementSummary.Combine(placements);
        var counters = _setup.Counters;
        job.Complete(new ShardStats(ShardId, _context.Cpu, _context.Node, _context.IsPinned, collections, memory,
            _context.Arena.ExpectedNodes, placement, Volatile.Read(ref counters.Searches), Volatile.Read(ref counters.Inserted),
            Wal.LastLsn, Wal.DurableLsn, Wal.LogBytes, _snapshotLsn, _recovery));
    }

    // ---- helpers ----

    private HnswOptions IndexOptions(int dimension) => new()
    {
        Dimension = dimension,
        M = _setup.Options.M,
        EfConstruction = _setup.Options.EfConstruction,
        EfSearch = _setup.Options.EfSearch,
        Seed = 100 + (ulong)ShardId,
    };

    // Created on this pinned thread: with the local_node strategy (the default) the arena is bound to this worker's
    // node before its first page is touched.
    private NumaArena NewArena() => _setup.Strategy.CreateArena(_setup.Platform, _context.NodeMemory);

    // Replay passes generation 0: the log holds only rows of incarnations it has not dropped (Recover assigns them
    // the catalog's generation afterwards).
    private ShardCollection GetOrCreate(string name, long generation, int dimension)
    {
        if (_collections.TryGetValue(name, out var c) && c.Generation < generation)
        {
            // An older incarnation still here: the catalog's tombstone keeps the name from being created again until
            // every shard's drop is durable, so this is only a guard that a newer incarnation never lands in its index.
            Append(WalPayload.Drop, name, []);
            DropLocal(name);
            c = null;
        }
        if (c is not null)
        {
            if (c.Index.Options.Dimension != dimension)
                throw new VectorBackendException(VectorBackendError.InvalidArgument,
                    $"Collection '{name}' has dimension {c.Index.Options.Dimension} on shard {ShardId}; these rows have {dimension}.");
            return c;
        }
        var arena = NewArena();
        try
        {
            c = new ShardCollection(new HnswIndex(IndexOptions(dimension), arena), arena) { Generation = generation };
        }
        catch
        {
            arena.Dispose();
            throw;
        }
        _collections[name] = c;
        PublishCollections();
        return c;
    }

    private void Insert(ShardCollection collection, ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors)
    {
        var index = collection.Index;
        int dimension = index.Options.Dimension;
        for (int i = 0; i < ids.Length; i++)
        {
            if (index.Contains(ids[i])) index.Delete(ids[i]);    // a put of an existing id replaces its vector
            index.Add(ids[i], vectors.Slice(i * dimension, dimension));
        }
        Interlocked.Add(ref _setup.Counters.Inserted, ids.Length);
    }

    private void DropLocal(string name)
    {
        if (!_collections.Remove(name, out var c)) return;
        PublishCollections();                                    // new searches no longer find it ...
        c.Dispose();                                             // ... and running ones finish before it is freed
    }

    // What request threads on this node may search in place (ShardedBackend.SearchAsync): a copy, replaced whole.
    private void PublishCollections() =>
        _setup.Published = new Dictionary<string, ShardCollection>(_collections, StringComparer.Ordinal);

    // Copies the record into the WAL's buffer; when both buffers are full (the disk is behind) waits for the
    // flusher, which is the backpressure that reaches the senders through this shard's full inbox.
    private long Append(byte kind, string collection, ReadOnlySpan<byte> payload)
    {
        var wait = new SpinWait();
        long lsn;
        while (!Wal.TryAppend(kind, collection, payload, out lsn)) wait.SpinOnce(sleep1Threshold: 20);
        return lsn;
    }

    // What a sender waits for: the fdatasync under the Always policy; under Interval and None the acknowledgement does
    // not wait for the disk (that is what those policies trade away).
    private Task Durable(long lsn) =>
        Wal.Durability.Mode == WalSyncMode.Always ? Wal.WaitDurableAsync(lsn).AsTask() : System.Threading.Tasks.Task.CompletedTask;

    private static async Task<bool> DurableThen(Task durable, bool result)
    {
        await durable.ConfigureAwait(false);
        return result;
    }

    private void AutoSnapshot()
    {
        try
        {
            WriteSnapshot($"the WAL reached {Wal.LogBytes / (1 << 20)} MiB");
        }
        catch (Exception e) when (e is IOException or SnapshotException or Native.NumaNativeException or UnauthorizedAccessException or WalException)
        {
            _autoSnapshotRetryAt = Stopwatch.GetTimestamp() + AutoSnapshotRetrySeconds * Stopwatch.Frequency;
            _log.LogError(e, "Shard {Shard}: automatic snapshot failed; the WAL keeps every record, and it is retried in {Seconds} s", ShardId, AutoSnapshotRetrySeconds);
        }
    }

    // Everything appended is in the indexes (jobs run in order on this thread): compact the indexes that are mostly
    // tombstones, write the Parquet snapshot for the last LSN, save each graph for that LSN, then let the WAL drop the
    // segments the snapshot covers.
    private ShardSnapshotInfo WriteSnapshot(string reason)
    {
        var started = Stopwatch.StartNew();
        Wal.FlushAsync().AsTask().GetAwaiter().GetResult();
        long lsn = Wal.LastLsn;
        CompactMostlyDeleted();
        var shards = _collections.ToDictionary(p => new SnapshotShard(p.Key, ShardId, p.Value.Index.Options.Dimension), p => p.Value.Index);
        _snapshots.Write(lsn, new HnswSnapshots(shards));
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, c) in _collections)
        {
            string file = $"{name}.{lsn}.hnsw";
            c.Index.Save(Path.Combine(_graphDirectory, file));
            files[name] = file;
        }
        WriteGraphList(new GraphList { Lsn = lsn, Files = files });
        foreach (string path in System.IO.Directory.EnumerateFiles(_graphDirectory, "*.hnsw"))
            if (!files.ContainsValue(Path.GetFileName(path))) File.Delete(path);
        foreach (string path in System.IO.Directory.EnumerateFiles(_graphDirectory, "*.hnsw" + HnswIndex.TemporarySuffix))
            File.Delete(path);                                   // left by a save a crash interrupted
        Wal.TruncateThroughAsync(lsn).GetAwaiter().GetResult();
        _snapshotLsn = lsn;
        _graphsRebuilt = false;
        long rows = _collections.Values.Sum(c => (long)c.Index.Count);
        _setup.Metrics.SnapshotDuration.Record(started.Elapsed.TotalSeconds);
        _log.LogInformation("Shard {Shard}: snapshot of {Rows} rows through LSN {Lsn} ({Reason}) in {Seconds:F2} s",
            ShardId, rows, lsn, reason, started.Elapsed.TotalSeconds);
        Publish();
        return new ShardSnapshotInfo(ShardId, lsn, rows, started.Elapsed);
    }

    /// <summary>Deleted ids and replaced vectors (an upsert deletes the old slot) stay in a graph as tombstones until it
    /// is compacted; a snapshot compacts every index with at least as many tombstones as live rows (and at least
    /// <see cref="CompactMinimumDeleted"/>), so upserts and deletes cannot grow memory and the saved graphs without
    /// bound. The compacted copy goes into a new arena on this node and replaces the old collection as a drop does:
    /// published first, the old one freed once the searches running in place on it have left.</summary>
    private void CompactMostlyDeleted()
    {
        foreach (var (name, c) in _collections.ToList())
        {
            var index = c.Index;
            int deleted = index.DeletedCount;
            if (deleted < Math.Max(CompactMinimumDeleted, index.Count)) continue;
            var arena = NewArena();
            ShardCollection compacted;
            try
            {
                compacted = new ShardCollection(index.Compact(arena), arena) { Generation = c.Generation };
            }
            catch
            {
                arena.Dispose();
                throw;
            }
            _collections[name] = compacted;
            PublishCollections();
            c.Dispose();
            _log.LogInformation("Shard {Shard}: compacted '{Collection}': {Deleted} tombstones dropped, {Rows} rows kept",
                ShardId, name, deleted, compacted.Index.Count);
        }
    }

    private const int CompactMinimumDeleted = 1024;

    private void WriteGraphList(GraphList list) =>
        FileSync.ReplaceFile(Path.Combine(_graphDirectory, GraphsFile), JsonSerializer.SerializeToUtf8Bytes(list));

    private void Publish()
    {
        var c = _setup.Counters;
        Volatile.Write(ref c.LiveRows, _collections.Values.Sum(x => (long)x.Index.Count));
        Volatile.Write(ref c.IndexBytes, _collections.Values.Sum(x => x.Arena.ReservedBytes));
        Volatile.Write(ref c.SnapshotLsn, _snapshotLsn);
        if (_wal is { } wal)
        {
            Volatile.Write(ref c.WalLastLsn, wal.LastLsn);
            Volatile.Write(ref c.WalDurableLsn, wal.DurableLsn);
            Volatile.Write(ref c.WalBytes, wal.LogBytes);
            Volatile.Write(ref c.WalSyncs, wal.SyncCount);
            Volatile.Write(ref c.WalLastSyncSeconds, wal.LastSyncDuration.TotalSeconds);
            Volatile.Write(ref c.WalPressure, wal.Pressure);
        }
    }

    // After a failure: no more jobs are accepted, and those taken or queued fail with what stopped the shard.
    private void RefuseAll(ShardJob[] jobs, Exception cause)
    {
        var refusal = new VectorBackendException(VectorBackendError.Unavailable,
            $"Shard {ShardId} failed ({cause.Message}); restart the server (it recovers from its WAL and snapshots).");
        foreach (var job in jobs) job?.Fail(refusal);
        Array.Clear(jobs);
        _setup.Inbox.Close();
        _setup.Inbox.DrainClosed(jobs, refusal);
    }

    private void Shutdown(ShardJob[] jobs)
    {
        _setup.Inbox.Close();                                          // already closed, unless the worker graph stopped first
        _setup.Inbox.DrainClosed(jobs, ShardInbox.ShuttingDown());   // senders that raced the close: refused, not left waiting
        Wal.FlushAsync().AsTask().GetAwaiter().GetResult();
        if (_setup.SnapshotOnShutdown && (Wal.LastLsn > _snapshotLsn || _graphsRebuilt)) WriteSnapshot("shutdown");
    }

    public void Dispose()
    {
        _setup.Published = new Dictionary<string, ShardCollection>();
        _wal?.Dispose();
        foreach (var c in _collections.Values) c.Dispose();
        _collections.Clear();
    }

    private sealed class ShardFaultException(string message, Exception inner) : Exception(message, inner);

    private sealed class GraphList
    {
        public long Lsn { get; set; }
        public SortedDictionary<string, string>? Files { get; set; } = [];
    }
}

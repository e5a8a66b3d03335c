// The vector server's instruments (meter "Numa.Server"), exported on /metrics with the runtime's meters
// (Numa.Grpc: Flight calls by method; Numa.Messaging: ring and cross-node message counters).
using System.Diagnostics.Metrics;

namespace Numa.VectorServer;

/// <summary>
/// Ingest, search and snapshot instruments, and per-shard observables (tags <c>shard</c>, <c>node</c>): WAL appends,
/// bytes, syncs, last fdatasync duration, pending (appended, not yet durable) records and pressure; HNSW vectors and
/// memory; rows waiting to be indexed; inbox requests and those sent from another node; <c>numa_worker_distribution{node}</c> (shard workers per node). Dispose to
/// unregister (a restarted server in the same process creates a new one).
/// </summary>
public sealed class ServerMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Numa.Server";

    private readonly Meter _meter = new(MeterName);

    /// <summary>Selects what this server's /metrics shows: its own meter (not another server's in the same process),
    /// and the runtime's shared meters (gRPC calls, rings).</summary>
    internal bool Exports(Meter meter) =>
        ReferenceEquals(meter, _meter) || meter.Name is Grpc.GrpcMetrics.MeterName or "Numa.Messaging";

    internal ServerMetrics()
    {
        IngestRows = _meter.CreateCounter<long>("numa.server.ingest.rows", "{row}", "Rows accepted by DoPut.");
        IngestBytes = _meter.CreateCounter<long>("numa.server.ingest.bytes", "By", "Vector and id bytes accepted by DoPut.");
        SearchDuration = _meter.CreateHistogram<double>("numa.server.search.duration", "s", "k-NN searches, fan-out to every shard and merge.");
        SnapshotDuration = _meter.CreateHistogram<double>("numa.server.snapshot.duration", "s", "Shard snapshots (Parquet + saved graphs + WAL truncation).");
    }

    internal Counter<long> IngestRows { get; }
    internal Counter<long> IngestBytes { get; }
    internal Histogram<double> SearchDuration { get; }
    internal Histogram<double> SnapshotDuration { get; }

    /// <summary>Registers the observables of the shards (called once they are planned).</summary>
    internal void Observe(IReadOnlyList<(ShardSetup Setup, int Node)> shards)
    {
        KeyValuePair<string, object?>[] Tags((ShardSetup Setup, int Node) s) =>
            [new("shard", s.Setup.Shard), new("node", s.Node)];
        IEnumerable<Measurement<T>> Each<T>(Func<ShardCounters, T> read) where T : struct =>
            shards.Select(s => new Measurement<T>(read(s.Setup.Counters), Tags(s)));

        _meter.CreateObservableCounter("numa.server.wal.appends", () => Each(c => Volatile.Read(ref c.WalLastLsn)), "{record}", "Records appended to the shard's WAL (its last LSN).");
        _meter.CreateObservableGauge("numa.server.wal.size", () => Each(c => Volatile.Read(ref c.WalBytes)), "By", "Bytes in the shard's WAL segments.");
        _meter.CreateObservableCounter("numa.server.wal.syncs", () => Each(c => Volatile.Read(ref c.WalSyncs)), "{sync}", "fdatasync calls of the shard's WAL (group commits).");
        _meter.CreateObservableGauge("numa.server.wal.last_sync.duration", () => Each(c => Volatile.Read(ref c.WalLastSyncSeconds)), "s", "Duration of the shard's last WAL fdatasync.");
        _meter.CreateObservableGauge("numa.server.wal.pending", () => Each(c => Volatile.Read(ref c.WalLastLsn) - Volatile.Read(ref c.WalDurableLsn)), "{record}", "Records appended but not yet durable.");
        _meter.CreateObservableGauge("numa.server.wal.pressure", () => Each(c => Volatile.Read(ref c.WalPressure)), "1", "Fill of the WAL's active buffer (0..1); slow_down at 0.8.");
        _meter.CreateObservableGauge("numa.server.hnsw.vectors", () => Each(c => Volatile.Read(ref c.LiveRows)), "{vector}", "Live vectors in the shard's HNSW indexes.");
        _meter.CreateObservableGauge("numa.server.hnsw.memory", () => Each(c => Volatile.Read(ref c.IndexBytes)), "By", "Node-local memory reserved by the shard's indexes.");
        _meter.CreateObservableGauge("numa.server.indexing.pending", () => Each(c => Volatile.Read(ref c.PendingRows)), "{row}", "Rows sent to the shard and not yet indexed.");
        _meter.CreateObservableCounter("numa.server.searches", () => Each(c => Volatile.Read(ref c.Searches)), "{search}", "Searches run by the shard (one per query per shard).");
        _meter.CreateObservableCounter("numa.server.inbox.requests",
            () => shards.Select(s => new Measurement<long>(s.Setup.Inbox.Requests, Tags(s))), "{request}", "Requests queued on the shard's inbox ring.");
        _meter.CreateObservableCounter("numa.server.inbox.cross_node_requests",
            () => shards.Select(s => new Measurement<long>(s.Setup.Inbox.CrossNodeRequests, Tags(s))), "{request}",
            "Requests queued on the shard's inbox from a thread running on another node (they cross the interconnect).");
        var perNode = shards.GroupBy(s => s.Node).Select(g => (Node: g.Key, Count: g.Count())).ToArray();
        _meter.CreateObservableGauge("numa_worker_distribution",
            () => perNode.Select(p => new Measurement<int>(p.Count, new KeyValuePair<string, object?>("node", p.Node))),
            "{worker}", "Shard workers per NUMA node.");
    }

    /// <summary>Unregisters every instrument.</summary>
    public void Dispose() => _meter.Dispose();
}

// The server's settings: bound by `numa serve` from appsettings.json, NUMA_* environment variables and its own
// command-line options (in that order, later wins), through the Generic Host's configuration.
using System.Globalization;
using System.Net;
using Numa.Scheduling;
using Numa.Storage.Wal;
using Numa.Workers;

namespace Numa.VectorServer;

/// <summary>
/// Settings of <see cref="VectorServerHost"/>. Configuration keys are the property names at the root (e.g.
/// <c>"Shards": "per-cpu"</c> in appsettings.json, <c>NUMA_SHARDS=per-cpu</c> in the environment). The defaults are
/// the embedded default of <c>numa serve</c>: data in <c>./data</c>, Flight data 127.0.0.1:3000, meta 127.0.0.1:3001,
/// admin and metrics 127.0.0.1:9090, one shard per NUMA node, durable appends.
/// </summary>
public sealed class VectorServerOptions
{
    /// <summary>Where the catalog, every shard's WAL, snapshots and saved graphs live. Default <c>data</c>.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>The address every listener binds to. Default 127.0.0.1 (loopback only); <c>0.0.0.0</c> opens the
    /// server to the network (set <see cref="Token"/> then).</summary>
    public string Listen { get; set; } = "127.0.0.1";

    /// <summary>Flight data server port (DoPut, DoGet, DoExchange, DoAction). Default 3000; 0: any free port.</summary>
    public int DataPort { get; set; } = 3000;

    /// <summary>Flight meta server port (ListFlights, GetFlightInfo, DoAction …). Default 3001.</summary>
    public int MetaPort { get; set; } = 3001;

    /// <summary>Admin API and Prometheus <c>/metrics</c> port. Default 9090.</summary>
    public int AdminPort { get; set; } = 9090;

    /// <summary><c>per-node</c> (default: one shard per NUMA node with CPUs), <c>per-cpu</c>, or a count.</summary>
    public string Shards { get; set; } = "per-node";

    /// <summary>Where shard workers are pinned: <c>scatter</c> (default: spread over nodes) or <c>compact</c>.</summary>
    public string Policy { get; set; } = "scatter";

    /// <summary>Restricts the server to these CPUs (<c>0-3,8</c>), on top of the process's affinity. Default: all allowed.</summary>
    public string? Cpuset { get; set; }

    /// <summary>No pinning and no memory binding (more threads than CPUs, or a shared machine). Default false.</summary>
    public bool Overprovisioned { get; set; }

    /// <summary>When set, Flight calls and the admin API (except <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>)
    /// require <c>authorization: Bearer &lt;token&gt;</c>.</summary>
    public string? Token { get; set; }

    /// <summary>WAL durability: <c>always</c> (default: a put is acknowledged after fdatasync), <c>interval:MS</c>, <c>none</c>.</summary>
    public string Durability { get; set; } = "always";

    /// <summary>Size of a shard's WAL at which it snapshots and truncates the log, in bytes (at least 16 MiB).
    /// Default 100 MiB.</summary>
    public long WalMaxBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>HNSW M (links per node; layer 0 has 2M). Default 16.</summary>
    public int M { get; set; } = 16;

    /// <summary>HNSW efConstruction. Default 200.</summary>
    public int EfConstruction { get; set; } = 200;

    /// <summary>HNSW efSearch when a query gives no <c>ef</c>. Default 50 (Longbow's).</summary>
    public int EfSearch { get; set; } = 50;

    /// <summary>Requests queued per shard; above 80 % of it, puts answer <c>slow_down</c>, and when it is full
    /// senders wait. Default 64 (each put request carries at most ~1 MiB of rows).</summary>
    public int QueueCapacity { get; set; } = 64;

    /// <summary>How long an idle shard keeps polling its inbox before it parks, in microseconds (Seastar's
    /// <c>--idle-poll-time-us</c>, whose default this is): a parked thread takes far longer to wake than a polling one
    /// notices a request (~130 µs against ~15 µs on the 2-vCPU build VM, where 1000 raised single-client QPS by a
    /// fifth). 0 parks at once; <see cref="Overprovisioned"/> implies 0. Default 200.</summary>
    public int IdlePollMicroseconds { get; set; } = 200;

    /// <summary>A request thread running on a shard's node searches that shard's index itself (its memory is local
    /// there) instead of handing the query to the shard's thread; shards on other nodes still search on their own
    /// threads. Default true.</summary>
    public bool SearchInPlace { get; set; } = true;

    /// <summary>Largest Flight message accepted, in bytes. Default 64 MiB.</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Write a snapshot and save the graphs on graceful shutdown, so the next start loads them without a
    /// rebuild or WAL replay. Default true.</summary>
    public bool SnapshotOnShutdown { get; set; } = true;

    /// <summary>Where new collections' memory goes: <c>local_node</c> (default), <c>round_robin</c>,
    /// <c>most_memory</c>, <c>disabled</c>; changeable at run time with <c>POST /api/v1/numa/strategy</c>.</summary>
    public string Strategy { get; set; } = "local_node";

    internal PlacementStrategy PlacementStrategy => PlacementStrategyState.TryParse(Strategy, out var s)
        ? s
        : throw new VectorServerConfigurationException($"Strategy = '{Strategy}': use local_node, round_robin, most_memory or disabled.");

    /// <summary>WAL segment size: 64 MiB, or half of <see cref="WalMaxBytes"/> when that is smaller.</summary>
    internal long WalSegmentBytes => Math.Min(64L * 1024 * 1024, WalMaxBytes / 2);

    internal IPAddress ListenAddress => IPAddress.TryParse(Listen, out var address)
        ? address
        : throw new VectorServerConfigurationException($"Listen = '{Listen}' is not an IP address (use 127.0.0.1, 0.0.0.0, ::1 …).");

    internal WalDurability WalDurability
    {
        get
        {
            try { return WalDurability.Parse(Durability); }
            catch (FormatException e) { throw new VectorServerConfigurationException($"Durability: {e.Message}"); }
        }
    }

    internal PinPolicy PinPolicy => Policy.Trim().ToLowerInvariant() switch
    {
        "scatter" => PinPolicy.Scatter,
        "compact" => PinPolicy.Compact,
        _ => throw new VectorServerConfigurationException($"Policy = '{Policy}': use compact or scatter."),
    };

    internal WorkerCount ShardCount
    {
        get
        {
            string s = Shards.Trim().ToLowerInvariant();
            if (s == "per-node") return WorkerCount.PerNode(1);
            if (s == "per-cpu") return WorkerCount.PerCpu;
            if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 4096) return WorkerCount.Fixed(n);
            throw new VectorServerConfigurationException($"Shards = '{Shards}': use per-node, per-cpu or a count from 1 to 4096.");
        }
    }

    /// <summary>Checks every setting; the message names the setting and what to use instead.</summary>
    /// <exception cref="VectorServerConfigurationException">A setting is invalid.</exception>
    public void Validate()
    {
        _ = ListenAddress;
        _ = WalDurability;
        _ = PinPolicy;
        _ = ShardCount;
        _ = PlacementStrategy;
        CheckPort(DataPort, nameof(DataPort));
        CheckPort(MetaPort, nameof(MetaPort));
        CheckPort(AdminPort, nameof(AdminPort));
        // Two listeners on one port fail later as "address already in use", which reads like another process.
        var ports = new[] { (DataPort, nameof(DataPort)), (MetaPort, nameof(MetaPort)), (AdminPort, nameof(AdminPort)) };
        foreach (var clash in ports.Where(p => p.Item1 != 0).GroupBy(p => p.Item1).Where(g => g.Count() > 1))
            throw new VectorServerConfigurationException($"{string.Join(" and ", clash.Select(p => p.Item2))} are both {clash.Key}: each listener needs its own port.");
        if (string.IsNullOrWhiteSpace(DataDirectory)) throw new VectorServerConfigurationException("DataDirectory is empty.");
        if (WalMaxBytes < 16L * 1024 * 1024) throw new VectorServerConfigurationException($"WalMaxBytes = {WalMaxBytes}: it must be at least 16 MiB (two 8 MiB segments).");
        if (M is < 2 or > 256) throw new VectorServerConfigurationException($"M = {M}: use 2 to 256 (16 is usual).");
        if (EfConstruction < 1) throw new VectorServerConfigurationException($"EfConstruction = {EfConstruction}: it must be positive.");
        if (EfSearch < 1) throw new VectorServerConfigurationException($"EfSearch = {EfSearch}: it must be positive.");
        if (QueueCapacity is < 2 or > 65536 || !System.Numerics.BitOperations.IsPow2(QueueCapacity))
            throw new VectorServerConfigurationException($"QueueCapacity = {QueueCapacity}: use a power of two from 2 to 65536.");
        if (IdlePollMicroseconds is < 0 or > 1_000_000) throw new VectorServerConfigurationException($"IdlePollMicroseconds = {IdlePollMicroseconds}: use 0 to 1000000.");
        if (MaxMessageBytes < 1024 * 1024) throw new VectorServerConfigurationException($"MaxMessageBytes = {MaxMessageBytes}: at least 1 MiB.");
        // An empty token is a mistake (--token "$SECRET" with SECRET unset), not a request for an open server.
        if (Token is not null && string.IsNullOrWhiteSpace(Token))
            throw new VectorServerConfigurationException("Token is empty: give a secret, or leave the setting out for a server without one (loopback only by default).");
    }

    private static void CheckPort(int port, string name)
    {
        if (port is < 0 or > 65535) throw new VectorServerConfigurationException($"{name} = {port}: a port is 0 to 65535.");
    }
}

/// <summary>A server setting is invalid, or the data directory does not fit the settings; the message says how to fix it.</summary>
public sealed class VectorServerConfigurationException(string message) : Exception(message);

// The machine's NUMA layout as this process may use it: sysfs intersected with the affinity mask and Mems_allowed.
using System.Globalization;
using System.Text;
using Numa.Native;

namespace Numa.Topology;

/// <summary>
/// The NUMA nodes of the machine, their CPUs, memory, huge pages and distances, restricted to what this process
/// may use: node CPUs ∩ <c>sched_getaffinity(2)</c> (which reflects the cgroup cpuset) and node memory ∩
/// <c>Mems_allowed_list</c> of <c>/proc/self/status</c>. Node ids are the kernel's; they need not start at 0
/// or be contiguous, and a node may lack CPUs or memory. Without sysfs (another OS, a stripped container) the
/// topology is one node, id 0, holding every allowed CPU (<see cref="TopologySource.SingleNodeFallback"/>).
/// Sources: Documentation/ABI/stable/sysfs-devices-node, numa(7), cpuset(7).
/// </summary>
public sealed class NumaTopology
{
    private readonly Dictionary<int, NumaNode> _byId;
    private readonly Dictionary<int, LogicalCpu> _cpuById;

    internal NumaTopology(TopologySource source, IReadOnlyList<NumaNode> nodes, CpuSet allowedCpus,
        IReadOnlyList<LogicalCpu> cpus, IReadOnlyList<string> warnings)
    {
        Source = source;
        Nodes = nodes;
        AllowedCpus = allowedCpus;
        Cpus = cpus;
        Warnings = warnings;
        _byId = nodes.ToDictionary(n => n.Id);
        _cpuById = cpus.ToDictionary(c => c.Id);
        MemoryNodes = [.. nodes.Where(n => n.CanHoldMemory)];
        CpuNodes = [.. nodes.Where(n => n.HasCpus)];
    }

    /// <summary>Where the topology was read from.</summary>
    public TopologySource Source { get; }

    /// <summary>Every online node, ascending by id.</summary>
    public IReadOnlyList<NumaNode> Nodes { get; }

    /// <summary>The CPUs this process may run on.</summary>
    public CpuSet AllowedCpus { get; }

    /// <summary>The allowed CPUs with their node, package, core and SMT siblings, ascending by id.</summary>
    public IReadOnlyList<LogicalCpu> Cpus { get; }

    /// <summary>Oddities worth a log line (CPUs outside every node, …); empty on a well-formed machine.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Nodes that can hold this process's pages (memory present and allowed), ascending by id.</summary>
    public IReadOnlyList<NumaNode> MemoryNodes { get; }

    /// <summary>Nodes with at least one allowed CPU, ascending by id.</summary>
    public IReadOnlyList<NumaNode> CpuNodes { get; }

    /// <summary>True when two or more nodes can hold memory: the only case where binding memory matters.</summary>
    public bool IsMultiNode => MemoryNodes.Count >= 2;

    /// <summary>Total memory of all nodes in bytes.</summary>
    public long MemoryTotalBytes => Nodes.Sum(n => n.MemoryTotalBytes);

    /// <summary>The node with id <paramref name="nodeId"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such node; the message lists the nodes.</exception>
    public NumaNode GetNode(int nodeId) => _byId.TryGetValue(nodeId, out var node)
        ? node
        : throw new ArgumentOutOfRangeException(nameof(nodeId), nodeId, $"There is no NUMA node {nodeId}; the nodes are {NodeList}.");

    /// <summary>True when a node with id <paramref name="nodeId"/> exists.</summary>
    public bool HasNode(int nodeId) => _byId.ContainsKey(nodeId);

    /// <summary>The allowed CPU <paramref name="cpu"/>, or null when it is not allowed or does not exist.</summary>
    public LogicalCpu? GetCpu(int cpu) => _cpuById.GetValueOrDefault(cpu);

    /// <summary>The node of allowed CPU <paramref name="cpu"/>, or -1.</summary>
    public int NodeOfCpu(int cpu) => _cpuById.TryGetValue(cpu, out var c) ? c.Node : -1;

    /// <summary>SLIT distance between two nodes (10 = local), or 0 when unknown.</summary>
    public int Distance(int from, int to) =>
        _byId.TryGetValue(from, out var n) && n.Distances.TryGetValue(to, out int d) ? d : 0;

    /// <summary>The nodes that hold memory and are nearest to <paramref name="nodeId"/> (itself when it holds
    /// memory): where the kernel's fallback puts pages preferred on a memory-less node.</summary>
    public IReadOnlyList<int> NearestMemoryNodes(int nodeId)
    {
        GetNode(nodeId);
        var candidates = MemoryNodes;
        if (candidates.Count == 0) return [];
        if (candidates.Any(n => n.Id == nodeId)) return [nodeId];
        int best = candidates.Min(n => DistanceOrFar(nodeId, n.Id));
        return [.. candidates.Where(n => DistanceOrFar(nodeId, n.Id) == best).Select(n => n.Id)];
    }

    /// <summary>The same machine seen through <paramref name="cpus"/> (a subset of <see cref="AllowedCpus"/>):
    /// Seastar's <c>--cpuset</c>.</summary>
    internal NumaTopology RestrictTo(CpuSet cpus)
    {
        var nodes = Nodes.Select(n => new NumaNode(n.Id, n.AllCpus, n.Cpus.Intersect(cpus), n.MemoryTotalBytes,
            n.MemoryFreeBytes, n.IsMemoryAllowed, n.Distances, n.HugePages)).ToList();
        return new NumaTopology(Source, nodes, AllowedCpus.Intersect(cpus), [.. Cpus.Where(c => cpus.Contains(c.Id))], Warnings);
    }

    private int DistanceOrFar(int from, int to) => Distance(from, to) is > 0 and var d ? d : int.MaxValue;

    private string NodeList => string.Join(",", Nodes.Select(n => n.Id.ToString(CultureInfo.InvariantCulture)));

    /// <summary>One line for logs: <c>2 NUMA nodes: node 0 cpus 0-15 31744 MB, node 1 cpus 16-31 32768 MB</c>.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append(Nodes.Count.ToString(CultureInfo.InvariantCulture)).Append(Nodes.Count == 1 ? " NUMA node: " : " NUMA nodes: ");
        for (int i = 0; i < Nodes.Count; i++)
        {
            var n = Nodes[i];
            if (i > 0) sb.Append(", ");
            sb.Append(CultureInfo.InvariantCulture, $"node {n.Id} cpus {(n.Cpus.IsEmpty ? "none" : n.Cpus.ToString())} {n.MemoryTotalBytes / (1024 * 1024)} MB");
            if (!n.IsMemoryAllowed && n.HasMemory) sb.Append(" (memory not allowed)");
        }
        return sb.ToString();
    }

    /// <summary>Reads the topology of this machine (or of the tree <paramref name="options"/> points at).</summary>
    /// <exception cref="NumaTopologyException">A sysfs file is malformed; the message names it.</exception>
    /// <exception cref="NumaNativeException">sched_getaffinity(2) failed.</exception>
    public static NumaTopology Detect(NumaTopologyOptions? options = null) => SysfsTopologyReader.Read(options ?? new NumaTopologyOptions());
}

// Reads /sys/devices/system/{node,cpu} and /proc/self/status into a NumaTopology. File formats:
// Documentation/ABI/stable/sysfs-devices-node and sysfs-devices-system-cpu, proc(5) "Mems_allowed_list".
using System.Globalization;
using Numa.Native;

namespace Numa.Topology;

internal static class SysfsTopologyReader
{
    private const long KiB = 1024;

    internal static NumaTopology Read(NumaTopologyOptions options)
    {
        string nodeDir = Path.Combine(options.SysfsRoot, "devices", "system", "node");
        string cpuDir = Path.Combine(options.SysfsRoot, "devices", "system", "cpu");
        var warnings = new List<string>();

        CpuSet online = ReadOnlineCpus(cpuDir);
        CpuSet allowed = options.AllowedCpus ?? QueryAffinity(online);
        if (!online.IsEmpty) allowed = allowed.Intersect(online);
        if (allowed.IsEmpty)
            throw new NumaTopologyException(cpuDir, "no CPU is both online and in this process's affinity mask.");

        if (!Directory.Exists(nodeDir))
            return SingleNode(options, allowed, cpuDir, warnings);

        int[] nodeIds = ReadNodeIds(nodeDir);
        if (nodeIds.Length == 0) throw new NumaTopologyException(nodeDir, "no node is online.");
        int[]? memsAllowed = ReadMemsAllowed(options.ProcRoot);

        foreach (int id in nodeIds)
        {
            string dir = NodePath(nodeDir, id);
            if (!Directory.Exists(dir)) throw new NumaTopologyException(dir, $"node {id} is listed online but has no directory.");
        }

        var nodes = new List<NumaNode>(nodeIds.Length);
        var cpuToNode = new Dictionary<int, int>();
        foreach (int id in nodeIds)
        {
            string dir = NodePath(nodeDir, id);
            CpuSet all = ParseCpuList(Path.Combine(dir, "cpulist"));
            foreach (int cpu in all)
            {
                if (!cpuToNode.TryAdd(cpu, id))
                    throw new NumaTopologyException(Path.Combine(dir, "cpulist"), $"CPU {cpu} is listed in node {cpuToNode[cpu]} and node {id}.");
            }
            var (total, free) = ReadNodeMeminfo(Path.Combine(dir, "meminfo"), id);
            var distances = ReadDistances(Path.Combine(dir, "distance"), nodeIds);
            var hugePages = ReadHugePages(Path.Combine(dir, "hugepages"));
            bool memAllowed = memsAllowed is null || Array.IndexOf(memsAllowed, id) >= 0;
            nodes.Add(new NumaNode(id, all, all.Intersect(allowed), total, free, memAllowed, distances, hugePages));
        }

        // CPUs that no node lists (seen on broken firmware) go to the lowest node with memory, as Seastar's
        // "orphan" CPUs go to a node rather than being dropped.
        var orphans = allowed.Where(c => !cpuToNode.ContainsKey(c)).ToArray();
        if (orphans.Length > 0)
        {
            var home = nodes.FirstOrDefault(n => n.CanHoldMemory) ?? nodes[0];
            int index = nodes.IndexOf(home);
            var moved = home.Cpus.Union(CpuSet.Of(orphans));
            nodes[index] = new NumaNode(home.Id, home.AllCpus.Union(CpuSet.Of(orphans)), moved, home.MemoryTotalBytes,
                home.MemoryFreeBytes, home.IsMemoryAllowed, home.Distances, home.HugePages);
            foreach (int cpu in orphans) cpuToNode[cpu] = home.Id;
            warnings.Add($"CPUs {CpuSet.Of(orphans)} belong to no NUMA node in sysfs; assigned to node {home.Id}.");
        }

        var cpus = allowed.Select(c => ReadCpu(cpuDir, c, cpuToNode[c])).ToList();
        return new NumaTopology(TopologySource.Sysfs, nodes, allowed, cpus, warnings);
    }

    private static string NodePath(string nodeDir, int id) => Path.Combine(nodeDir, "node" + id.ToString(CultureInfo.InvariantCulture));

    private static NumaTopology SingleNode(NumaTopologyOptions options, CpuSet allowed, string cpuDir, List<string> warnings)
    {
        var (total, free) = ReadProcMeminfo(Path.Combine(options.ProcRoot, "meminfo"));
        var node = new NumaNode(0, allowed, allowed, total, free, isMemoryAllowed: true,
            new Dictionary<int, int> { [0] = 10 }, []);
        var cpus = allowed.Select(c => ReadCpu(cpuDir, c, 0)).ToList();
        return new NumaTopology(TopologySource.SingleNodeFallback, [node], allowed, cpus, warnings);
    }

    private static CpuSet QueryAffinity(CpuSet online)
    {
        // The process's mask, not the calling thread's: the platform may first be created on a pinned worker.
        if (LibC.IsSupportedPlatform) return NumaSyscalls.GetProcessAffinity();
        return online.IsEmpty ? CpuSet.Range(0, Environment.ProcessorCount - 1) : online;
    }

    private static CpuSet ReadOnlineCpus(string cpuDir)
    {
        string path = Path.Combine(cpuDir, "online");
        return File.Exists(path) ? ParseCpuList(path) : CpuSet.Empty;
    }

    private static int[] ReadNodeIds(string nodeDir)
    {
        string online = Path.Combine(nodeDir, "online");
        if (File.Exists(online)) return ParseList(online);
        // Old kernels and some fixtures have no "online" file: every nodeN directory counts.
        return [.. Directory.EnumerateDirectories(nodeDir, "node*")
            .Select(d => (Path: d, Digits: Path.GetFileName(d)[4..]))
            .Where(d => d.Digits.Length > 0 && d.Digits.All(char.IsAsciiDigit))
            .Select(d => ParseNodeId(d.Path, d.Digits))
            .Order()];
    }

    private static int ParseNodeId(string dir, string digits) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int id) && id <= CpuSet.MaxCpuId
            ? id
            : throw new NumaTopologyException(dir, $"node id {digits} is above {CpuSet.MaxCpuId}.");

    private static int[]? ReadMemsAllowed(string procRoot)
    {
        string path = Path.Combine(procRoot, "self", "status");
        if (!File.Exists(path)) return null;
        foreach (string line in File.ReadLines(path))
        {
            if (!line.StartsWith("Mems_allowed_list:", StringComparison.Ordinal)) continue;
            try { return CpuSet.ParseList(line["Mems_allowed_list:".Length..]); }
            catch (FormatException e) { throw new NumaTopologyException(path, $"bad Mems_allowed_list line '{line}'.", e); }
        }
        return null;
    }

    // "Node 0 MemTotal:       16314340 kB" (drivers/base/node.c node_read_meminfo).
    private static (long Total, long Free) ReadNodeMeminfo(string path, int nodeId)
    {
        if (!File.Exists(path)) throw new NumaTopologyException(path, "the file is missing.");
        long? total = null, free = null;
        foreach (string line in File.ReadLines(path))
        {
            string[] t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (t.Length < 4 || t[0] != "Node") continue;
            if (t[2] == "MemTotal:") total = ParseKiB(path, line, t[3], t.Length > 4 ? t[4] : null);
            else if (t[2] == "MemFree:") free = ParseKiB(path, line, t[3], t.Length > 4 ? t[4] : null);
        }
        if (total is null) throw new NumaTopologyException(path, $"no 'Node {nodeId} MemTotal:' line.");
        return (total.Value, free ?? 0);
    }

    // "MemTotal:       16314340 kB" (proc(5) /proc/meminfo).
    private static (long Total, long Free) ReadProcMeminfo(string path)
    {
        long total = 0, free = 0;
        if (File.Exists(path))
        {
            foreach (string line in File.ReadLines(path))
            {
                string[] t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (t.Length < 2) continue;
                if (t[0] == "MemTotal:") total = ParseKiB(path, line, t[1], t.Length > 2 ? t[2] : null);
                else if (t[0] == "MemFree:") free = ParseKiB(path, line, t[1], t.Length > 2 ? t[2] : null);
            }
        }
        if (total == 0)
        {
            total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            free = total;
        }
        return (total, free);
    }

    private static long ParseKiB(string path, string line, string value, string? unit)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long kib) || (unit is not null && unit != "kB"))
            throw new NumaTopologyException(path, $"cannot parse '{line.Trim()}' (expected '<number> kB').");
        return KiBToBytes(path, $"'{line.Trim()}'", kib);
    }

    // A non-negative KiB count in bytes; one that does not fit in a long (above 8 EiB) is a bad file, not a negative size.
    private static long KiBToBytes(string path, string what, long kib) =>
        kib <= long.MaxValue / KiB
            ? kib * KiB
            : throw new NumaTopologyException(path, $"{what}: {kib} kB is more bytes than a 64-bit count holds.");

    // "10 21 21" in the order of the online nodes (drivers/base/node.c node_read_distance).
    private static Dictionary<int, int> ReadDistances(string path, int[] nodeIds)
    {
        if (!File.Exists(path)) throw new NumaTopologyException(path, "the file is missing.");
        string text = File.ReadAllText(path);
        string[] parts = text.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != nodeIds.Length)
            throw new NumaTopologyException(path, $"'{text.Trim()}' has {parts.Length} distances but {nodeIds.Length} nodes are online.");
        var result = new Dictionary<int, int>(nodeIds.Length);
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out int d))
                throw new NumaTopologyException(path, $"'{parts[i]}' in '{text.Trim()}' is not a distance.");
            result[nodeIds[i]] = d;
        }
        return result;
    }

    private static List<HugePagePool> ReadHugePages(string dir)
    {
        var pools = new List<HugePagePool>();
        if (!Directory.Exists(dir)) return pools;
        foreach (string pool in Directory.EnumerateDirectories(dir, "hugepages-*kB").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(pool);
            string size = name["hugepages-".Length..^"kB".Length];
            if (!long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out long kib))
                throw new NumaTopologyException(pool, "cannot read the page size from the directory name.");
            pools.Add(new HugePagePool(KiBToBytes(pool, "the page size", kib), ReadLong(Path.Combine(pool, "nr_hugepages")), ReadLong(Path.Combine(pool, "free_hugepages"))));
        }
        pools.Sort((a, b) => a.PageSizeBytes.CompareTo(b.PageSizeBytes));
        return pools;
    }

    private static LogicalCpu ReadCpu(string cpuDir, int cpu, int node)
    {
        string topo = Path.Combine(cpuDir, "cpu" + cpu.ToString(CultureInfo.InvariantCulture), "topology");
        string package = Path.Combine(topo, "physical_package_id");
        if (!File.Exists(package)) return new LogicalCpu(cpu, node, node, cpu, CpuSet.Of(cpu));
        string siblingsPath = Path.Combine(topo, "thread_siblings_list");
        var siblings = File.Exists(siblingsPath) ? ParseCpuList(siblingsPath) : CpuSet.Of(cpu);
        string corePath = Path.Combine(topo, "core_id");
        int core = File.Exists(corePath) ? ReadInt(corePath) : cpu;
        return new LogicalCpu(cpu, node, ReadInt(package), core, siblings);
    }

    // An id such as core_id or physical_package_id (-1 where the kernel does not know it).
    private static int ReadInt(string path)
    {
        long value = ReadLong(path);
        return value is >= int.MinValue and <= int.MaxValue
            ? (int)value
            : throw new NumaTopologyException(path, $"{value} is out of the range of an id ({int.MinValue} to {int.MaxValue}).");
    }

    private static long ReadLong(string path)
    {
        if (!File.Exists(path)) throw new NumaTopologyException(path, "the file is missing.");
        string text = File.ReadAllText(path).Trim();
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v)
            ? v
            : throw new NumaTopologyException(path, $"'{text}' is not an integer.");
    }

    private static CpuSet ParseCpuList(string path) => CpuSet.Of(ParseList(path));

    private static int[] ParseList(string path)
    {
        if (!File.Exists(path)) throw new NumaTopologyException(path, "the file is missing.");
        string text = File.ReadAllText(path);
        try { return CpuSet.ParseList(text); }
        catch (FormatException e) { throw new NumaTopologyException(path, e.Message, e); }
    }
}

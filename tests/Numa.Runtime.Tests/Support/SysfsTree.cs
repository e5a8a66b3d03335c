// Builds fixture sysfs/procfs trees in a temporary directory, in the exact formats the kernel writes
// (drivers/base/node.c, drivers/base/topology.c, fs/proc/array.c), so topology tests read real-shaped files.
using System.Globalization;
using System.Text;
using Numa.Topology;

namespace Numa.Tests.Support;

public sealed class SysfsTree : IDisposable
{
    private readonly List<(int Id, string Cpus, long MemKiB)> _nodes = [];
    private readonly Dictionary<int, (int Package, int Core, string Siblings)> _cpuTopology = [];

    public SysfsTree()
    {
        Root = Path.Combine(Path.GetTempPath(), "numa-sysfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }
    public string SysfsRoot => Path.Combine(Root, "sys");
    public string ProcRoot => Path.Combine(Root, "proc");
    public string NodeDir => Path.Combine(SysfsRoot, "devices", "system", "node");
    public string CpuDir => Path.Combine(SysfsRoot, "devices", "system", "cpu");

    /// <summary>Adds a node with a cpulist and MemTotal (KiB); MemFree is half of it.</summary>
    public SysfsTree Node(int id, string cpus, long memKiB)
    {
        _nodes.Add((id, cpus, memKiB));
        return this;
    }

    public SysfsTree Cpu(int cpu, int package, int core, string siblings)
    {
        _cpuTopology[cpu] = (package, core, siblings);
        return this;
    }

    public string? MemsAllowed { get; set; }
    public bool WriteOnlineFile { get; set; } = true;
    public Func<int, int, int> Distance { get; set; } = (a, b) => a == b ? 10 : 21;
    public Dictionary<int, (long PageKiB, int Total, int Free)> HugePages { get; } = [];

    /// <summary>Writes the tree; returns options that read it with <paramref name="allowedCpus"/> as the affinity mask.</summary>
    public NumaTopologyOptions Build(string? allowedCpus = null)
    {
        var ids = _nodes.Select(n => n.Id).Order().ToArray();
        Directory.CreateDirectory(NodeDir);
        if (WriteOnlineFile) Write(Path.Combine(NodeDir, "online"), CpuSet.FormatList(ids) + "\n");
        var allCpus = new List<int>();
        foreach (var (id, cpus, memKiB) in _nodes)
        {
            string dir = Path.Combine(NodeDir, "node" + id.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            Write(Path.Combine(dir, "cpulist"), cpus + "\n");
            allCpus.AddRange(CpuSet.ParseList(cpus));
            var meminfo = new StringBuilder();
            meminfo.Append(CultureInfo.InvariantCulture, $"Node {id} MemTotal:       {memKiB,8} kB\n");
            meminfo.Append(CultureInfo.InvariantCulture, $"Node {id} MemFree:        {memKiB / 2,8} kB\n");
            meminfo.Append(CultureInfo.InvariantCulture, $"Node {id} MemUsed:        {memKiB - memKiB / 2,8} kB\n");
            Write(Path.Combine(dir, "meminfo"), meminfo.ToString());
            Write(Path.Combine(dir, "distance"), string.Join(' ', ids.Select(b => Distance(id, b).ToString(CultureInfo.InvariantCulture))) + "\n");
            if (HugePages.TryGetValue(id, out var hp))
            {
                string pool = Path.Combine(dir, "hugepages", $"hugepages-{hp.PageKiB}kB");
                Directory.CreateDirectory(pool);
                Write(Path.Combine(pool, "nr_hugepages"), hp.Total + "\n");
                Write(Path.Combine(pool, "free_hugepages"), hp.Free + "\n");
                Write(Path.Combine(pool, "surplus_hugepages"), "0\n");
            }
        }
        Directory.CreateDirectory(CpuDir);
        Write(Path.Combine(CpuDir, "online"), CpuSet.Of(allCpus).ToString() + "\n");
        foreach (var (cpu, (package, core, siblings)) in _cpuTopology)
        {
            string dir = Path.Combine(CpuDir, "cpu" + cpu.ToString(CultureInfo.InvariantCulture), "topology");
            Directory.CreateDirectory(dir);
            Write(Path.Combine(dir, "physical_package_id"), package + "\n");
            Write(Path.Combine(dir, "core_id"), core + "\n");
            Write(Path.Combine(dir, "thread_siblings_list"), siblings + "\n");
        }
        if (MemsAllowed is not null)
        {
            Directory.CreateDirectory(Path.Combine(ProcRoot, "self"));
            Write(Path.Combine(ProcRoot, "self", "status"),
                $"Name:\ttest\nCpus_allowed_list:\t{CpuSet.Of(allCpus)}\nMems_allowed:\t00000000,00000003\nMems_allowed_list:\t{MemsAllowed}\nvoluntary_ctxt_switches:\t1\n");
        }
        return new NumaTopologyOptions
        {
            SysfsRoot = SysfsRoot,
            ProcRoot = ProcRoot,
            AllowedCpus = CpuSet.Parse(allowedCpus ?? CpuSet.Of(allCpus).ToString()),
        };
    }

    /// <summary>Overwrites one file of the built tree (for malformed-content tests).</summary>
    public void Overwrite(string relativeToNodeDir, string content) => Write(Path.Combine(NodeDir, relativeToNodeDir), content);

    /// <summary>A two-socket, 64-CPU box with SMT: node 0 = CPUs 0-15,32-47, node 1 = 16-31,48-63;
    /// CPU c and c+32 are hardware threads of one core (the usual Intel numbering).</summary>
    public static SysfsTree TwoSocketSmt64()
    {
        var tree = new SysfsTree()
            .Node(0, "0-15,32-47", 64L * 1024 * 1024)
            .Node(1, "16-31,48-63", 64L * 1024 * 1024);
        for (int c = 0; c < 32; c++)
        {
            int package = c / 16;
            int core = c % 16;
            string siblings = $"{c},{c + 32}";
            tree.Cpu(c, package, core, siblings).Cpu(c + 32, package, core, siblings);
        }
        return tree;
    }

    private static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

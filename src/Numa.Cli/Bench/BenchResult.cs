// What one side of `numa bench-index` measured.
namespace Numa.Cli.Bench;

internal sealed record SearchPoint(int Ef, int Threads, double Recall, double Qps);

internal sealed class BenchResult(string name)
{
    public string Name { get; } = name;
    public double BuildSeconds { get; set; }
    /// <summary>Growth of the process's resident set over the build, bytes (vectors, graph, id map).</summary>
    public long RssBytes { get; set; }
    /// <summary>Bytes of graph structures counted exactly, when the side can (Numa); null otherwise.</summary>
    public long? GraphBytesExact { get; set; }
    public List<SearchPoint> Points { get; } = [];
    /// <summary>1-minute load average before and after the run (a shared machine's other work).</summary>
    public double LoadBefore { get; set; }
    public double LoadAfter { get; set; }
}

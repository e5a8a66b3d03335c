// A worker graph planned on this machine: workers with their CPUs and nodes, rings with their nodes (`numa graph`).
using System.Globalization;
using System.Text;

namespace Numa.Workers;

/// <summary>Every worker instance and every ring of a graph, as planned on this machine's topology, plus its
/// interleaved shared arrays.</summary>
public sealed record WorkerGraphDescription(IReadOnlyList<WorkerDescription> Workers, IReadOnlyList<RingDescription> Rings,
    IReadOnlyList<string> Interleaved)
{
    /// <summary>A plain-text listing: one line per worker, then one per ring (cross-node rings marked).</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"workers ({Workers.Count}):");
        foreach (var w in Workers)
            text.AppendLine(inv, $"  {w.Worker}[{w.Index}]  cpu {w.Cpu}  node {w.Node}  ({w.Policy}, {w.Count})");
        text.AppendLine(inv, $"rings ({Rings.Count}, {Rings.Count(r => r.IsCrossNode)} cross-node):");
        foreach (var r in Rings)
            text.AppendLine(inv, $"  {r.Producer} -> {r.Consumer}  {r.MessageType}  memory on node {r.HomeNode}  " +
                $"(producer node {r.ProducerNode}, consumer node {r.ConsumerNode}{(r.IsCrossNode ? ", cross-node" : "")})  capacity {r.Capacity}");
        if (Interleaved.Count > 0)
        {
            text.AppendLine(inv, $"interleaved ({Interleaved.Count}):");
            foreach (var i in Interleaved) text.AppendLine(inv, $"  {i}");
        }
        return text.ToString();
    }
}

// `numa topology`: the machine as numactl --hardware prints it, plus the allowed cpuset and the binding state.
using System.CommandLine;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Numa.Topology;

namespace Numa.Cli.Commands;

internal static class TopologyCommand
{
    private static readonly Option<bool> Json = new("--json") { Description = "Print the topology as JSON (the admin API's document)." };

    internal static Command Create()
    {
        var command = new Command("topology", "Show NUMA nodes, their CPUs and memory, the distance matrix, the allowed cpuset and whether binding is active.");
        command.Options.Add(Json);
        command.SetAction(result => CommonOptions.Run(() =>
        {
            using var loggers = CommonOptions.CreateLoggerFactory(result, LogLevel.Warning);
            var platform = CommonOptions.CreatePlatform(result, loggers.CreateLogger("Numa"));
            Console.Out.Write(result.GetValue(Json) ? TopologyJson.ToJson(platform) + "\n" : Format(platform));
            return 0;
        }));
        return command;
    }

    /// <summary>numactl --hardware's layout (numactl.c hardware(), print_distances()), then Numa's additions.</summary>
    internal static string Format(NumaPlatform platform)
    {
        var t = platform.Topology;
        var sb = new StringBuilder();
        var ids = t.Nodes.Select(n => n.Id).ToArray();
        sb.Append(CultureInfo.InvariantCulture, $"available: {t.Nodes.Count} nodes ({CpuSet.FormatList(ids)})\n");
        foreach (var n in t.Nodes)
        {
            sb.Append(CultureInfo.InvariantCulture, $"node {n.Id} cpus:");
            foreach (int cpu in n.AllCpus) sb.Append(CultureInfo.InvariantCulture, $" {cpu}");
            sb.Append('\n');
            sb.Append(CultureInfo.InvariantCulture, $"node {n.Id} size: {n.MemoryTotalBytes / (1024 * 1024)} MB\n");
            sb.Append(CultureInfo.InvariantCulture, $"node {n.Id} free: {n.MemoryFreeBytes / (1024 * 1024)} MB\n");
        }
        if (t.Nodes.All(n => n.Distances.Count == 0))
        {
            sb.Append("No distance information available.\n");
        }
        else
        {
            sb.Append("node distances:\n");
            sb.Append("node ");
            foreach (int id in ids) sb.Append(CultureInfo.InvariantCulture, $"{id,4}");
            sb.Append('\n');
            foreach (var from in t.Nodes)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{from.Id,4}:");
                foreach (int to in ids) sb.Append(CultureInfo.InvariantCulture, $"{t.Distance(from.Id, to),4}");
                sb.Append('\n');
            }
        }
        sb.Append(CultureInfo.InvariantCulture, $"allowed cpus: {t.AllowedCpus}\n");
        var memNodes = t.MemoryNodes.Select(n => n.Id).ToArray();
        sb.Append(CultureInfo.InvariantCulture, $"allowed memory nodes: {(memNodes.Length == 0 ? "none" : CpuSet.FormatList(memNodes))}\n");
        foreach (var n in t.Nodes.Where(n => n.HugePages.Any(p => p.Total > 0)))
        {
            foreach (var pool in n.HugePages.Where(p => p.Total > 0))
                sb.Append(CultureInfo.InvariantCulture, $"node {n.Id} hugepages {pool.PageSizeBytes / 1024} kB: {pool.Total} total, {pool.Free} free\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"binding: {NumaPlatform.Format(platform.Binding)} ({platform.BindingReason})\n");
        if (t.Source == TopologySource.SingleNodeFallback) sb.Append("source: no /sys/devices/system/node; assuming one node\n");
        foreach (string w in t.Warnings) sb.Append(CultureInfo.InvariantCulture, $"warning: {w}\n");
        return sb.ToString();
    }
}

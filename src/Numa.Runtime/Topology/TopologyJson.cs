// The topology as JSON: what `numa topology --json` prints and the admin API's GET /api/v1/numa/topology returns.
using System.Globalization;
using System.Text.Json;

namespace Numa.Topology;

/// <summary>
/// Writes the topology document:
/// <c>{"nodes":[{"node_id","cpu_count","cpu_list","memory_mb","free_mb","distances":{"&lt;id&gt;":n}}],
/// "total_memory_mb","allowed_cpus","binding"}</c>. Sizes are MiB (2^20 bytes), as numactl prints them. "binding" is
/// one of "active", "single-node", "unavailable" and "disabled" (<see cref="NumaPlatform.Format"/>).
/// </summary>
public static class TopologyJson
{
    private const long MiB = 1024 * 1024;

    /// <summary>Writes the document for <paramref name="platform"/> to <paramref name="writer"/>.</summary>
    public static void Write(Utf8JsonWriter writer, NumaPlatform platform)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(platform);
        var topology = platform.Topology;
        writer.WriteStartObject();
        writer.WriteStartArray("nodes");
        foreach (var node in topology.Nodes)
        {
            writer.WriteStartObject();
            writer.WriteNumber("node_id", node.Id);
            writer.WriteNumber("cpu_count", node.Cpus.Count);
            writer.WriteString("cpu_list", node.Cpus.ToString());
            writer.WriteNumber("memory_mb", node.MemoryTotalBytes / MiB);
            writer.WriteNumber("free_mb", node.MemoryFreeBytes / MiB);
            writer.WriteStartObject("distances");
            foreach (var (to, distance) in node.Distances.OrderBy(kv => kv.Key))
                writer.WriteNumber(to.ToString(CultureInfo.InvariantCulture), distance);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteNumber("total_memory_mb", topology.MemoryTotalBytes / MiB);
        writer.WriteString("allowed_cpus", topology.AllowedCpus.ToString());
        writer.WriteString("binding", NumaPlatform.Format(platform.Binding));
        writer.WriteEndObject();
    }

    /// <summary>The document as an indented string.</summary>
    public static string ToJson(NumaPlatform platform)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            Write(writer, platform);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}

// The server on a kernel with several NUMA nodes (the emulated guest of eng/numa-vm.sh): one pinned shard per node,
// and every page of each shard's indexes and WAL buffers on the node its arena is bound to. Placement only; nothing
// is timed.
using System.Text.Json.Nodes;

namespace Numa.Server.Tests;

[Trait("Tier", "MultiNode")]
public sealed class MultiNodeServerTests
{
    [Fact]
    public async Task One_shard_per_node_keeps_its_index_and_WAL_memory_on_its_own_node()
    {
        var platform = NumaPlatform.Current;
        Assert.SkipUnless(platform.Binding == BindingState.Active,
            $"needs active binding on two or more nodes; binding is {NumaPlatform.Format(platform.Binding)} (run the multi-node tier: eng/numa-vm.sh)");
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(dir.Path, o =>
        {
            o.Shards = "per-node";
            o.Overprovisioned = false;
        });
        const int Dimension = 16;
        var vectors = Vectors.Random(2000, Dimension, seed: 21);
        await Vectors.PutAsync(server.Data, "docs", vectors, Dimension);
        await server.WaitIndexedAsync("docs");
        var nearest = await server.Data.SearchAsync("docs", vectors.AsMemory(1234 * Dimension, Dimension), 1);
        Assert.Equal(1234ul, nearest.Ids[0]);

        // Every search fans out to every shard, so the thread that took it was on another node than at least one shard.
        long crossNode = System.Text.RegularExpressions.Regex.Matches(await server.Admin.GetStringAsync("/metrics"),
                "^numa_server_inbox_cross_node_requests_total\\{[^}]*\\} ([0-9]+)$", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Sum(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(crossNode >= 1, $"cross-node inbox requests: {crossNode}");

        var stats = JsonNode.Parse(await server.Admin.GetStringAsync("/api/v1/numa/stats"))!;
        var nodes = stats["node_distribution"]!.AsObject();
        var cpuNodes = platform.Topology.CpuNodes.Select(n => n.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
        Assert.Equal(cpuNodes, nodes.Select(n => n.Key).Order().ToList());        // a shard on every node with CPUs
        foreach (var (node, summary) in nodes)
        {
            var shard = Assert.Single(summary!["shard_details"]!.AsArray())!;
            Assert.True((bool)shard["pinned"]!);
            Assert.True((long)shard["vectors"]! > 0, $"node {node}'s shard holds rows");
            var placement = shard["placement"]!;
            Assert.True((long)placement["pages_on_expected_node"]! > 0, $"node {node}: {placement.ToJsonString()}");
            Assert.Equal(0, (long)placement["pages_elsewhere"]!);
            Assert.True((bool)placement["ok"]!, $"node {node}: {placement.ToJsonString()}");
        }
    }
}

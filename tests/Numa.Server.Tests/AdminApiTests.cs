// The admin API and /metrics over real HTTP: health, readiness, topology (the same document as `numa topology
// --json`), per-node stats, the strategy endpoint, Prometheus text with the server's and Flight's instruments, tokens.
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Numa.Flight;
using Numa.Grpc;
using Numa.Topology;

namespace Numa.Server.Tests;

public sealed class AdminApiTests
{
    private const int Dimension = 8;

    [Fact]
    public async Task Health_topology_stats_and_metrics_describe_the_running_server()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(dir.Path);
        await Vectors.PutAsync(server.Data, "docs", Vectors.Random(300, Dimension, 1), Dimension);
        await server.WaitIndexedAsync("docs");
        await server.Data.SearchAsync("docs", new float[Dimension], 3);

        Assert.Equal("ok\n", await server.Admin.GetStringAsync("/healthz"));
        Assert.Equal("ready\n", await server.Admin.GetStringAsync("/readyz"));
        Assert.Equal(TopologyJson.ToJson(server.Host.Platform) + "\n", await server.Admin.GetStringAsync("/api/v1/numa/topology"));

        var stats = JsonNode.Parse(await server.Admin.GetStringAsync("/api/v1/numa/stats"))!;
        var nodes = stats["node_distribution"]!.AsObject();
        Assert.Equal(2, nodes.Sum(n => (int)n.Value!["shards"]!));
        Assert.Equal(300, nodes.Sum(n => (long)n.Value!["vectors"]!));
        Assert.Equal(2, nodes.Sum(n => (long)n.Value!["searches"]!));   // one query, fanned out to both shards

        string metrics = await server.Admin.GetStringAsync("/metrics");
        Assert.Contains("# TYPE numa_server_ingest_rows_total counter", metrics);
        Assert.Contains("numa_server_ingest_rows_total 300", metrics);
        Assert.Contains("numa_server_hnsw_vectors{node=", metrics);
        Assert.Contains("numa_worker_distribution{node=", metrics);
        Assert.Contains("numa_server_search_duration_seconds_count 1", metrics);
        // gRPC calls are counted process-wide (other tests' servers run alongside): at least this test's DoPut
        Assert.Matches("rpc_server_duration_seconds_count\\{rpc_grpc_status_code=\"0\",rpc_method=\"/arrow.flight.protocol.FlightService/DoPut\"\\} [1-9]", metrics);
        Assert.Contains("numa_ring_messages_sent_total", metrics);
        Assert.Matches("numa_server_inbox_requests_total\\{node=\"[0-9]+\",shard=\"0\"\\} [1-9]", metrics);
        Assert.Contains("numa_server_inbox_cross_node_requests_total{node=", metrics);

        var graph = JsonNode.Parse(await server.Admin.GetStringAsync("/api/v1/numa/graph"))!;
        Assert.Equal(2, graph["Workers"]!.AsArray().Count);
        Assert.Equal(2, graph["Rings"]!.AsArray().Count);                // each shard's inbox ring
    }

    [Fact]
    public async Task The_strategy_endpoint_switches_placement_and_refuses_unknown_names()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(dir.Path);
        var current = JsonNode.Parse(await server.Admin.GetStringAsync("/api/v1/numa/strategy"))!;
        Assert.Equal("local_node", (string)current["strategy"]!);

        var applied = await server.Admin.PostAsync("/api/v1/numa/strategy", new StringContent("{\"strategy\":\"round_robin\"}"));
        Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
        Assert.Equal("round_robin", (string)JsonNode.Parse(await applied.Content.ReadAsStringAsync())!["strategy"]!);
        Assert.Equal("round_robin", (string)JsonNode.Parse(await server.Admin.GetStringAsync("/api/v1/numa/strategy"))!["strategy"]!);

        var unknown = await server.Admin.PostAsync("/api/v1/numa/strategy", new StringContent("{\"strategy\":\"nearest\"}"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("local_node, round_robin, most_memory, disabled", await unknown.Content.ReadAsStringAsync());
        var garbage = await server.Admin.PostAsync("/api/v1/numa/strategy", new StringContent("{not json"));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        var notUtf8 = await server.Admin.PostAsync("/api/v1/numa/strategy", new ByteArrayContent([.. "{\"strategy\":\""u8, 0xC3, 0x28, .. "\"}"u8]));
        Assert.Equal(HttpStatusCode.BadRequest, notUtf8.StatusCode);
        Assert.Contains("not valid UTF-8", await notUtf8.Content.ReadAsStringAsync());
        var huge = await server.Admin.PostAsync("/api/v1/numa/strategy", new StringContent("{\"strategy\":\"" + new string('x', 100_000) + "\"}"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Equal("round_robin", (string)JsonNode.Parse(await server.Admin.GetStringAsync("/api/v1/numa/strategy"))!["strategy"]!);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await server.Admin.DeleteAsync("/api/v1/numa/strategy")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Admin.GetAsync("/api/v2/nothing")).StatusCode);

        var twice = await server.Admin.PostAsync("/api/v1/numa/strategy", new StringContent("{\"strategy\":\"disabled\",\"strategy\":\"disabled\"}"));
        Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);            // was a 500 with an empty body
        Assert.Contains("Duplicate property 'strategy'", (string)JsonNode.Parse(await twice.Content.ReadAsStringAsync())!["error"]!);
        var number = await server.Admin.PostAsync("/api/v1/numa/strategy", new StringContent("{\"strategy\":5}"));
        Assert.Equal(HttpStatusCode.BadRequest, number.StatusCode);
        Assert.Contains("got the JSON number 5.", (string)JsonNode.Parse(await number.Content.ReadAsStringAsync())!["error"]!);
        Assert.Equal("round_robin", (string)JsonNode.Parse(await server.Admin.GetStringAsync("/api/v1/numa/strategy"))!["strategy"]!);
    }

    [Fact]
    public async Task Open_endpoints_answer_GET_and_HEAD_only_and_HEAD_works_wherever_GET_does()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(dir.Path);
        foreach (string path in new[] { "/healthz", "/readyz", "/metrics" })
        {
            var refused = await server.Admin.SendAsync(new HttpRequestMessage(HttpMethod.Delete, path));
            Assert.Equal(HttpStatusCode.MethodNotAllowed, refused.StatusCode);
            Assert.Equal(["GET", "HEAD"], refused.Content.Headers.Allow);
            Assert.Equal(HttpStatusCode.OK, (await server.Admin.SendAsync(new HttpRequestMessage(HttpMethod.Head, path))).StatusCode);
        }
        foreach (string path in new[] { "/api/v1/numa/topology", "/api/v1/numa/stats", "/api/v1/numa/strategy", "/api/v1/numa/graph" })
            Assert.Equal(HttpStatusCode.OK, (await server.Admin.SendAsync(new HttpRequestMessage(HttpMethod.Head, path))).StatusCode);
    }

    [Fact]
    public async Task With_a_token_Flight_and_the_api_need_it_but_health_and_metrics_do_not()
    {
        using var dir = new TempDirectory();
        await using var server = await TestServer.StartAsync(dir.Path, o => o.Token = "s3cret");
        await Vectors.PutAsync(server.Data, "docs", Vectors.Random(5, Dimension, 2), Dimension);   // the fixture's client sends it

        using var anonymous = new FlightClient(server.Host.DataAddress);
        var refused = await Assert.ThrowsAsync<RpcException>(() => anonymous.SearchAsync("docs", new float[Dimension], 1));
        Assert.Equal(GrpcStatusCode.Unauthenticated, refused.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Admin.GetAsync("/api/v1/numa/stats")).StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/numa/stats");
        request.Headers.Authorization = new("Bearer", "s3cret");
        Assert.Equal(HttpStatusCode.OK, (await server.Admin.SendAsync(request)).StatusCode);
        // The scheme in any case (RFC 6750), as Flight accepts it; a wrong token is still refused.
        using var lower = new HttpRequestMessage(HttpMethod.Get, "/api/v1/numa/stats");
        lower.Headers.TryAddWithoutValidation("authorization", "bearer s3cret");
        Assert.Equal(HttpStatusCode.OK, (await server.Admin.SendAsync(lower)).StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/v1/numa/stats");
        wrong.Headers.Authorization = new("Bearer", "s3cre");
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Admin.SendAsync(wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Admin.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Admin.GetAsync("/metrics")).StatusCode);
    }
}

// The four call shapes and metadata, our client against our server on a loopback port.
using Google.Protobuf.WellKnownTypes;
using Numa.Grpc;

namespace Numa.Tests.Grpc;

public sealed class GrpcCallTests
{
    [Fact]
    public async Task Unary_call_returns_the_handlers_response_with_status_OK()
    {
        await using var host = await TestHost.StartAsync();
        using var call = host.Channel.StartUnary(TestService.Unary, new StringValue { Value = "hi" });
        var response = await call.ResponseAsync;
        Assert.Equal("echo:hi", response.Value);
        Assert.Equal(GrpcStatusCode.OK, call.GetStatus().Code);
    }

    [Fact]
    public async Task Server_streaming_delivers_every_message_in_order_then_OK()
    {
        await using var host = await TestHost.StartAsync();
        using var call = host.Channel.StartServerStreaming(TestService.Count, new Int32Value { Value = 500 });
        var got = new List<string>();
        await foreach (var m in call.ResponseStream.ReadAllAsync()) got.Add(m.Value);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => i.ToString()), got);
        Assert.Equal(GrpcStatusCode.OK, call.GetStatus().Code);
    }

    [Fact]
    public async Task Buffered_messages_never_flushed_by_the_handler_arrive_before_the_status_trailers()
    {
        await using var host = await TestHost.StartAsync();
        using var call = host.Channel.StartServerStreaming(TestService.CountBuffered, new Int32Value { Value = 3 });
        var got = new List<string>();
        await foreach (var m in call.ResponseStream.ReadAllAsync()) got.Add(m.Value);
        Assert.Equal(["0", "1", "2"], got);                      // not a Trailers-Only response that drops them
        Assert.Equal(GrpcStatusCode.OK, call.GetStatus().Code);
    }

    [Fact]
    public async Task Server_streaming_with_no_messages_ends_OK()
    {
        await using var host = await TestHost.StartAsync();
        using var call = host.Channel.StartServerStreaming(TestService.Count, new Int32Value { Value = 0 });
        Assert.False(await call.ResponseStream.MoveNextAsync());
        Assert.Equal(GrpcStatusCode.OK, call.GetStatus().Code);
    }

    [Fact]
    public async Task Client_streaming_handler_reads_every_request_until_the_client_completes()
    {
        await using var host = await TestHost.StartAsync();
        using var call = host.Channel.StartClientStreaming(TestService.Collect);
        for (int i = 0; i < 100; i++) await call.RequestStream.WriteAsync(new StringValue { Value = i.ToString() });
        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync;
        Assert.Equal(string.Join(",", Enumerable.Range(0, 100)), response.Value);
    }

    [Fact]
    public async Task Client_streaming_surfaces_the_servers_early_error_status_whether_a_write_or_the_response_sees_it()
    {
        await using var host = await TestHost.StartAsync();
        using var call = host.Channel.StartClientStreaming(TestService.Collect);
        var chunk = new StringValue { Value = new string('x', 16 * 1024) };
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await call.RequestStream.WriteAsync(new StringValue { Value = "bad" });
            for (int i = 0; i < 2000; i++) await call.RequestStream.WriteAsync(chunk); // past every flow-control window
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        });
        Assert.Equal(GrpcStatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("request 1 is bad", ex.Status.Detail);
    }

    [Fact]
    public async Task Stopping_the_server_cancels_in_flight_calls()
    {
        var host = await TestHost.StartAsync();
        using var call = host.Channel.StartServerStreaming(TestService.Hang, new Int32Value());
        Assert.True(await call.ResponseStream.MoveNextAsync());
        await host.Server.DisposeAsync();                           // the server only: the channel stays open to read the end
        Assert.Equal("token", await host.Service.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNextAsync());
        Assert.Equal(GrpcStatusCode.Unavailable, ex.StatusCode);
        host.Channel.Dispose();
    }

    [Fact]
    public async Task Duplex_call_answers_each_request_before_the_next_is_sent()
    {
        await using var host = await TestHost.StartAsync();
        using var call = host.Channel.StartDuplexStreaming(TestService.Chat);
        for (int i = 0; i < 20; i++)
        {
            await call.RequestStream.WriteAsync(new StringValue { Value = $"m{i}" });
            Assert.True(await call.ResponseStream.MoveNextAsync());
            Assert.Equal($"re:m{i}", call.ResponseStream.Current.Value);
        }
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNextAsync());
        Assert.Equal(GrpcStatusCode.OK, call.GetStatus().Code);
    }

    [Fact]
    public async Task Many_concurrent_calls_on_one_channel_each_get_their_own_response()
    {
        await using var host = await TestHost.StartAsync();
        var calls = Enumerable.Range(0, 200).Select(i =>
            host.Channel.UnaryAsync(TestService.Unary, new StringValue { Value = i.ToString() })).ToArray();
        var responses = await Task.WhenAll(calls);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => "echo:" + i), responses.Select(r => r.Value));
    }

    [Fact]
    public async Task Request_metadata_reaches_the_handler_and_response_metadata_reaches_the_client()
    {
        await using var host = await TestHost.StartAsync();
        var headers = new GrpcMetadata()
            .Add("authorization", "Bearer token-123")
            .Add("x-key-bin", [0, 1, 2, 250])
            .Add("x-custom", "custom value");
        using var call = host.Channel.StartUnary(TestService.Metadata, new StringValue { Value = "x-custom" },
            new GrpcCallOptions { Headers = headers });
        var response = await call.ResponseAsync;
        Assert.Equal("Bearer token-123;000102FA;custom value", response.Value);
        Assert.Equal("h1", (await call.ResponseHeadersAsync()).GetValue("x-header"));
        Assert.Equal("t1", call.GetTrailers().GetValue("x-trailer"));
        Assert.Equal(new byte[] { 1, 2, 255 }, call.GetTrailers().GetValueBytes("x-trailer-bin"));
    }

    [Fact]
    public async Task Large_messages_cross_in_both_directions_intact()
    {
        const int Size = 3 * 1024 * 1024 + 17; // several DATA frames and pipe segments
        await using var host = await TestHost.StartAsync();
        var big = await host.Channel.UnaryAsync(TestService.Big, new Int32Value { Value = Size });
        Assert.Equal(TestService.Pattern(Size), big.Value.ToByteArray());
        var echoed = await host.Channel.UnaryAsync(TestService.Upload,
            new BytesValue { Value = Google.Protobuf.ByteString.CopyFrom(TestService.Pattern(Size)) });
        Assert.Equal(Size, echoed.Value);
    }

    [Fact]
    public async Task A_taken_port_fails_StartAsync_with_an_IOException()
    {
        await using var host = await TestHost.StartAsync();
        await Assert.ThrowsAnyAsync<IOException>(() => GrpcServer.StartAsync(new GrpcServiceRegistry(),
            new GrpcServerOptions { EndPoint = host.Server.EndPoint }));
    }

    [Fact]
    public async Task A_call_to_a_closed_port_is_UNAVAILABLE()
    {
        var host = await TestHost.StartAsync();
        var address = host.Server.Address;
        await host.DisposeAsync();
        using var channel = new GrpcChannel(address);
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(TestService.Unary, new StringValue { Value = "x" }));
        Assert.Equal(GrpcStatusCode.Unavailable, ex.StatusCode);
    }
}

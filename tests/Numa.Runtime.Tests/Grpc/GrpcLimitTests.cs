// Maximum message sizes, on receive and on send, on both sides: RESOURCE_EXHAUSTED, and nothing oversized is buffered.
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Numa.Grpc;

namespace Numa.Tests.Grpc;

public sealed class GrpcLimitTests
{
    private static BytesValue Bytes(int n) => new() { Value = ByteString.CopyFrom(TestService.Pattern(n)) };

    [Fact]
    public async Task The_server_refuses_a_request_larger_than_its_receive_limit()
    {
        await using var host = await TestHost.StartAsync(new GrpcServerOptions { MaxReceiveMessageSize = 64 * 1024 });
        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Channel.UnaryAsync(TestService.Upload, Bytes(100 * 1024)));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("65536", ex.Status.Detail);
        Assert.Equal(60 * 1024, (await host.Channel.UnaryAsync(TestService.Upload, Bytes(60 * 1024))).Value);
    }

    [Fact]
    public async Task A_handler_writing_past_the_send_limit_ends_the_call_with_RESOURCE_EXHAUSTED()
    {
        await using var host = await TestHost.StartAsync(new GrpcServerOptions { MaxSendMessageSize = 10_000 });
        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Channel.UnaryAsync(TestService.Big, new Int32Value { Value = 20_000 }));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal(9_000, (await host.Channel.UnaryAsync(TestService.Big, new Int32Value { Value = 9_000 })).Value.Length);
    }

    [Fact]
    public async Task The_client_refuses_a_response_larger_than_its_receive_limit()
    {
        await using var host = await TestHost.StartAsync(channelOptions: new GrpcChannelOptions { MaxReceiveMessageSize = 1000 });
        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Channel.UnaryAsync(TestService.Big, new Int32Value { Value = 5000 }));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task The_client_refuses_to_send_past_its_send_limit_and_the_stream_stays_usable()
    {
        await using var host = await TestHost.StartAsync(channelOptions: new GrpcChannelOptions { MaxSendMessageSize = 1000 });
        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Channel.UnaryAsync(TestService.Upload, Bytes(5000)));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, ex.StatusCode);

        using var call = host.Channel.StartClientStreaming(TestService.Collect);
        await call.RequestStream.WriteAsync(new StringValue { Value = "a" });
        var tooBig = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new StringValue { Value = new string('x', 2000) }));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, tooBig.StatusCode);
        await call.RequestStream.WriteAsync(new StringValue { Value = "b" });
        await call.RequestStream.CompleteAsync();
        Assert.Equal("a,b", (await call.ResponseAsync).Value);
    }
}

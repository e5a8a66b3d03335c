// grpc-timeout deadlines (server side, every unit) and client cancellation reaching the handler's token.
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Numa.Grpc;

namespace Numa.Tests.Grpc;

public sealed class GrpcDeadlineTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_client_deadline_fails_the_call_with_DEADLINE_EXCEEDED_and_cancels_the_handler()
    {
        await using var host = await TestHost.StartAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Channel.UnaryAsync(TestService.Sleep,
            new Int32Value { Value = 60_000 }, new GrpcCallOptions { Deadline = DateTime.UtcNow.AddMilliseconds(300) }));
        Assert.Equal(GrpcStatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal("sleep", await host.Service.Cancelled.Task.WaitAsync(Patience));
    }

    [Theory]
    [InlineData("300m")]
    [InlineData("300000u")]
    [InlineData("99999999n")]
    [InlineData("1S")]
    public async Task The_server_ends_the_call_with_DEADLINE_EXCEEDED_when_grpc_timeout_passes(string timeout)
    {
        await using var host = await TestHost.StartAsync();
        // The raw client has no timer of its own: the status can only come from the server.
        var raw = await RawHttp2.SendAsync(host.Server.Address, "/numa.test.Echo/Sleep",
            RawHttp2.Frame(new Int32Value { Value = 60_000 }.ToByteArray()), headers: ("grpc-timeout", timeout));
        Assert.Equal("4", raw.GrpcStatus);
        Assert.Equal("sleep", await host.Service.Cancelled.Task.WaitAsync(Patience));
    }

    [Theory]
    [InlineData("1H", 3600)]
    [InlineData("2M", 120)]
    [InlineData("99999999S", 99_999_999)]
    public async Task Long_grpc_timeouts_set_the_handlers_deadline(string timeout, double seconds)
    {
        await using var host = await TestHost.StartAsync();
        var before = DateTime.UtcNow;
        var raw = await RawHttp2.SendAsync(host.Server.Address, "/numa.test.Echo/Sleep",
            RawHttp2.Frame(new Int32Value { Value = 1 }.ToByteArray()), headers: ("grpc-timeout", timeout));
        Assert.Equal("0", raw.GrpcStatus);
        if (seconds * 1000 >= uint.MaxValue - 1)
        {
            Assert.Null(host.Service.LastDeadline); // beyond any timer: no deadline
            return;
        }
        var deadline = Assert.NotNull(host.Service.LastDeadline);
        Assert.InRange((deadline - before).TotalSeconds, seconds - 5, seconds + 5);
    }

    [Fact]
    public async Task The_deadline_status_is_sent_even_while_the_handler_ignores_cancellation()
    {
        await using var host = await TestHost.StartAsync();
        var raw = await RawHttp2.SendAsync(host.Server.Address, "/numa.test.Echo/SleepIgnoringCancellation",
            RawHttp2.Frame(new Int32Value { Value = 3000 }.ToByteArray()), headers: ("grpc-timeout", "200m"));
        Assert.Equal("4", raw.GrpcStatus);
        Assert.False(host.Service.IgnoringHandlerReturned.Task.IsCompleted, "the status should not wait for the handler");
        await host.Service.IgnoringHandlerReturned.Task.WaitAsync(Patience);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("123456789S")]
    [InlineData("10x")]
    [InlineData("-1S")]
    public async Task A_malformed_grpc_timeout_is_a_Trailers_Only_INTERNAL(string timeout)
    {
        await using var host = await TestHost.StartAsync();
        var raw = await RawHttp2.SendAsync(host.Server.Address, "/numa.test.Echo/Unary",
            RawHttp2.Frame(new StringValue { Value = "x" }.ToByteArray()), headers: ("grpc-timeout", timeout));
        Assert.Equal("13", raw.GrpcStatus);
        Assert.Contains("grpc-timeout", raw.GrpcMessage);
    }

    [Fact]
    public async Task Cancelling_a_call_on_the_client_fires_the_handlers_cancellation_token()
    {
        await using var host = await TestHost.StartAsync();
        using var cts = new CancellationTokenSource();
        using var call = host.Channel.StartServerStreaming(TestService.Hang, new Int32Value(), new GrpcCallOptions { CancellationToken = cts.Token });
        Assert.True(await call.ResponseStream.MoveNextAsync());
        Assert.Equal("started", call.ResponseStream.Current.Value);
        var next = call.ResponseStream.MoveNextAsync();
        cts.Cancel();
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await next);
        Assert.Equal(GrpcStatusCode.Cancelled, ex.StatusCode);
        Assert.Equal("client gone", await host.Service.Cancelled.Task.WaitAsync(Patience));
    }

    [Fact]
    public async Task Disposing_an_unfinished_call_fires_the_handlers_cancellation_token()
    {
        await using var host = await TestHost.StartAsync();
        var call = host.Channel.StartServerStreaming(TestService.Hang, new Int32Value());
        Assert.True(await call.ResponseStream.MoveNextAsync());
        call.Dispose();
        Assert.Equal("client gone", await host.Service.Cancelled.Task.WaitAsync(Patience));
    }
}

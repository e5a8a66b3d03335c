// Edges of the gRPC-over-HTTP/2 contract (PROTOCOL-HTTP2.md, http-grpc-status-mapping.md, statuscodes.md): statuses
// that must survive a stalled write, the HTTP-to-gRPC mapping only when grpc-status is absent, the codes a server may
// send, content types of other protocols, and IPv6 endpoints. The client side is checked against a bare Kestrel that
// answers what our server never would.
using System.Net;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Numa.Grpc;

namespace Numa.Tests.Grpc;

public sealed class GrpcEdgeTests
{
    private static readonly GrpcMarshaller<StringValue> s_text = GrpcMarshaller.ForProtobuf(StringValue.Parser);
    private static readonly GrpcMarshaller<Int32Value> s_int = GrpcMarshaller.ForProtobuf(Int32Value.Parser);
    private static readonly GrpcMarshaller<BytesValue> s_bytes = GrpcMarshaller.ForProtobuf(BytesValue.Parser);
    private static readonly GrpcMethod<StringValue, StringValue> s_unary = new(GrpcMethodType.Unary, "edge.Test", "Unary", s_text, s_text);

    [Fact]
    public async Task A_write_cancelled_while_the_client_is_not_reading_still_ends_the_call_with_the_handlers_status()
    {
        var flood = new GrpcMethod<Int32Value, BytesValue>(GrpcMethodType.ServerStreaming, "edge.Test", "Flood", s_int, s_bytes);
        var registry = new GrpcServiceRegistry();
        registry.AddServerStreaming(flood, async (_, writer, _) =>
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                while (true) await writer.WriteAsync(new BytesValue { Value = ByteString.CopyFrom(new byte[32 * 1024]) }, patience.Token);
            }
            catch (OperationCanceledException)
            {
                throw new RpcException(GrpcStatusCode.ResourceExhausted, "slow consumer");
            }
        });
        await using var server = await GrpcServer.StartAsync(registry);
        using var channel = new GrpcChannel(server.Address);
        using var call = channel.StartServerStreaming(flood, new Int32Value());
        Assert.True(await call.ResponseStream.MoveNextAsync(TestContext.Current.CancellationToken));
        await Task.Delay(2000, TestContext.Current.CancellationToken);         // the flow-control window fills; the write gives up

        // Before: Kestrel reset the stream (RST_STREAM INTERNAL_ERROR) and the client saw INTERNAL, not the status.
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNextAsync(TestContext.Current.CancellationToken)) { }
        });
        Assert.Equal(GrpcStatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("slow consumer", ex.Status.Detail);
    }

    [Theory]
    [InlineData(99)]
    [InlineData(-1)]
    public async Task A_handler_code_outside_0_to_16_goes_on_the_wire_as_UNKNOWN(int code)
    {
        var registry = new GrpcServiceRegistry();
        registry.AddUnary(s_unary, (_, _) => throw new RpcException((GrpcStatusCode)code, "made up"));
        await using var server = await GrpcServer.StartAsync(registry);
        var raw = await RawHttp2.SendAsync(server.Address, "/edge.Test/Unary", RawHttp2.Frame(new StringValue().ToByteArray()));
        Assert.Equal("2", raw.GrpcStatus);
        Assert.Equal("made up", raw.GrpcMessage);
    }

    [Theory]
    [InlineData("application/grpc-web")]
    [InlineData("application/grpc-web+proto")]
    [InlineData("application/grpcfoo")]
    public async Task Another_protocols_content_type_gets_HTTP_415_not_a_gRPC_status(string contentType)
    {
        await using var host = await TestHost.StartAsync();
        var raw = await RawHttp2.SendAsync(host.Server.Address, "/numa.test.Echo/Unary", RawHttp2.Frame(new StringValue().ToByteArray()), contentType);
        Assert.Equal(415, raw.HttpStatus);
    }

    [Fact]
    public async Task A_server_on_the_IPv6_any_address_starts_and_is_reachable()
    {
        var registry = new GrpcServiceRegistry();
        registry.AddUnary(s_unary, (request, _) => Task.FromResult(new StringValue { Value = "v6:" + request.Value }));
        GrpcServer server;
        try
        {
            server = await GrpcServer.StartAsync(registry, new GrpcServerOptions { EndPoint = new IPEndPoint(IPAddress.IPv6Any, 0) });
        }
        catch (IOException e) when (!System.Net.Sockets.Socket.OSSupportsIPv6)
        {
            Assert.Skip($"no IPv6 on this machine: {e.Message}");
            return;
        }
        await using (server)
        {
            Assert.Equal("[::]", server.Address.Host);
            using var channel = new GrpcChannel(new Uri($"http://[::1]:{server.EndPoint.Port}"));
            Assert.Equal("v6:x", (await channel.UnaryAsync(s_unary, new StringValue { Value = "x" })).Value);
        }
    }

    [Fact]
    public async Task The_client_uses_grpc_status_when_the_HTTP_status_is_not_200_and_maps_the_HTTP_status_only_without_it()
    {
        await using var withStatus = await FakeServer.StartAsync(async c =>
        {
            await c.Request.Body.CopyToAsync(Stream.Null);
            c.Response.StatusCode = 415;
            c.Response.ContentType = "application/grpc";
            c.Response.Headers["grpc-status"] = "13";
            c.Response.Headers["grpc-message"] = "bad%20content-type";
        });
        using (var channel = new GrpcChannel(withStatus.Address))
        {
            var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(s_unary, new StringValue()));
            Assert.Equal(GrpcStatusCode.Internal, ex.StatusCode);
            Assert.Equal("bad content-type", ex.Status.Detail);
        }

        await using var bare = await FakeServer.StartAsync(async c =>
        {
            await c.Request.Body.CopyToAsync(Stream.Null);
            c.Response.StatusCode = 503;
        });
        using (var channel = new GrpcChannel(bare.Address))
        {
            var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(s_unary, new StringValue()));
            Assert.Equal(GrpcStatusCode.Unavailable, ex.StatusCode);
            Assert.Contains("HTTP status 503", ex.Status.Detail);
        }

        await using var madeUp = await FakeServer.StartAsync(async c =>
        {
            await c.Request.Body.CopyToAsync(Stream.Null);
            c.Response.ContentType = "application/grpc";
            c.Response.Headers["grpc-status"] = "99";
            c.Response.Headers["grpc-message"] = "made up";
        });
        using (var channel = new GrpcChannel(madeUp.Address))
        {
            var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(s_unary, new StringValue()));
            Assert.Equal(GrpcStatusCode.Unknown, ex.StatusCode);
            Assert.Contains("grpc-status 99 is not a gRPC status code", ex.Status.Detail);
        }
    }

    [Fact]
    public async Task Disposing_the_channel_ends_its_calls_in_flight_with_CANCELLED()
    {
        await using var host = await TestHost.StartAsync();
        var channel = new GrpcChannel(host.Server.Address);
        using var call = channel.StartServerStreaming(TestService.Hang, new Int32Value());
        Assert.True(await call.ResponseStream.MoveNextAsync(TestContext.Current.CancellationToken));
        var pending = call.ResponseStream.MoveNextAsync().AsTask();

        channel.Dispose();                              // SocketsHttpHandler alone leaves the HTTP/2 stream open

        var ex = await Assert.ThrowsAsync<RpcException>(() => pending.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(GrpcStatusCode.Cancelled, ex.StatusCode);
        Assert.Contains("channel was disposed", ex.Status.Detail);
        await host.Service.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(20));   // the server's handler saw it too
        Assert.Throws<ObjectDisposedException>(() => channel.StartServerStreaming(TestService.Hang, new Int32Value()));
    }

    [Fact]
    public async Task Writing_after_the_server_answered_OK_says_the_call_is_over_not_UNAVAILABLE()
    {
        var early = new GrpcMethod<StringValue, StringValue>(GrpcMethodType.ClientStreaming, "edge.Test", "Early", s_text, s_text);
        var registry = new GrpcServiceRegistry();
        registry.AddClientStreaming(early, async (requests, _) =>
        {
            await requests.MoveNextAsync();
            return new StringValue { Value = "first:" + requests.Current.Value };
        });
        await using var server = await GrpcServer.StartAsync(registry);
        using var channel = new GrpcChannel(server.Address);
        using var call = channel.StartClientStreaming(early);
        await call.RequestStream.WriteAsync(new StringValue { Value = "a" });
        Assert.Equal("first:a", (await call.ResponseAsync).Value);
        Assert.Equal(GrpcStatusCode.OK, call.GetStatus().Code);

        var e = await Assert.ThrowsAnyAsync<InvalidOperationException>(async () =>
        {
            for (int i = 0; i < 100; i++) await call.RequestStream.WriteAsync(new StringValue { Value = "b" });
        });
        Assert.Contains("already ended with OK", e.Message);
    }

    [Fact]
    public async Task Malformed_binary_metadata_from_the_server_ends_the_call_with_INTERNAL()
    {
        await using var badTrailer = await FakeServer.StartAsync(async c =>
        {
            await c.Request.Body.CopyToAsync(Stream.Null);
            c.Response.ContentType = "application/grpc";
            await c.Response.Body.WriteAsync(RawHttp2.Frame(new StringValue { Value = "1" }.ToByteArray()));
            c.Response.AppendTrailer("grpc-status", "0");
            c.Response.AppendTrailer("x-bad-bin", "!!!!");
        });
        await using var badHeader = await FakeServer.StartAsync(async c =>
        {
            await c.Request.Body.CopyToAsync(Stream.Null);
            c.Response.ContentType = "application/grpc";
            c.Response.Headers["x-bad-bin"] = "!!!!";
            await c.Response.Body.WriteAsync(RawHttp2.Frame(new StringValue { Value = "1" }.ToByteArray()));
            c.Response.AppendTrailer("grpc-status", "0");
        });
        foreach (var server in new[] { badTrailer, badHeader })
        {
            using var channel = new GrpcChannel(server.Address);
            using var call = channel.StartUnary(s_unary, new StringValue());
            var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
            Assert.Equal(GrpcStatusCode.Internal, ex.StatusCode);
            Assert.Contains("x-bad-bin", ex.Status.Detail);
            Assert.Equal(GrpcStatusCode.Internal, call.GetStatus().Code);   // ended, and ended as thrown
        }
    }

    [Fact]
    public async Task A_unary_call_answered_with_no_message_has_the_status_it_threw()
    {
        await using var server = await FakeServer.StartAsync(async c =>
        {
            await c.Request.Body.CopyToAsync(Stream.Null);
            c.Response.ContentType = "application/grpc";
            c.Response.Headers["grpc-status"] = "0";                      // Trailers-Only OK: no message at all
        });
        using var channel = new GrpcChannel(server.Address);
        using var call = channel.StartUnary(s_unary, new StringValue());
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(GrpcStatusCode.Internal, ex.StatusCode);
        Assert.Contains("without a message", ex.Status.Detail);
        Assert.Equal(ex.Status, call.GetStatus());
    }

    // Kestrel on a loopback port over HTTP/2 with one handler: a server that answers anything.
    private sealed class FakeServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private FakeServer(WebApplication app, Uri address)
        {
            _app = app;
            Address = address;
        }

        public Uri Address { get; }

        public static async Task<FakeServer> StartAsync(RequestDelegate handler)
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
            var app = builder.Build();
            app.Run(handler);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            return new FakeServer(app, new Uri(address));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

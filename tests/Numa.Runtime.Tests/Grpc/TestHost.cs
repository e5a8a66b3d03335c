// A GrpcServer with the test service on a loopback port, and a client channel to it.
using Numa.Grpc;

namespace Numa.Tests.Grpc;

internal sealed class TestHost : IAsyncDisposable
{
    private TestHost(GrpcServer server, TestService service, GrpcChannel channel)
    {
        Server = server;
        Service = service;
        Channel = channel;
    }

    internal GrpcServer Server { get; }

    internal TestService Service { get; }

    internal GrpcChannel Channel { get; }

    internal static async Task<TestHost> StartAsync(GrpcServerOptions? serverOptions = null, GrpcChannelOptions? channelOptions = null)
    {
        var service = new TestService();
        var server = await GrpcServer.StartAsync(service.Registry(), serverOptions);
        return new TestHost(server, service, new GrpcChannel(server.Address, channelOptions));
    }

    // The server first: its stop is what cancels the calls still in flight (disposing the channel would cancel them
    // from the client side instead).
    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Channel.Dispose();
    }
}

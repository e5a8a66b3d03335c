// A standalone gRPC server: Kestrel listening with plain-text HTTP/2 (h2c, prior knowledge — what grpc-js and
// our GrpcChannel speak without TLS), serving one GrpcServiceRegistry. Our own because Grpc.AspNetCore does not
// restore here (ENVIRONMENT.md); the framing follows grpc/grpc doc/PROTOCOL-HTTP2.md.
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Numa.Grpc;

/// <summary>Kestrel with one HTTP/2 endpoint (<see cref="GrpcServerOptions.EndPoint"/>, plain text) whose every
/// request goes to a <see cref="GrpcDispatcher"/>. Dispose to stop: in-flight calls are cancelled.</summary>
public sealed class GrpcServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcServer(WebApplication app, IPEndPoint endPoint)
    {
        _app = app;
        EndPoint = endPoint;
        Address = new UriBuilder(Uri.UriSchemeHttp, endPoint.Address.ToString(), endPoint.Port).Uri;   // brackets an IPv6 address
    }

    /// <summary>The endpoint actually bound (port 0 in the options becomes the chosen port).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The address a client connects to, e.g. <c>http://127.0.0.1:50051</c>.</summary>
    public Uri Address { get; }

    /// <summary>Starts Kestrel on <see cref="GrpcServerOptions.EndPoint"/> serving <paramref name="services"/>.</summary>
    /// <exception cref="IOException">The endpoint cannot be bound (e.g. the port is taken).</exception>
    public static async Task<GrpcServer> StartAsync(GrpcServiceRegistry services, GrpcServerOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new GrpcServerOptions();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.EndPoint, listen => listen.Protocols = HttpProtocols.Http2);
        });
        if (options.LoggerFactory is { } loggerFactory) builder.Services.AddSingleton(loggerFactory);
        var app = builder.Build();
        var dispatcher = new GrpcDispatcher(services, options, app.Lifetime.ApplicationStopping);
        app.Run(dispatcher.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
            var bound = new Uri(addresses.First());
            return new GrpcServer(app, new IPEndPoint(options.EndPoint.Address, bound.Port));
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);   // nothing may keep the port once the start has failed
            throw;
        }
    }

    /// <summary>Stops accepting calls, cancels the in-flight ones (their handlers' tokens fire; calls still running
    /// end with UNAVAILABLE), waits for them, and releases the port.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

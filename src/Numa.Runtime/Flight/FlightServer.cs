// Longbow's two Flight servers in one object: the data server and the meta server, each a Numa.Grpc GrpcServer
// (Kestrel, plain-text HTTP/2) on its own port, both over one FlightService and its IVectorBackend.
using System.Net;
using Numa.Grpc;

namespace Numa.Flight;

/// <summary>Starts <see cref="FlightService"/>'s data registry on <see cref="FlightServerOptions.DataEndPoint"/> and its
/// meta registry on <see cref="FlightServerOptions.MetaEndPoint"/>. Dispose to stop both (in-flight calls are
/// cancelled; see <see cref="GrpcServer.DisposeAsync"/>).</summary>
public sealed class FlightServer : IAsyncDisposable
{
    private readonly GrpcServer _data;
    private readonly GrpcServer _meta;

    private FlightServer(GrpcServer data, GrpcServer meta)
    {
        _data = data;
        _meta = meta;
    }

    /// <summary>The data server's bound endpoint.</summary>
    public IPEndPoint DataEndPoint => _data.EndPoint;

    /// <summary>The meta server's bound endpoint.</summary>
    public IPEndPoint MetaEndPoint => _meta.EndPoint;

    /// <summary>The data server's address, e.g. <c>http://127.0.0.1:3000</c>.</summary>
    public Uri DataAddress => _data.Address;

    /// <summary>The meta server's address.</summary>
    public Uri MetaAddress => _meta.Address;

    /// <summary>Starts both servers.</summary>
    /// <exception cref="IOException">An endpoint cannot be bound.</exception>
    public static async Task<FlightServer> StartAsync(IVectorBackend backend, FlightServerOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new FlightServerOptions();
        var service = new FlightService(backend, options);
        var data = await GrpcServer.StartAsync(service.CreateDataRegistry(), GrpcOptions(options, options.DataEndPoint), cancellationToken)
            .ConfigureAwait(false);
        try
        {
            var meta = await GrpcServer.StartAsync(service.CreateMetaRegistry(), GrpcOptions(options, options.MetaEndPoint), cancellationToken)
                .ConfigureAwait(false);
            return new FlightServer(data, meta);
        }
        catch
        {
            await data.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops both servers.</summary>
    public async ValueTask DisposeAsync()
    {
        await _data.DisposeAsync().ConfigureAwait(false);
        await _meta.DisposeAsync().ConfigureAwait(false);
    }

    private static GrpcServerOptions GrpcOptions(FlightServerOptions options, IPEndPoint endPoint) => new()
    {
        EndPoint = endPoint,
        MaxReceiveMessageSize = options.MaxReceiveMessageSize,
        MaxSendMessageSize = options.MaxSendMessageSize,
        LoggerFactory = options.LoggerFactory,
    };
}

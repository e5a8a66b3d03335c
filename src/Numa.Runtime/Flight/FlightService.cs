// The Arrow Flight service with Longbow's conventions, over Numa.Grpc: handlers that speak Flight (descriptors,
// tickets, FlightData, actions) to an IVectorBackend. This file: registration, authentication, error mapping; the
// handlers are in FlightService.Data.cs (DoPut, DoGet, DoExchange), .Meta.cs and .Actions.cs.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Numa.Arrow;
using Numa.Flight.Protocol;
using Numa.Grpc;

namespace Numa.Flight;

/// <summary>
/// Arrow Flight RPC (Flight.proto, package <c>arrow.flight.protocol</c>) serving vector collections the way Longbow
/// does (github.com/23skdu/longbow internal/store): the collection is <c>FlightDescriptor.path[0]</c>; DoPut takes
/// batches of <c>id int64, vector FixedSizeList&lt;float32&gt;[dim]</c> (+ <c>metadata</c> utf8, <c>timestamp</c>);
/// DoGet takes a search ticket <c>{"search":{"dataset","vector","k","filters"}}</c> (streams <c>id uint64, score
/// float32</c>), a scan ticket <c>{"name","filters","limit"}</c> or a bare collection name; DoAction serves
/// CreateNamespace, DeleteNamespace, ListNamespaces, VectorSearch, delete, GetGraphStats and ForceSnapshot.
/// Two registries, as Longbow's two servers: <see cref="CreateDataRegistry"/> and <see cref="CreateMetaRegistry"/>.
/// Errors: unknown collection → NOT_FOUND; wrong schema, dimension, ticket or action body → INVALID_ARGUMENT;
/// malformed Arrow data → INVALID_ARGUMENT; missing or wrong bearer token → UNAUTHENTICATED; unknown action →
/// UNIMPLEMENTED. See docs/flight.md.
/// </summary>
public sealed partial class FlightService
{
    private static readonly ArrowSchema s_searchSchema = new(
    [
        new ArrowField("id", ArrowType.UInt64, nullable: false),
        new ArrowField("score", ArrowType.Float32, nullable: false),
    ]);

    private readonly IVectorBackend _backend;
    private readonly FlightServerOptions _options;
    private readonly byte[]? _token;

    /// <summary>A service over <paramref name="backend"/>.</summary>
    public FlightService(IVectorBackend backend, FlightServerOptions? options = null)
    {
        _backend = backend ?? throw new ArgumentNullException(nameof(backend));
        _options = options ?? new FlightServerOptions();
        if (_options.SearchBatchRows < 1) throw new ArgumentOutOfRangeException(nameof(options), _options.SearchBatchRows, "SearchBatchRows must be positive.");
        if (_options.MaxExchangeAnswerRows < 1) throw new ArgumentOutOfRangeException(nameof(options), _options.MaxExchangeAnswerRows, "MaxExchangeAnswerRows must be positive.");
        _token = _options.BearerToken is { Length: > 0 } token ? Encoding.UTF8.GetBytes(token) : null;
    }

    /// <summary>The schema of search results: <c>id uint64, score float32</c> (Longbow store_query.go).</summary>
    public static ArrowSchema SearchResultSchema => s_searchSchema;

    /// <summary>The data server's methods: DoPut, DoGet, DoExchange, DoAction, ListActions, Handshake; the meta-only
    /// methods answer UNIMPLEMENTED naming the meta server.</summary>
    public GrpcServiceRegistry CreateDataRegistry() => new GrpcServiceRegistry()
        .AddDuplexStreaming(FlightMethods.DoPut, DoPutAsync)
        .AddServerStreaming(FlightMethods.DoGet, DoGetAsync)
        .AddDuplexStreaming(FlightMethods.DoExchange, DoExchangeAsync)
        .AddServerStreaming(FlightMethods.DoAction, DoActionAsync)
        .AddServerStreaming(FlightMethods.ListActions, ListActionsAsync)
        .AddDuplexStreaming(FlightMethods.Handshake, HandshakeAsync)
        .AddServerStreaming(FlightMethods.ListFlights, (_, _, _) => throw ServedElsewhere("ListFlights", "meta"))
        .AddUnary(FlightMethods.GetFlightInfo, (_, _) => throw ServedElsewhere("GetFlightInfo", "meta"))
        .AddUnary(FlightMethods.GetSchema, (_, _) => throw ServedElsewhere("GetSchema", "meta"));

    /// <summary>The meta server's methods: ListFlights, GetFlightInfo, GetSchema, DoAction, ListActions, Handshake and
    /// DoGet; DoPut and DoExchange answer UNIMPLEMENTED naming the data server.</summary>
    public GrpcServiceRegistry CreateMetaRegistry() => new GrpcServiceRegistry()
        .AddServerStreaming(FlightMethods.ListFlights, ListFlightsAsync)
        .AddUnary(FlightMethods.GetFlightInfo, GetFlightInfoAsync)
        .AddUnary(FlightMethods.GetSchema, GetSchemaAsync)
        .AddServerStreaming(FlightMethods.DoAction, DoActionAsync)
        .AddServerStreaming(FlightMethods.ListActions, ListActionsAsync)
        .AddDuplexStreaming(FlightMethods.Handshake, HandshakeAsync)
        .AddServerStreaming(FlightMethods.DoGet, DoGetAsync)
        .AddDuplexStreaming(FlightMethods.DoPut, (_, _, _) => throw ServedElsewhere("DoPut", "data"))
        .AddDuplexStreaming(FlightMethods.DoExchange, (_, _, _) => throw ServedElsewhere("DoExchange", "data"));

    private static RpcException ServedElsewhere(string method, string server) =>
        new(GrpcStatusCode.Unimplemented, $"{method} is not implemented on this server; use the {server} server.");

    // Handshake: with a token configured, the client proves it (payload or authorization header) and gets it back as
    // payload and as an authorization response header (Arrow's C++/Java clients read the bearer token from there).
    private async Task HandshakeAsync(GrpcStreamReader<HandshakeRequest> requests, GrpcServerStreamWriter<HandshakeResponse> responses,
        GrpcServerCallContext context)
    {
        while (await requests.MoveNextAsync(context.CancellationToken).ConfigureAwait(false))
        {
            var request = requests.Current;
            if (_token is null)
            {
                await responses.WriteAsync(new HandshakeResponse { ProtocolVersion = request.ProtocolVersion, Payload = request.Payload },
                    context.CancellationToken).ConfigureAwait(false);
                continue;
            }
            if (!HasValidHeader(context) && !CryptographicOperations.FixedTimeEquals(request.Payload.Span, _token))
                throw new RpcException(GrpcStatusCode.Unauthenticated, "Handshake: the payload is not a valid token.");
            if (context.ResponseHeaders.Count == 0) context.ResponseHeaders.Add("authorization", "Bearer " + _options.BearerToken);
            await responses.WriteAsync(new HandshakeResponse { ProtocolVersion = request.ProtocolVersion, Payload = ByteString.CopyFrom(_token) },
                context.CancellationToken).ConfigureAwait(false);
        }
    }

    private void Authorize(GrpcServerCallContext context)
    {
        if (_token is null) return;
        if (context.RequestHeaders.GetValue("authorization") is null)
            throw new RpcException(GrpcStatusCode.Unauthenticated, "Missing 'authorization: Bearer <token>' metadata.");
        if (!HasValidHeader(context))
            throw new RpcException(GrpcStatusCode.Unauthenticated, "The bearer token in 'authorization' is not valid.");
    }

    private bool HasValidHeader(GrpcServerCallContext context)
    {
        return Hosting.BearerToken.Matches(context.RequestHeaders.GetValue("authorization"), _token);
    }

    // The status a refused request ends with; null for faults that should surface as UNKNOWN (and be logged).
    private static RpcException? Translate(Exception exception) => exception switch
    {
        VectorBackendException e => new RpcException(e.Error switch
        {
            VectorBackendError.NotFound => GrpcStatusCode.NotFound,
            VectorBackendError.AlreadyExists => GrpcStatusCode.AlreadyExists,
            VectorBackendError.InvalidArgument => GrpcStatusCode.InvalidArgument,
            VectorBackendError.FailedPrecondition => GrpcStatusCode.FailedPrecondition,
            _ => GrpcStatusCode.Unavailable,
        }, e.Message, e),
        ArrowFormatException e => new RpcException(GrpcStatusCode.InvalidArgument, $"Invalid Arrow IPC data: {e.Message}", e),
        _ => null,
    };

    private static string CollectionOf(FlightDescriptor? descriptor, string method)
    {
        if (descriptor is null || descriptor.Path.Count == 0 || descriptor.Path[0].Length == 0)
            throw new RpcException(GrpcStatusCode.InvalidArgument,
                $"{method}: missing flight descriptor path (a PATH descriptor whose path[0] is the collection).");
        return descriptor.Path[0];
    }

    private static ByteString Json(JsonObject json) => ByteString.CopyFromUtf8(json.ToJsonString());
}

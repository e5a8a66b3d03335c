// A Flight client over Numa.Grpc's HttpClient HTTP/2 channel: DoPut of record batches, DoGet and DoExchange returning
// decoded batches, and the meta calls. Our own because Apache.Arrow.Flight does not restore here (ENVIRONMENT.md).
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Numa.Arrow;
using Numa.Flight.Protocol;
using Numa.Grpc;

namespace Numa.Flight;

/// <summary>
/// A client of one Flight server (<c>http://host:port</c>, plain-text HTTP/2). With Longbow's layout that is two
/// clients: one for the data server (puts, gets, exchanges) and one for the meta server (flights, schemas, actions).
/// Every failed call throws <see cref="RpcException"/> with the server's status (NOT_FOUND, INVALID_ARGUMENT,
/// UNAUTHENTICATED, …) or a transport status (UNAVAILABLE). Thread-safe; calls share connections.
/// </summary>
public sealed class FlightClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly FlightClientOptions _options;
    private volatile string? _token;

    /// <summary>A client of the Flight server at <paramref name="address"/>.</summary>
    /// <exception cref="ArgumentException">Not an absolute http:// address.</exception>
    public FlightClient(Uri address, FlightClientOptions? options = null)
    {
        _options = options ?? new FlightClientOptions();
        _channel = new GrpcChannel(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = _options.MaxReceiveMessageSize,
            MaxSendMessageSize = _options.MaxSendMessageSize,
        });
        _token = _options.BearerToken;
    }

    /// <summary>The server's address.</summary>
    public Uri Address => _channel.Address;

    /// <summary>A PATH descriptor: <c>{type: PATH, path: [<paramref name="path"/>…]}</c>; path[0] is the collection.</summary>
    public static FlightDescriptor PathDescriptor(params string[] path) =>
        new() { Type = FlightDescriptor.Types.DescriptorType.Path, Path = { path } };

    /// <summary>Handshake with <paramref name="token"/> as payload; later calls carry the token the server returns.</summary>
    /// <returns>The server's token.</returns>
    /// <exception cref="RpcException">UNAUTHENTICATED: the server refused the token.</exception>
    public async Task<string> HandshakeAsync(string token, CancellationToken cancellationToken = default)
    {
        using var call = _channel.StartDuplexStreaming(FlightMethods.Handshake, Options(cancellationToken));
        await call.RequestStream.WriteAsync(new HandshakeRequest { Payload = ByteString.CopyFromUtf8(token) }, cancellationToken).ConfigureAwait(false);
        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        string? returned = null;
        while (await call.ResponseStream.MoveNextAsync(cancellationToken).ConfigureAwait(false))
            returned = call.ResponseStream.Current.Payload.ToStringUtf8();
        if (returned is null) throw new RpcException(GrpcStatusCode.Internal, "Handshake: the server sent no response.");
        _token = returned;
        return returned;
    }

    /// <summary>Starts a DoPut of batches of <paramref name="schema"/> to <paramref name="descriptor"/>.</summary>
    public FlightPutStream StartPut(FlightDescriptor descriptor, ArrowSchema schema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(schema);
        return new FlightPutStream(_channel.StartDuplexStreaming(FlightMethods.DoPut, Options(cancellationToken)), schema, descriptor);
    }

    /// <summary>Puts <paramref name="batches"/> into <paramref name="collection"/> (created by the put if missing).</summary>
    /// <returns>Each PutResult's app_metadata (JSON: slow_down signals, then the summary).</returns>
    /// <exception cref="RpcException">INVALID_ARGUMENT for a wrong schema or dimension, and the like.</exception>
    public async Task<IReadOnlyList<byte[]>> PutAsync(string collection, ArrowSchema schema, IEnumerable<ArrowRecordBatch> batches,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        using var put = StartPut(PathDescriptor(collection), schema, cancellationToken);
        foreach (var batch in batches) await put.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
        return await put.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>DoGet of <paramref name="ticket"/>: a reader of the returned Arrow stream (dispose it when done).</summary>
    public FlightBatchReader DoGet(ReadOnlyMemory<byte> ticket, CancellationToken cancellationToken = default)
    {
        var call = _channel.StartServerStreaming(FlightMethods.DoGet, new Ticket { Ticket_ = ByteString.CopyFrom(ticket.Span) },
            Options(cancellationToken));
        return new FlightBatchReader(call.ResponseStream, _options.ArrowReadOptions, call);
    }

    /// <summary>Every live row of <paramref name="collection"/> (a DoGet of the bare name), as record batches.</summary>
    public async Task<(ArrowSchema Schema, List<ArrowRecordBatch> Batches)> ScanAsync(string collection, CancellationToken cancellationToken = default)
    {
        using var reader = DoGet(Encoding.UTF8.GetBytes(collection), cancellationToken);
        var schema = await reader.ReadSchemaAsync(cancellationToken).ConfigureAwait(false);
        var batches = new List<ArrowRecordBatch>();
        await foreach (var batch in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false)) batches.Add(batch);
        return (schema, batches);
    }

    /// <summary>The <paramref name="k"/> nearest rows to <paramref name="vector"/> in <paramref name="dataset"/>: a DoGet
    /// of <c>{"search":{"dataset","vector","k"}}</c>.</summary>
    /// <exception cref="RpcException">NOT_FOUND: no such collection; INVALID_ARGUMENT: dimension mismatch, k &lt; 1.</exception>
    public Task<VectorSearchResult> SearchAsync(string dataset, ReadOnlyMemory<float> vector, int k,
        CancellationToken cancellationToken = default) =>
        SearchAsync(SearchTicket(dataset, vector.Span, k, null), cancellationToken);

    /// <summary>The <paramref name="k"/> nearest rows to <paramref name="vector"/> in <paramref name="dataset"/>, searched
    /// with a candidate list of <paramref name="ef"/> (HNSW efSearch, Malkov &amp; Yashunin 2018 §4): a DoGet of
    /// <c>{"search":{"dataset","vector","k","ef"}}</c>. A server without an approximate index ignores ef.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ef"/> &lt; 1.</exception>
    /// <exception cref="RpcException">NOT_FOUND: no such collection; INVALID_ARGUMENT: dimension mismatch, k &lt; 1.</exception>
    public Task<VectorSearchResult> SearchAsync(string dataset, ReadOnlyMemory<float> vector, int k, int ef,
        CancellationToken cancellationToken = default) =>
        SearchAsync(SearchTicket(dataset, vector.Span, k, ef), cancellationToken);

    private async Task<VectorSearchResult> SearchAsync(byte[] ticket, CancellationToken cancellationToken)
    {
        using var reader = DoGet(ticket, cancellationToken);
        var ids = new List<ulong>();
        var scores = new List<float>();
        await foreach (var batch in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.AddRange(batch.Column("id").GetValues<ulong>());
            scores.AddRange(batch.Column("score").GetValues<float>());
        }
        return new VectorSearchResult([.. ids], [.. scores]);
    }

    /// <summary>The ticket bytes of a search: <c>{"search":{"dataset":…,"vector":[…],"k":…}}</c>.</summary>
    public static byte[] SearchTicket(string dataset, ReadOnlySpan<float> vector, int k) => SearchTicket(dataset, vector, k, null);

    /// <summary>The ticket bytes of a search with efSearch: <c>{"search":{"dataset":…,"vector":[…],"k":…,"ef":…}}</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ef"/> &lt; 1.</exception>
    public static byte[] SearchTicket(string dataset, ReadOnlySpan<float> vector, int k, int ef)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ef, 1);
        return SearchTicket(dataset, vector, k, (int?)ef);
    }

    // "ef" only when given, so servers that predate it see the ticket they always did.
    private static byte[] SearchTicket(string dataset, ReadOnlySpan<float> vector, int k, int? ef)
    {
        // Utf8JsonWriter formats each float as its shortest round-trip text straight into UTF-8 (a 784-d query costs a
        // few microseconds, not the tens a string per number did). NaN and ±∞ have no JSON form: they go out as bare
        // tokens, so the server refuses the ticket with INVALID_ARGUMENT as it would any malformed one.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 + vector.Length * 8);
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { SkipValidation = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("search");
            json.WriteString("dataset", dataset);
            json.WriteStartArray("vector");
            foreach (float value in vector)
            {
                if (float.IsFinite(value)) json.WriteNumberValue(value);
                else json.WriteRawValue(value.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
            }
            json.WriteEndArray();
            json.WriteNumber("k", k);
            if (ef is { } width) json.WriteNumber("ef", width);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Starts a DoExchange to <paramref name="descriptor"/> sending batches of <paramref name="schema"/>.</summary>
    public FlightExchangeStream StartExchange(FlightDescriptor descriptor, ArrowSchema schema, CancellationToken cancellationToken = default)
    {
        var call = _channel.StartDuplexStreaming(FlightMethods.DoExchange, Options(cancellationToken));
        var writer = new FlightBatchWriter((m, t) => call.RequestStream.WriteAsync(m, t), schema, descriptor);
        return new FlightExchangeStream(call, writer, new FlightBatchReader(call.ResponseStream, _options.ArrowReadOptions, null));
    }

    /// <summary>ListFlights with <paramref name="expression"/> as <c>Criteria.expression</c> (empty: all).</summary>
    public async Task<List<FlightInfo>> ListFlightsAsync(ReadOnlyMemory<byte> expression = default, CancellationToken cancellationToken = default)
    {
        using var call = _channel.StartServerStreaming(FlightMethods.ListFlights, new Criteria { Expression = ByteString.CopyFrom(expression.Span) },
            Options(cancellationToken));
        var infos = new List<FlightInfo>();
        while (await call.ResponseStream.MoveNextAsync(cancellationToken).ConfigureAwait(false)) infos.Add(call.ResponseStream.Current);
        return infos;
    }

    /// <summary>GetFlightInfo of <paramref name="descriptor"/>.</summary>
    public Task<FlightInfo> GetFlightInfoAsync(FlightDescriptor descriptor, CancellationToken cancellationToken = default) =>
        _channel.UnaryAsync(FlightMethods.GetFlightInfo, descriptor, Options(cancellationToken));

    /// <summary>GetSchema of <paramref name="descriptor"/>, decoded.</summary>
    /// <exception cref="ArrowFormatException">The server's schema bytes are not a valid encapsulated Schema.</exception>
    public async Task<ArrowSchema> GetSchemaAsync(FlightDescriptor descriptor, CancellationToken cancellationToken = default)
    {
        var result = await _channel.UnaryAsync(FlightMethods.GetSchema, descriptor, Options(cancellationToken)).ConfigureAwait(false);
        return ArrowMessageDecoder.DecodeEncapsulatedSchema(result.Schema.Span, _options.ArrowReadOptions);
    }

    /// <summary>DoAction <paramref name="type"/> with <paramref name="body"/>.</summary>
    /// <returns>Each Result's body, in order.</returns>
    public async Task<List<byte[]>> DoActionAsync(string type, ReadOnlyMemory<byte> body = default, CancellationToken cancellationToken = default)
    {
        var action = new Protocol.Action { Type = type, Body = ByteString.CopyFrom(body.Span) };
        using var call = _channel.StartServerStreaming(FlightMethods.DoAction, action, Options(cancellationToken));
        var results = new List<byte[]>();
        while (await call.ResponseStream.MoveNextAsync(cancellationToken).ConfigureAwait(false))
            results.Add(call.ResponseStream.Current.Body.ToByteArray());
        return results;
    }

    /// <summary>ListActions.</summary>
    public async Task<List<ActionType>> ListActionsAsync(CancellationToken cancellationToken = default)
    {
        using var call = _channel.StartServerStreaming(FlightMethods.ListActions, new Empty(), Options(cancellationToken));
        var types = new List<ActionType>();
        while (await call.ResponseStream.MoveNextAsync(cancellationToken).ConfigureAwait(false)) types.Add(call.ResponseStream.Current);
        return types;
    }

    /// <summary>Closes the connections.</summary>
    public void Dispose() => _channel.Dispose();

    private GrpcCallOptions Options(CancellationToken cancellationToken) => new()
    {
        Headers = _token is { } token ? new GrpcMetadata().Add("authorization", "Bearer " + token) : null,
        CancellationToken = cancellationToken,
    };
}

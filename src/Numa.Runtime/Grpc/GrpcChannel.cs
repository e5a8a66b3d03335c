// The client side: calls to one gRPC server over HttpClient's HTTP/2 (SocketsHttpHandler, h2c with prior
// knowledge, HTTP/2 exactly). Our own because Grpc.Net.Client does not restore here (ENVIRONMENT.md).
using System.Net;

namespace Numa.Grpc;

/// <summary>A connection pool to one gRPC server (<c>http://host:port</c>, plain-text HTTP/2) and the four call
/// shapes on it. Thread-safe; calls share HTTP/2 connections (more are opened past the server's stream limit).</summary>
public sealed class GrpcChannel : IDisposable
{
    internal const string UserAgent = "grpc-dotnet-numa/1.0";

    private readonly HttpMessageInvoker _invoker;
    private readonly CancellationTokenSource _closing = new();   // every call's token is linked to it

    /// <summary>Creates a channel to <paramref name="address"/>.</summary>
    /// <exception cref="ArgumentException">The address is not an absolute http:// URI.</exception>
    public GrpcChannel(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || address.Scheme != Uri.UriSchemeHttp)
            throw new ArgumentException($"'{address}' is not an http:// address; this channel speaks plain-text HTTP/2 only.", nameof(address));
        Address = address;
        Options = options ?? new GrpcChannelOptions();
        if (Options.MaxReceiveMessageSize <= 0 || Options.MaxSendMessageSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), "Message size limits must be positive.");
        var handler = Options.HttpHandler ?? new SocketsHttpHandler
        {
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };
        _invoker = new HttpMessageInvoker(handler, disposeHandler: Options.HttpHandler is null || Options.DisposeHttpHandler);
    }

    /// <summary>The server's address.</summary>
    public Uri Address { get; }

    internal GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker => _invoker;

    /// <summary>Cancelled by <see cref="Dispose"/>: SocketsHttpHandler leaves open HTTP/2 streams open when it is
    /// disposed, so the calls still in flight are cancelled through this.</summary>
    internal CancellationToken Closing => _closing.Token;

    /// <summary>Calls a unary method and returns its response.</summary>
    /// <exception cref="RpcException">The call ended with a non-OK status (from the server, the deadline, cancellation,
    /// or a transport failure: UNAVAILABLE).</exception>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request,
        GrpcCallOptions? options = null)
    {
        using var call = StartUnary(method, request, options);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>Starts a unary call; read <see cref="GrpcClientCall{TRequest,TResponse}.ResponseAsync"/>, then the
    /// headers, status and trailers.</summary>
    public GrpcClientCall<TRequest, TResponse> StartUnary<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
        TRequest request, GrpcCallOptions? options = null) => Start(method, GrpcMethodType.Unary, true, request, options);

    /// <summary>Starts a server-streaming call; read <see cref="GrpcClientCall{TRequest,TResponse}.ResponseStream"/>.</summary>
    public GrpcClientCall<TRequest, TResponse> StartServerStreaming<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
        TRequest request, GrpcCallOptions? options = null) => Start(method, GrpcMethodType.ServerStreaming, true, request, options);

    /// <summary>Starts a client-streaming call; write <see cref="GrpcClientCall{TRequest,TResponse}.RequestStream"/>,
    /// complete it, then read <see cref="GrpcClientCall{TRequest,TResponse}.ResponseAsync"/>.</summary>
    public GrpcClientCall<TRequest, TResponse> StartClientStreaming<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
        GrpcCallOptions? options = null) => Start(method, GrpcMethodType.ClientStreaming, false, default!, options);

    /// <summary>Starts a bidirectional-streaming call: write the request stream and read the response stream
    /// independently.</summary>
    public GrpcClientCall<TRequest, TResponse> StartDuplexStreaming<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
        GrpcCallOptions? options = null) => Start(method, GrpcMethodType.DuplexStreaming, false, default!, options);

    /// <summary>Cancels the calls in flight (they end with CANCELLED) and closes the channel's connections (unless the
    /// handler came from the options with <see cref="GrpcChannelOptions.DisposeHttpHandler"/> false).</summary>
    public void Dispose()
    {
        if (_closing.IsCancellationRequested) return;
        _closing.Cancel();
        _invoker.Dispose();
    }

    private GrpcClientCall<TRequest, TResponse> Start<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
        GrpcMethodType type, bool singleRequest, TRequest request, GrpcCallOptions? options)
    {
        ArgumentNullException.ThrowIfNull(method);
        ObjectDisposedException.ThrowIf(_closing.IsCancellationRequested, this);
        if (method.Type != type)
            throw new ArgumentException($"{method.FullName} is a {method.Type} method, not {type}.", nameof(method));
        return new GrpcClientCall<TRequest, TResponse>(this, method, options, singleRequest, request);
    }
}

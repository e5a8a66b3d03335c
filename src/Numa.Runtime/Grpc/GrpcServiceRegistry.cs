// The methods a server offers: each GrpcMethod with its handler, looked up by the request's :path.
using System.Collections.Frozen;

namespace Numa.Grpc;

/// <summary>Registers handlers for gRPC methods. Register everything before creating a <see cref="GrpcDispatcher"/>
/// or <see cref="GrpcServer"/> (they take a snapshot). A handler ends the call with OK by returning, or with a
/// status by throwing <see cref="RpcException"/>; any other exception ends it with UNKNOWN.</summary>
public sealed class GrpcServiceRegistry
{
    private readonly Dictionary<string, ServerMethod> _methods = new(StringComparer.Ordinal);

    /// <summary>The registered paths (<c>/Service/Method</c>).</summary>
    public IReadOnlyCollection<string> Paths => _methods.Keys;

    /// <summary>Registers a unary handler: one request in, one response out.</summary>
    /// <exception cref="ArgumentException">The method is not <see cref="GrpcMethodType.Unary"/>, or its path is taken.</exception>
    public GrpcServiceRegistry AddUnary<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
        Func<TRequest, GrpcServerCallContext, Task<TResponse>> handler) =>
        Add(method, handler, GrpcMethodType.Unary, new UnaryServerMethod<TRequest, TResponse>(method, handler));

    /// <summary>Registers a server-streaming handler: one request in, messages written to the writer.</summary>
    /// <exception cref="ArgumentException">The method is not <see cref="GrpcMethodType.ServerStreaming"/>, or its path is taken.</exception>
    public GrpcServiceRegistry AddServerStreaming<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
        Func<TRequest, GrpcServerStreamWriter<TResponse>, GrpcServerCallContext, Task> handler) =>
        Add(method, handler, GrpcMethodType.ServerStreaming, new ServerStreamingServerMethod<TRequest, TResponse>(method, handler));

    /// <summary>Registers a client-streaming handler: requests read from the reader, one response out.</summary>
    /// <exception cref="ArgumentException">The method is not <see cref="GrpcMethodType.ClientStreaming"/>, or its path is taken.</exception>
    public GrpcServiceRegistry AddClientStreaming<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
        Func<GrpcStreamReader<TRequest>, GrpcServerCallContext, Task<TResponse>> handler) =>
        Add(method, handler, GrpcMethodType.ClientStreaming, new ClientStreamingServerMethod<TRequest, TResponse>(method, handler));

    /// <summary>Registers a bidirectional-streaming handler: read and write independently.</summary>
    /// <exception cref="ArgumentException">The method is not <see cref="GrpcMethodType.DuplexStreaming"/>, or its path is taken.</exception>
    public GrpcServiceRegistry AddDuplexStreaming<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
        Func<GrpcStreamReader<TRequest>, GrpcServerStreamWriter<TResponse>, GrpcServerCallContext, Task> handler) =>
        Add(method, handler, GrpcMethodType.DuplexStreaming, new DuplexStreamingServerMethod<TRequest, TResponse>(method, handler));

    internal FrozenDictionary<string, ServerMethod> Snapshot() => _methods.ToFrozenDictionary(StringComparer.Ordinal);

    private GrpcServiceRegistry Add<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, Delegate handler, GrpcMethodType type,
        ServerMethod entry)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        if (method.Type != type)
            throw new ArgumentException($"{method.FullName} is a {method.Type} method; it cannot take a {type} handler.", nameof(method));
        if (!_methods.TryAdd(method.FullName, entry))
            throw new ArgumentException($"{method.FullName} is already registered.", nameof(method));
        return this;
    }
}

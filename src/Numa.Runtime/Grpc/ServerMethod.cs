// The four server-side call shapes: each reads its requests, runs the handler and writes its responses; the
// dispatcher around them turns the outcome into the status.
namespace Numa.Grpc;

internal abstract class ServerMethod
{
    internal abstract Task RunAsync(GrpcServerCallContext call);

    /// <summary>Reads the one request of a unary or server-streaming call: exactly one message, then the end.</summary>
    protected static async Task<T> ReadSingleAsync<T>(GrpcServerCallContext call, GrpcMarshaller<T> marshaller)
    {
        var reader = new GrpcStreamReader<T>(call.Requests, marshaller, call.CancellationToken);
        if (!await reader.MoveNextAsync().ConfigureAwait(false))
            throw new RpcException(GrpcStatusCode.Internal, $"The request of {call.Method} ended without a message; this method takes exactly one.");
        T request = reader.Current;
        if (await reader.MoveNextAsync().ConfigureAwait(false))
            throw new RpcException(GrpcStatusCode.Internal, $"The request of {call.Method} holds more than one message; this method takes exactly one.");
        return request;
    }
}

internal sealed class UnaryServerMethod<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
    Func<TRequest, GrpcServerCallContext, Task<TResponse>> handler) : ServerMethod
{
    internal override async Task RunAsync(GrpcServerCallContext call)
    {
        var request = await ReadSingleAsync(call, method.RequestMarshaller).ConfigureAwait(false);
        var response = await handler(request, call).ConfigureAwait(false);
        await call.WriteAsync(method.ResponseMarshaller, response, flush: false, default).ConfigureAwait(false);   // leaves with the trailers
    }
}

internal sealed class ServerStreamingServerMethod<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
    Func<TRequest, GrpcServerStreamWriter<TResponse>, GrpcServerCallContext, Task> handler) : ServerMethod
{
    internal override async Task RunAsync(GrpcServerCallContext call)
    {
        var request = await ReadSingleAsync(call, method.RequestMarshaller).ConfigureAwait(false);
        await handler(request, new GrpcServerStreamWriter<TResponse>(call, method.ResponseMarshaller), call).ConfigureAwait(false);
    }
}

internal sealed class ClientStreamingServerMethod<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
    Func<GrpcStreamReader<TRequest>, GrpcServerCallContext, Task<TResponse>> handler) : ServerMethod
{
    internal override async Task RunAsync(GrpcServerCallContext call)
    {
        var requests = new GrpcStreamReader<TRequest>(call.Requests, method.RequestMarshaller, call.CancellationToken);
        var response = await handler(requests, call).ConfigureAwait(false);
        await call.WriteAsync(method.ResponseMarshaller, response, flush: false, default).ConfigureAwait(false);   // leaves with the trailers
    }
}

internal sealed class DuplexStreamingServerMethod<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
    Func<GrpcStreamReader<TRequest>, GrpcServerStreamWriter<TResponse>, GrpcServerCallContext, Task> handler) : ServerMethod
{
    internal override Task RunAsync(GrpcServerCallContext call) =>
        handler(new GrpcStreamReader<TRequest>(call.Requests, method.RequestMarshaller, call.CancellationToken),
            new GrpcServerStreamWriter<TResponse>(call, method.ResponseMarshaller), call);
}

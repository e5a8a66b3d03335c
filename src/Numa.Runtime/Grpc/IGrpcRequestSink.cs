// What a GrpcClientStreamWriter writes into: the client call's HTTP/2 request stream.
namespace Numa.Grpc;

internal interface IGrpcRequestSink<in T>
{
    Task WriteRequestAsync(T message, CancellationToken cancellationToken);

    Task CompleteRequestAsync();
}

// The four shapes of a gRPC call.
namespace Numa.Grpc;

/// <summary>How many messages each side of a call sends.</summary>
public enum GrpcMethodType
{
    /// <summary>One request, one response.</summary>
    Unary,
    /// <summary>A stream of requests, one response.</summary>
    ClientStreaming,
    /// <summary>One request, a stream of responses.</summary>
    ServerStreaming,
    /// <summary>A stream each way, independent of each other.</summary>
    DuplexStreaming,
}

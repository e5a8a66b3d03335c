// A call's outcome: the status code and its human-readable detail (the decoded grpc-message).
namespace Numa.Grpc;

/// <summary>A gRPC status: <see cref="Code"/> and <see cref="Detail"/> (the percent-decoded <c>grpc-message</c>,
/// empty when absent). PROTOCOL-HTTP2.md "Responses".</summary>
public readonly record struct GrpcStatus(GrpcStatusCode Code, string Detail)
{
    /// <summary>The OK status with no detail.</summary>
    public static GrpcStatus Ok => new(GrpcStatusCode.OK, "");

    /// <inheritdoc/>
    public override string ToString() => Detail.Length == 0 ? $"{Code}" : $"{Code}: {Detail}";
}

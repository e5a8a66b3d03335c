// Per-call settings of a client call: metadata, deadline, cancellation.
namespace Numa.Grpc;

/// <summary>Options of one client call.</summary>
public sealed class GrpcCallOptions
{
    /// <summary>Custom metadata sent as request headers (e.g. <c>authorization: Bearer …</c>).</summary>
    public GrpcMetadata? Headers { get; init; }

    /// <summary>The deadline (UTC). Sent as <c>grpc-timeout</c>; when it passes the call is cancelled
    /// (RST_STREAM CANCEL) and fails with DEADLINE_EXCEEDED.</summary>
    public DateTime? Deadline { get; init; }

    /// <summary>Cancels the call (RST_STREAM CANCEL); it then fails with CANCELLED.</summary>
    public CancellationToken CancellationToken { get; init; }
}

// Server-side gRPC metrics (meter "Numa.Grpc"): calls and their durations by method and status code, following
// OpenTelemetry's RPC semantic conventions (rpc.server.duration; attributes rpc.method, rpc.grpc.status_code).
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Numa.Grpc;

/// <summary>The instruments every <see cref="GrpcDispatcher"/> records into.</summary>
public static class GrpcMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Numa.Grpc";

    private static readonly Meter s_meter = new(MeterName);

    // Seconds from the request's headers to the status; attributes: rpc.method (the gRPC path), rpc.grpc.status_code.
    private static readonly Histogram<double> s_duration = s_meter.CreateHistogram<double>(
        "rpc.server.duration", "s", "Duration of gRPC calls handled by this server, by method and status code.");

    internal static void Record(string method, GrpcStatusCode status, long startTimestamp)
    {
        if (!s_duration.Enabled) return;
        s_duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds,
            new KeyValuePair<string, object?>("rpc.method", method),
            new KeyValuePair<string, object?>("rpc.grpc.status_code", (int)status));
    }
}

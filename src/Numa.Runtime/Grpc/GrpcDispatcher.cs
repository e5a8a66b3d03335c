// The HTTP/2 request handler that turns Kestrel requests into gRPC calls: the checks of PROTOCOL-HTTP2.md
// "Requests" (method, content-type, path, grpc-timeout), the call itself, and its status.
using System.Collections.Frozen;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Numa.Grpc;

/// <summary>Serves the methods of a <see cref="GrpcServiceRegistry"/> on Kestrel's HTTP/2. Use it as the terminal
/// request delegate of an app whose endpoint speaks HTTP/2 (<see cref="GrpcServer"/> does this for you).
/// Early errors are answered without running a handler: a method other than POST → HTTP 405; a content-type that
/// is not <c>application/grpc</c> → HTTP 415 (PROTOCOL-HTTP2.md "Requests"); another <c>application/grpc+X</c>
/// subtype, or an unknown path → Trailers-Only UNIMPLEMENTED; a malformed <c>grpc-timeout</c> → Trailers-Only
/// INTERNAL.</summary>
public sealed class GrpcDispatcher
{
    private readonly FrozenDictionary<string, ServerMethod> _methods;
    private readonly GrpcServerOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;

    /// <summary>Serves a snapshot of <paramref name="services"/> with <paramref name="options"/>. When
    /// <paramref name="stopping"/> fires (e.g. the host's ApplicationStopping), every call's token fires and calls
    /// still running end with UNAVAILABLE.</summary>
    public GrpcDispatcher(GrpcServiceRegistry services, GrpcServerOptions? options = null, CancellationToken stopping = default)
    {
        _stopping = stopping;
        ArgumentNullException.ThrowIfNull(services);
        _options = options ?? new GrpcServerOptions();
        _options.Validate();
        _methods = services.Snapshot();
        _logger = (_options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Numa.Grpc");
    }

    /// <summary>Handles one HTTP request as a gRPC call.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = "POST";
            RejectEarly(context, StatusCodes.Status405MethodNotAllowed, GrpcStatusCode.Internal,
                $"gRPC requires POST; got {request.Method}.");
            return;
        }
        string? contentType = request.ContentType;
        // application/grpc, application/grpc+subtype or application/grpc;params: anything else (application/grpc-web,
        // application/grpcfoo) is another protocol, 415 as grpc-go answers it.
        if (contentType is null || !contentType.StartsWith(GrpcProtocol.ContentType, StringComparison.OrdinalIgnoreCase)
            || (contentType.Length > GrpcProtocol.ContentType.Length && contentType[GrpcProtocol.ContentType.Length] is not ('+' or ';')))
        {
            RejectEarly(context, StatusCodes.Status415UnsupportedMediaType, GrpcStatusCode.Internal,
                $"Content-Type '{contentType}' is not supported; gRPC requires application/grpc.");
            return;
        }
        if (!GrpcProtocol.IsProtoContentType(contentType))
        {
            RejectEarly(context, StatusCodes.Status200OK, GrpcStatusCode.Unimplemented,
                $"Content-Type '{contentType}' is not supported; this server speaks application/grpc+proto.");
            return;
        }
        string path = request.Path.Value ?? "";
        if (!_methods.TryGetValue(path, out var method))
        {
            RejectEarly(context, StatusCodes.Status200OK, GrpcStatusCode.Unimplemented, $"Method '{path}' is not implemented.");
            return;
        }
        TimeSpan? timeout = null;
        string? timeoutHeader = request.Headers[GrpcProtocol.TimeoutHeader];
        if (timeoutHeader is not null)
        {
            if (!GrpcProtocol.TryParseTimeout(timeoutHeader, out var parsed))
            {
                RejectEarly(context, StatusCodes.Status200OK, GrpcStatusCode.Internal,
                    $"grpc-timeout '{timeoutHeader}' is malformed; expected 1-8 digits and a unit H, M, S, m, u or n.");
                return;
            }
            timeout = parsed;
        }

        // A gRPC stream may carry any number of bytes at any pace: Kestrel's HTTP/1-minded body limits do not apply.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } maxBody) maxBody.MaxRequestBodySize = null;
        if (context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } minRate) minRate.MinDataRate = null;

        GrpcServerCallContext call;
        try
        {
            call = new GrpcServerCallContext(context, path, _options, _logger, _stopping);
        }
        catch (RpcException ex) // metadata that cannot be decoded
        {
            RejectEarly(context, StatusCodes.Status200OK, ex.StatusCode, ex.Status.Detail);
            return;
        }
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            if (timeout is { } t) call.StartDeadline(t);
            GrpcStatus status;
            try
            {
                await method.RunAsync(call).ConfigureAwait(false);
                status = GrpcStatus.Ok;
            }
            catch (Exception ex)
            {
                status = StatusOf(call, ex);
            }
            await call.FinishAsync(status).ConfigureAwait(false);
            GrpcMetrics.Record(path, status.Code, started);
        }
        finally
        {
            call.Release();
        }
    }

    private GrpcStatus StatusOf(GrpcServerCallContext call, Exception ex)
    {
        if (call.DeadlineExceeded && ex is OperationCanceledException or RpcException { StatusCode: GrpcStatusCode.DeadlineExceeded })
            return new GrpcStatus(GrpcStatusCode.DeadlineExceeded, "Deadline exceeded.");
        if (ex is RpcException rpc)
        {
            foreach (var entry in rpc.Trailers) call.ResponseTrailers.AddEntry(entry);
            if (rpc.StatusCode is GrpcStatusCode.Internal or GrpcStatusCode.ResourceExhausted or GrpcStatusCode.Unimplemented)
                _logger.LogDebug("gRPC {Method} from {Peer}: {Status}", call.Method, call.Peer, rpc.Status);
            return rpc.Status;
        }
        if (call.HttpContext.RequestAborted.IsCancellationRequested) // whatever the handler saw: nobody is listening
            return new GrpcStatus(GrpcStatusCode.Cancelled, "The client cancelled the call.");
        if (ex is OperationCanceledException && _stopping.IsCancellationRequested)
            return new GrpcStatus(GrpcStatusCode.Unavailable, "The server is shutting down.");
        _logger.LogError(ex, "gRPC {Method} from {Peer}: the handler threw", call.Method, call.Peer);
        return new GrpcStatus(GrpcStatusCode.Unknown, _options.EnableDetailedErrors
            ? $"Exception was thrown by handler. {ex.GetType().Name}: {ex.Message}"
            : "Exception was thrown by handler.");
    }

    /// <summary>Answers without running a handler: the status goes in the response headers, which end the stream
    /// (a Trailers-Only response when <paramref name="httpStatus"/> is 200).</summary>
    private void RejectEarly(HttpContext context, int httpStatus, GrpcStatusCode code, string detail)
    {
        _logger.LogDebug("gRPC {Path}: rejected before the call: HTTP {HttpStatus}, {Code}: {Detail}",
            context.Request.Path.Value, httpStatus, code, detail);
        var response = context.Response;
        response.StatusCode = httpStatus;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.AcceptedEncodings;
        response.Headers[GrpcProtocol.StatusHeader] = ((int)code).ToString(CultureInfo.InvariantCulture);
        response.Headers[GrpcProtocol.MessageHeader] = GrpcProtocol.EncodeMessage(detail);
    }
}

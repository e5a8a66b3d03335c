// One server-side call: what a handler sees (metadata, deadline, cancellation) and the state that orders the
// handler's writes against the status that ends the call (from the handler, or from the deadline timer).
using System.Globalization;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Numa.Grpc;

/// <summary>The context of one call on the server.
/// <para><see cref="CancellationToken"/> fires when the client goes away (RST_STREAM or a closed connection), the
/// deadline from <c>grpc-timeout</c> passes, or the server stops. At the deadline the server also ends the call itself with
/// DEADLINE_EXCEEDED, even if the handler keeps running (PROTOCOL-HTTP2.md "Client Cancellation"); later writes
/// then throw.</para></summary>
public sealed class GrpcServerCallContext
{
    private readonly HttpContext _http;
    private readonly GrpcServerOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _cts;          // the handler's token: client gone, or deadline
    private readonly SemaphoreSlim _writeLock = new(1, 1);  // one writer: a message, or the status
    private CancellationTokenSource? _deadlineTimer;
    private CancellationTokenRegistration _deadlineRegistration;
    private Task? _deadlineTask;
    private TimeSpan _timeout;
    private bool _completed;       // the status has been written; guarded by _writeLock
    private volatile bool _deadlineExceeded;

    internal GrpcServerCallContext(HttpContext http, string method, GrpcServerOptions options, ILogger logger, CancellationToken stopping)
    {
        _http = http;
        _options = options;
        _logger = logger;
        Method = method;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        var connection = http.Connection;
        Peer = connection.RemoteIpAddress is null ? "unknown" : $"{connection.RemoteIpAddress}:{connection.RemotePort}";
        RequestHeaders = new GrpcMetadata();
        foreach (var (name, values) in http.Request.Headers)
            if (!GrpcMetadata.IsProtocolHeader(name)) RequestHeaders.AddReceived(name, values);
        string? encoding = http.Request.Headers[GrpcProtocol.EncodingHeader];
        Requests = new GrpcMessageReader(http.Request.BodyReader, options.MaxReceiveMessageSize, $"request of {method}", encoding);
    }

    /// <summary>The method's path, <c>/Service/Method</c>.</summary>
    public string Method { get; }

    /// <summary>The client's address and port.</summary>
    public string Peer { get; }

    /// <summary>The request's custom metadata (e.g. <c>authorization</c>), without protocol headers.</summary>
    public GrpcMetadata RequestHeaders { get; }

    /// <summary>Metadata sent with the response headers: add to it before the first write.</summary>
    public GrpcMetadata ResponseHeaders { get; } = new();

    /// <summary>Metadata sent with the status at the end of the call.</summary>
    public GrpcMetadata ResponseTrailers { get; } = new();

    /// <summary>The deadline (UTC) from <c>grpc-timeout</c>, or null for none.</summary>
    public DateTime? Deadline { get; private set; }

    /// <summary>Fires when the client cancels or goes away, the deadline passes, or the server stops.</summary>
    public CancellationToken CancellationToken => _cts.Token;

    /// <summary>The underlying HTTP/2 request.</summary>
    public HttpContext HttpContext => _http;

    internal GrpcMessageReader Requests { get; }

    internal bool DeadlineExceeded => _deadlineExceeded;

    /// <summary>Arms the deadline. A timeout too long for a timer (~49 days) counts as none.</summary>
    internal void StartDeadline(TimeSpan timeout)
    {
        if (timeout >= GrpcProtocol.MaxTimer) return;
        _timeout = timeout;
        Deadline = DateTime.UtcNow + timeout;
        _deadlineTimer = new CancellationTokenSource(timeout);
        _deadlineRegistration = _deadlineTimer.Token.UnsafeRegister(static s => ((GrpcServerCallContext)s!).OnDeadline(), this);
    }

    private void OnDeadline()
    {
        _deadlineExceeded = true;
        // Off the timer thread: cancelling runs the handler's callbacks, which may finish the call themselves.
        _deadlineTask = Task.Run(EndAtDeadlineAsync);
    }

    private async Task EndAtDeadlineAsync()
    {
        _cts.Cancel(); // pending writes give up the lock; the handler sees its token
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_completed) return;
            _completed = true;
            ApplyStatus(new GrpcStatus(GrpcStatusCode.DeadlineExceeded,
                $"Deadline exceeded: grpc-timeout {_timeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms passed."));
            await _http.Response.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The status could not be sent (e.g. the connection is gone): reset the stream with CANCEL instead.
            _logger.LogDebug(ex, "gRPC {Method}: could not send DEADLINE_EXCEEDED; resetting the stream", Method);
            _http.Features.Get<IHttpResetFeature>()?.Reset(8);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private bool _wroteMessage;   // a message is in the body, flushed or not (guarded by _writeLock)

    /// <summary>Writes one response message and, with <paramref name="flush"/>, flushes it.</summary>
    internal async Task WriteAsync<T>(GrpcMarshaller<T> marshaller, T message, bool flush, CancellationToken cancellationToken)
    {
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(_cts.Token, cancellationToken) : null;
        var token = linked?.Token ?? _cts.Token;
        await _writeLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            if (_completed)
            {
                throw _deadlineExceeded
                    ? new RpcException(GrpcStatusCode.DeadlineExceeded, "The deadline passed; the call has ended.")
                    : new InvalidOperationException($"The call {Method} has already ended; no more messages can be written.");
            }
            var response = _http.Response;
            if (!response.HasStarted) ApplyResponseHeaders(response);
            GrpcMessageWriter.Write(response.BodyWriter, marshaller, message, _options.MaxSendMessageSize, $"response of {Method}");
            _wroteMessage = true;
            if (flush)
            {
                // Not FlushAsync(token): Kestrel answers a flush cancelled through its token by resetting the stream
                // (RST_STREAM INTERNAL_ERROR), and the status the call then ends with (DEADLINE_EXCEEDED, UNAVAILABLE
                // at shutdown, the handler's own) would never reach the client. CancelPendingFlush only stops waiting.
                var body = response.BodyWriter;
                FlushResult flushed;
                using (token.UnsafeRegister(static w => ((PipeWriter)w!).CancelPendingFlush(), body))
                    flushed = await body.FlushAsync().ConfigureAwait(false);
                if (flushed.IsCanceled) throw new OperationCanceledException(token);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Ends the call with <paramref name="status"/> unless the deadline already ended it; waits for a
    /// deadline that is ending it right now. Returns false when the status was not sent.</summary>
    internal async Task<bool> FinishAsync(GrpcStatus status)
    {
        _deadlineRegistration.Dispose(); // waits for a running OnDeadline
        if (_deadlineTask is not null) await _deadlineTask.ConfigureAwait(false);
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_completed) return false;
            _completed = true;
            ApplyStatus(status);
            return true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    internal void Release()
    {
        _deadlineTimer?.Dispose();
        _cts.Dispose();
        _writeLock.Dispose();
    }

    private void ApplyResponseHeaders(HttpResponse response)
    {
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.AcceptedEncodings;
        foreach (var entry in ResponseHeaders) response.Headers.Append(entry.Key, entry.WireValue);
    }

    /// <summary>Writes the status: as trailers after a started response, or as the one HEADERS frame of a
    /// Trailers-Only response (PROTOCOL-HTTP2.md "Responses").</summary>
    private void ApplyStatus(GrpcStatus status)
    {
        var response = _http.Response;
        // The spec's codes are 0..16; a handler's (GrpcStatusCode)99 or -1 goes out as UNKNOWN (statuscodes.md).
        int value = (int)status.Code is >= 0 and <= (int)GrpcStatusCode.Unauthenticated ? (int)status.Code : (int)GrpcStatusCode.Unknown;
        string code = value.ToString(CultureInfo.InvariantCulture);
        if (!response.HasStarted && !_wroteMessage)   // buffered messages (not yet flushed) need real trailers too
        {
            ApplyResponseHeaders(response);
            response.Headers[GrpcProtocol.StatusHeader] = code;
            if (status.Detail.Length > 0) response.Headers[GrpcProtocol.MessageHeader] = GrpcProtocol.EncodeMessage(status.Detail);
            foreach (var entry in ResponseTrailers) response.Headers.Append(entry.Key, entry.WireValue);
            return;
        }
        response.AppendTrailer(GrpcProtocol.StatusHeader, code);
        if (status.Detail.Length > 0) response.AppendTrailer(GrpcProtocol.MessageHeader, GrpcProtocol.EncodeMessage(status.Detail));
        foreach (var entry in ResponseTrailers) response.AppendTrailer(entry.Key, entry.WireValue);
    }
}

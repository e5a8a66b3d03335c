// One client call over HttpClient's HTTP/2: the request (one message, or a stream the app writes), the response
// (read in place from the HTTP/2 response stream), the status from the trailers, and the local deadline and
// cancellation, which reset the stream (RST_STREAM CANCEL).
using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;

namespace Numa.Grpc;

/// <summary>A call in progress, from <see cref="GrpcChannel"/>. Which members apply depends on the method type:
/// <see cref="RequestStream"/> for client-streaming and duplex calls, <see cref="ResponseStream"/> for
/// server-streaming and duplex calls, <see cref="ResponseAsync"/> for unary and client-streaming calls.
/// A call that ends with a non-OK status surfaces it as an <see cref="RpcException"/> from the member in use.
/// Dispose the call when done: disposing an unfinished call cancels it.</summary>
/// <typeparam name="TRequest">Request message type.</typeparam>
/// <typeparam name="TResponse">Response message type.</typeparam>
public sealed class GrpcClientCall<TRequest, TResponse> : IGrpcMessageSource, IGrpcRequestSink<TRequest>, IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly GrpcMethod<TRequest, TResponse> _method;
    private readonly CancellationToken _userToken;
    private readonly CancellationTokenSource _cts;             // cancels everything: user token, deadline, Dispose
    private readonly CancellationTokenSource? _deadlineTimer;
    private readonly Task<HttpResponseMessage> _send;
    private readonly TaskCompletionSource<Stream> _requestStream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _requestDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _lock = new();
    private readonly bool _singleRequest;
    private readonly TRequest _request = default!;
    private PipeWriter? _requestPipe;
    private bool _requestCompleted;
    private Task? _responseStarted;
    private HttpResponseMessage? _response;    // guarded by _lock against a concurrent cancel
    private GrpcMessageReader? _reader;
    private GrpcMetadata _responseHeaders = new();
    private GrpcMetadata _trailers = new();
    private GrpcStatus? _status;               // set once, when the call ends
    private volatile bool _deadlineExceeded;
    private bool _disposed;
    private Task<TResponse>? _responseAsync;

    internal GrpcClientCall(GrpcChannel channel, GrpcMethod<TRequest, TResponse> method, GrpcCallOptions? options,
        bool singleRequest, TRequest request)
    {
        _channel = channel;
        _method = method;
        _singleRequest = singleRequest;
        _userToken = options?.CancellationToken ?? default;
        StreamName = $"response of {method.FullName}";
        if (singleRequest)
        {
            _request = request;
            int size = method.RequestMarshaller.GetSize(request);
            if (size > channel.Options.MaxSendMessageSize)
                throw new RpcException(GrpcStatusCode.ResourceExhausted,
                    $"The request message of {method.FullName} is larger than the maximum ({size} vs. {channel.Options.MaxSendMessageSize} bytes).");
        }
        ResponseStream = new GrpcStreamReader<TResponse>(this, method.ResponseMarshaller, default);
        RequestStream = new GrpcClientStreamWriter<TRequest>(this);

        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(channel.Address, method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new GrpcRequestContent(WriteBodyAsync),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(GrpcProtocol.ContentType);
        var headers = message.Headers;
        headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        headers.TryAddWithoutValidation("user-agent", GrpcChannel.UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.AcceptedEncodings);
        _cts = CancellationTokenSource.CreateLinkedTokenSource(_userToken, channel.Closing);
        if (options?.Deadline is { } deadline)
        {
            var timeout = deadline.ToUniversalTime() - DateTime.UtcNow;
            if (timeout < GrpcProtocol.MaxTimer)
            {
                headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcProtocol.FormatTimeout(timeout));
                _deadlineTimer = new CancellationTokenSource(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero);
                _deadlineTimer.Token.UnsafeRegister(static s => ((GrpcClientCall<TRequest, TResponse>)s!).OnDeadline(), this);
            }
        }
        if (options?.Headers is { } metadata)
            foreach (var entry in metadata) headers.TryAddWithoutValidation(entry.Key, entry.WireValue);
        _cts.Token.UnsafeRegister(static s => ((GrpcClientCall<TRequest, TResponse>)s!).OnCancelled(), this);
        _send = channel.Invoker.SendAsync(message, _cts.Token);
        _send.ContinueWith(static (t, s) => ((GrpcClientCall<TRequest, TResponse>)s!)._requestStream.TrySetException(
            t.Exception?.InnerException ?? new OperationCanceledException()), this, CancellationToken.None,
            TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The request stream (client-streaming and duplex calls).</summary>
    public GrpcClientStreamWriter<TRequest> RequestStream { get; }

    /// <summary>The response stream (server-streaming and duplex calls). Its end means status OK; a non-OK status
    /// is thrown as <see cref="RpcException"/>.</summary>
    public GrpcStreamReader<TResponse> ResponseStream { get; }

    /// <summary>The one response (unary and client-streaming calls).</summary>
    /// <exception cref="RpcException">The call ended with a non-OK status, or with OK but not exactly one message (INTERNAL).</exception>
    public Task<TResponse> ResponseAsync
    {
        get
        {
            if (_method.Type is GrpcMethodType.ServerStreaming or GrpcMethodType.DuplexStreaming)
                throw new InvalidOperationException($"{_method} returns a stream; read ResponseStream.");
            lock (_lock) return _responseAsync ??= ReadSingleResponseAsync();
        }
    }

    /// <summary>The method called.</summary>
    public GrpcMethod<TRequest, TResponse> Method => _method;

    string IGrpcMessageSource.StreamName => StreamName;

    ReadOnlySequence<byte> IGrpcMessageSource.Payload => _reader!.Payload;

    long IGrpcMessageSource.Count => _reader?.Count ?? 0;

    private string StreamName { get; }

    /// <summary>The response headers' custom metadata, once they arrive.</summary>
    public async Task<GrpcMetadata> ResponseHeadersAsync()
    {
        await StartResponse().ConfigureAwait(false);
        return _responseHeaders;
    }

    /// <summary>The status, once the call has ended.</summary>
    /// <exception cref="InvalidOperationException">The call has not ended yet.</exception>
    public GrpcStatus GetStatus() => _status ?? throw new InvalidOperationException($"The call {_method.FullName} has not ended yet.");

    /// <summary>The trailing metadata, once the call has ended.</summary>
    /// <exception cref="InvalidOperationException">The call has not ended yet.</exception>
    public GrpcMetadata GetTrailers() => _status is null
        ? throw new InvalidOperationException($"The call {_method.FullName} has not ended yet.") : _trailers;

    /// <summary>Cancels the call if it has not ended, and releases it.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        if (_status is null) _cts.Cancel();
        _deadlineTimer?.Dispose();
        _response?.Dispose();
        _cts.Dispose();
    }

    // ---- request ----

    private async Task WriteBodyAsync(Stream stream, CancellationToken cancellationToken)
    {
        if (!_singleRequest)
        {
            _requestStream.TrySetResult(stream);
            await _requestDone.Task.ConfigureAwait(false); // returning ends the request stream (END_STREAM)
            return;
        }
        var pipe = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        GrpcMessageWriter.Write(pipe, _method.RequestMarshaller, _request, _channel.Options.MaxSendMessageSize, $"request of {_method.FullName}");
        await pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
        await pipe.CompleteAsync().ConfigureAwait(false);
    }

    async Task IGrpcRequestSink<TRequest>.WriteRequestAsync(TRequest message, CancellationToken cancellationToken)
    {
        if (_singleRequest) throw new InvalidOperationException($"{_method} takes one request, given when the call started.");
        if (_requestCompleted) throw new InvalidOperationException($"The request stream of {_method.FullName} has been completed.");
        ThrowIfEnded();
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(_cts.Token, cancellationToken) : null;
        var token = linked?.Token ?? _cts.Token;
        try
        {
            var stream = await _requestStream.Task.WaitAsync(token).ConfigureAwait(false);
            await _writeLock.WaitAsync(token).ConfigureAwait(false);
            try
            {
                _requestPipe ??= PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
                GrpcMessageWriter.Write(_requestPipe, _method.RequestMarshaller, message, _channel.Options.MaxSendMessageSize,
                    $"request of {_method.FullName}");
                await _requestPipe.FlushAsync(token).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        catch (RpcException ex) when (ex.StatusCode == GrpcStatusCode.ResourceExhausted && _status is null)
        {
            throw; // nothing was written; the call goes on
        }
        catch (Exception ex)
        {
            ThrowIfEnded();
            if (_deadlineExceeded || _userToken.IsCancellationRequested || _disposed || _channel.Closing.IsCancellationRequested
                || cancellationToken.IsCancellationRequested) throw Fail(ex);
            // The request stream breaks when the server has ended the call (e.g. with an error status after an earlier
            // message): that status explains the failure. A duplex caller reads it from the response stream.
            if (_method.Type == GrpcMethodType.ClientStreaming) await ResponseAsync.ConfigureAwait(false);
            ThrowIfEnded();
            // The server answered OK before reading this message: the call succeeded; the message is not sent.
            if (_status is { Code: GrpcStatusCode.OK })
                throw new InvalidOperationException($"The call {_method.FullName} has already ended with OK; the server takes no more request messages.", ex);
            throw new RpcException(GrpcStatusCode.Unavailable, $"Writing the request stream of {_method.FullName} failed: {ex.Message}", ex);
        }
    }

    async Task IGrpcRequestSink<TRequest>.CompleteRequestAsync()
    {
        if (_singleRequest || _requestCompleted) return;
        _requestCompleted = true;
        if (_requestPipe is not null && _status is null)
        {
            await _writeLock.WaitAsync(_cts.Token).ConfigureAwait(false);
            try
            {
                await _requestPipe.CompleteAsync().ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        _requestDone.TrySetResult();
    }

    // ---- response ----

    private Task StartResponse()
    {
        lock (_lock) return _responseStarted ??= ReceiveHeadersAsync();
    }

    private async Task ReceiveHeadersAsync()
    {
        HttpResponseMessage response;
        try
        {
            response = await _send.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw Fail(ex);
        }
        lock (_lock)
        {
            _response = response;
            if (_disposed) response.Dispose();
        }
        try
        {
            _responseHeaders = ToMetadata(response.Headers);
            string? statusHeader = FirstValue(response.Headers, GrpcProtocol.StatusHeader);
            // A grpc-status the server sent is the call's status whatever the HTTP status; the HTTP-to-gRPC table is
            // only for responses without one (http-grpc-status-mapping.md: "If grpc-status was provided, it must be used").
            if (response.StatusCode != HttpStatusCode.OK && statusHeader is null)
            {
                var code = GrpcProtocol.FromHttpStatus((int)response.StatusCode);
                string detail = GrpcProtocol.DecodeMessage(FirstValue(response.Headers, GrpcProtocol.MessageHeader));
                End(new GrpcStatus(code, $"HTTP status {(int)response.StatusCode} {response.ReasonPhrase}" +
                    (detail.Length > 0 ? $": {detail}" : "")), _responseHeaders);
                return;
            }
            if (statusHeader is not null) // Trailers-Only
            {
                End(ParseStatus(statusHeader, FirstValue(response.Headers, GrpcProtocol.MessageHeader)), _responseHeaders);
                return;
            }
            string? contentType = response.Content.Headers.ContentType?.MediaType;
            if (!GrpcProtocol.IsProtoContentType(contentType))
            {
                End(new GrpcStatus(GrpcStatusCode.Unknown, $"The response of {_method.FullName} has content-type '{contentType}', not application/grpc."), _responseHeaders);
                return;
            }
            var body = await response.Content.ReadAsStreamAsync(_cts.Token).ConfigureAwait(false);
            var pipe = PipeReader.Create(body, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
            _reader = new GrpcMessageReader(pipe, _channel.Options.MaxReceiveMessageSize, StreamName,
                FirstValue(response.Headers, GrpcProtocol.EncodingHeader));
        }
        catch (RpcException ex)                   // malformed metadata (bad base64 in a -bin header): the call cannot go on
        {
            throw ((IGrpcMessageSource)this).Abort(ex);
        }
        catch (Exception ex)
        {
            throw Fail(ex);
        }
    }

    async ValueTask<bool> IGrpcMessageSource.ReadAsync(CancellationToken cancellationToken)
    {
        await StartResponse().ConfigureAwait(false);
        ThrowIfEnded();
        if (_status is not null) return false;
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(_cts.Token, cancellationToken) : null;
        try
        {
            if (await _reader!.ReadAsync(linked?.Token ?? _cts.Token).ConfigureAwait(false)) return true;
        }
        catch (RpcException ex)
        {
            throw ((IGrpcMessageSource)this).Abort(ex);
        }
        catch (Exception ex)
        {
            throw Fail(ex);
        }
        var trailers = _response!.TrailingHeaders;
        string? status = FirstValue(trailers, GrpcProtocol.StatusHeader);
        GrpcMetadata metadata;
        try
        {
            metadata = ToMetadata(trailers);
        }
        catch (RpcException ex)                   // a -bin trailer that is not base64: the status cannot be trusted either
        {
            throw ((IGrpcMessageSource)this).Abort(ex);
        }
        End(status is null
            ? new GrpcStatus(GrpcStatusCode.Internal, $"The {StreamName} ended without grpc-status in its trailers.")
            : ParseStatus(status, FirstValue(trailers, GrpcProtocol.MessageHeader)), metadata);
        ThrowIfEnded();
        return false;
    }

    void IGrpcMessageSource.Consume() => _reader?.Consume();

    RpcException IGrpcMessageSource.Abort(RpcException error)
    {
        End(error.Status, _trailers, replaceOk: true);   // a stream that ended OK but broke the method's shape is not OK
        _cts.Cancel(); // reset the stream: the rest of the response is of no use
        return error;
    }

    private async Task<TResponse> ReadSingleResponseAsync()
    {
        if (!await ResponseStream.MoveNextAsync().ConfigureAwait(false))
            throw ((IGrpcMessageSource)this).Abort(new RpcException(GrpcStatusCode.Internal,
                $"The {StreamName} ended with OK but without a message; this method returns exactly one."));
        var response = ResponseStream.Current;
        if (await ResponseStream.MoveNextAsync().ConfigureAwait(false))
            throw ((IGrpcMessageSource)this).Abort(new RpcException(GrpcStatusCode.Internal,
                $"The {StreamName} holds more than one message; this method returns exactly one."));
        return response;
    }

    // ---- the end of the call ----

    private void OnDeadline()
    {
        _deadlineExceeded = true;
        try { _cts.Cancel(); }
        catch (ObjectDisposedException) { } // the call was disposed at the same moment: nothing left to cancel
    }

    private void OnCancelled()
    {
        _requestStream.TrySetCanceled();
        _requestDone.TrySetCanceled();
        HttpResponseMessage? response;
        lock (_lock) response = _response;
        response?.Dispose(); // resets the HTTP/2 stream (RST_STREAM CANCEL) if it is still open
    }

    /// <summary>Records the status (the first one wins, except that a local error found after an OK, with
    /// <paramref name="replaceOk"/>, replaces it: GetStatus must agree with what the call threw) and releases the
    /// request side.</summary>
    private void End(GrpcStatus status, GrpcMetadata trailers, bool replaceOk = false)
    {
        lock (_lock)
        {
            if (_status is { } ended && !(replaceOk && ended.Code == GrpcStatusCode.OK)) return;
            if (_status is null) _trailers = trailers;
            _status = status;
        }
        _requestDone.TrySetResult();
        _requestStream.TrySetException(new RpcException(status, trailers));
    }

    private void ThrowIfEnded()
    {
        if (_status is { } status && status.Code != GrpcStatusCode.OK) throw new RpcException(status, _trailers);
    }

    /// <summary>Maps a local failure to the status the gRPC spec gives it, ends the call with it, and resets the stream.</summary>
    private RpcException Fail(Exception ex)
    {
        if (ex is RpcException rpc) return rpc;
        GrpcStatus status;
        if (_deadlineExceeded)
            status = new GrpcStatus(GrpcStatusCode.DeadlineExceeded, $"Deadline exceeded calling {_method.FullName}.");
        else if (_userToken.IsCancellationRequested || _disposed)
            status = new GrpcStatus(GrpcStatusCode.Cancelled, $"The call {_method.FullName} was cancelled.");
        else if (_channel.Closing.IsCancellationRequested)
            status = new GrpcStatus(GrpcStatusCode.Cancelled, $"The call {_method.FullName} was cancelled: its channel was disposed.");
        else if (Find<HttpProtocolException>(ex) is { } protocol)
            status = new GrpcStatus(GrpcProtocol.FromHttp2ErrorCode(protocol.ErrorCode),
                $"The HTTP/2 stream of {_method.FullName} was reset (error code {protocol.ErrorCode}): {protocol.Message}");
        else if (ex is HttpRequestException or IOException)
            status = new GrpcStatus(GrpcStatusCode.Unavailable, $"Calling {_method.FullName} at {_channel.Address} failed: {ex.Message}");
        else if (ex is OperationCanceledException)
            status = new GrpcStatus(GrpcStatusCode.Cancelled, $"The call {_method.FullName} was cancelled.");
        else
            status = new GrpcStatus(GrpcStatusCode.Internal, $"Calling {_method.FullName} failed: {ex.GetType().Name}: {ex.Message}");
        End(status, _trailers);
        if (_status is { } ended && ended != status) status = ended; // a status that arrived first stands
        try { _cts.Cancel(); }
        catch (ObjectDisposedException) { } // already disposed: the stream is gone anyway
        return new RpcException(status, _trailers, ex);
    }

    private static T? Find<T>(Exception? ex) where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is T found) return found;
        return null;
    }

    private static GrpcStatus ParseStatus(string code, string? message)
    {
        if (!int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            return new GrpcStatus(GrpcStatusCode.Unknown, $"grpc-status '{code}' is not a number.");
        // gRPC's codes are 0..16 (doc/statuscodes.md); a client treats any other as UNKNOWN, as grpc-java and grpc-go do.
        if (value > (int)GrpcStatusCode.Unauthenticated)
            return new GrpcStatus(GrpcStatusCode.Unknown, $"grpc-status {value} is not a gRPC status code: {GrpcProtocol.DecodeMessage(message)}");
        return new GrpcStatus((GrpcStatusCode)value, GrpcProtocol.DecodeMessage(message));
    }

    private static string? FirstValue(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static GrpcMetadata ToMetadata(HttpHeaders headers)
    {
        var metadata = new GrpcMetadata();
        foreach (var (name, values) in headers.NonValidated)
            if (!GrpcMetadata.IsProtocolHeader(name)) metadata.AddReceived(name, values.ToArray());
        return metadata;
    }
}

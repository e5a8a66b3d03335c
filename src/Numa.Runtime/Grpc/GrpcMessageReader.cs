// Cuts a byte stream (an HTTP/2 request or response body) into Length-Prefixed-Messages, in place: a message is
// handed out as a slice of the pipe's own buffers and released when the caller consumes it.
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace Numa.Grpc;

/// <summary>Reads Length-Prefixed-Messages (PROTOCOL-HTTP2.md "Requests": Compressed-Flag, 4-byte big-endian
/// Message-Length, Message) from a <see cref="PipeReader"/>. DATA frame boundaries are irrelevant; a message is
/// buffered only after its prefix has been checked against the maximum size, so memory stays bounded by it.
/// Errors are <see cref="RpcException"/>s: INTERNAL for broken framing, RESOURCE_EXHAUSTED for an oversized
/// message, UNIMPLEMENTED for a compressed message (this implementation accepts identity only).</summary>
internal sealed class GrpcMessageReader : IGrpcMessageSource
{
    private readonly PipeReader _pipe;
    private readonly int _maxMessageSize;
    private readonly string _stream;     // "request of /svc/m" or "response of /svc/m", for error messages
    private readonly string? _encoding;  // the stream's grpc-encoding header, if any
    private SequencePosition _next;      // end of the handed-out message; valid while _holding
    private bool _holding;
    private RpcException? _failure;      // a framing error is final: later reads throw it again

    internal GrpcMessageReader(PipeReader pipe, int maxMessageSize, string stream, string? encoding)
    {
        _pipe = pipe;
        _maxMessageSize = maxMessageSize;
        _stream = stream;
        _encoding = encoding;
    }

    /// <summary>The current message, without its prefix; valid until <see cref="Consume"/> or the next read.</summary>
    public ReadOnlySequence<byte> Payload { get; private set; }

    /// <summary>Messages read so far (the current one included).</summary>
    public long Count { get; private set; }

    /// <inheritdoc/>
    public string StreamName => _stream;

    /// <summary>Reads the next message into <see cref="Payload"/>; false at the end of the stream.</summary>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        Consume();
        if (_failure is not null) throw _failure;
        while (true)
        {
            ReadResult result = await _pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                _pipe.AdvanceTo(buffer.Start, buffer.End);
                throw new OperationCanceledException($"Reading the {_stream} was cancelled.");
            }
            long length = ParsePrefix(buffer);
            if (length >= 0 && buffer.Length - GrpcProtocol.PrefixLength >= length)
            {
                Payload = buffer.Slice(GrpcProtocol.PrefixLength, length);
                _next = Payload.End;
                _holding = true;
                Count++;
                return true;
            }
            if (result.IsCompleted)
            {
                _pipe.AdvanceTo(buffer.End);
                if (buffer.Length == 0) return false;
                throw Fail(GrpcStatusCode.Internal, length < 0
                    ? $"The {_stream} ended inside the 5-byte prefix of message {Count + 1} ({buffer.Length} bytes of it arrived)."
                    : $"The {_stream} ended inside message {Count + 1}: {buffer.Length - GrpcProtocol.PrefixLength} of its {length} bytes arrived.");
            }
            _pipe.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Releases the current message's bytes back to the pipe.</summary>
    public void Consume()
    {
        if (!_holding) return;
        _holding = false;
        Payload = default;
        _pipe.AdvanceTo(_next);
    }

    /// <summary>The message length from the prefix at the start of <paramref name="buffer"/>, or -1 when the
    /// prefix has not fully arrived. Throws (after releasing the buffer) for a prefix this reader refuses.</summary>
    private long ParsePrefix(in ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < GrpcProtocol.PrefixLength) return -1;
        Span<byte> prefix = stackalloc byte[GrpcProtocol.PrefixLength];
        buffer.Slice(0, GrpcProtocol.PrefixLength).CopyTo(prefix);
        byte flag = prefix[0];
        uint length = BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]);
        RpcException? error = null;
        if (flag > 1)
            error = Fail(GrpcStatusCode.Internal, $"Message {Count + 1} of the {_stream} has Compressed-Flag {flag}; only 0 and 1 are defined.");
        else if (flag == 1 && (_encoding is null || _encoding == "identity"))
            error = Fail(GrpcStatusCode.Internal, $"Message {Count + 1} of the {_stream} has Compressed-Flag 1 but the stream declares no grpc-encoding.");
        else if (flag == 1)
            error = Fail(GrpcStatusCode.Unimplemented, $"Message {Count + 1} of the {_stream} is compressed with '{_encoding}'; only identity is supported (grpc-accept-encoding: identity).");
        else if (length > (uint)_maxMessageSize)
            error = Fail(GrpcStatusCode.ResourceExhausted, $"Message {Count + 1} of the {_stream} is larger than the maximum ({length} vs. {_maxMessageSize} bytes).");
        if (error is null) return length;
        _pipe.AdvanceTo(buffer.Start, buffer.End);
        throw error;
    }

    /// <summary>The server's handler sees the exception and ends the call with its status.</summary>
    public RpcException Abort(RpcException error) => error;

    private RpcException Fail(GrpcStatusCode code, string detail) => _failure = new RpcException(code, detail);
}

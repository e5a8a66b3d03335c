// Reads the Arrow IPC streaming format, from memory (batches view the bytes in place) or from a System.IO.Stream
// (each message is read into its own buffer, which the batch then views).
namespace Numa.Arrow;

/// <summary>
/// Reads an Arrow IPC stream (Arrow Columnar Format, "IPC Streaming Format"): a Schema message, then RecordBatch
/// messages, ended by the end-of-stream marker or by the end of the input. Each message is
/// <c>0xFFFFFFFF, int32 metadata_size (a multiple of 8), Message FlatBuffer, body</c>; the pre-0.15 form without the
/// 0xFFFFFFFF marker is accepted too. Input is untrusted: limits come from <see cref="ArrowReadOptions"/>, and any
/// fault raises <see cref="ArrowFormatException"/> with the byte offset of the message. Dictionary batches are
/// rejected. Not thread-safe.
/// </summary>
public sealed class ArrowStreamReader : IDisposable
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly Stream? _stream;
    private readonly bool _leaveOpen;
    private readonly ArrowReadOptions _options;
    private readonly byte[] _prefix = new byte[8];
    private long _position;
    private bool _ended;

    /// <summary>Reads a whole stream held in memory; batches view <paramref name="stream"/> without copying.</summary>
    /// <exception cref="ArrowFormatException">The schema message is missing or invalid.</exception>
    public ArrowStreamReader(ReadOnlyMemory<byte> stream, ArrowReadOptions? options = null)
    {
        _memory = stream;
        _options = options ?? ArrowReadOptions.Default;
        Schema = ReadSchemaMessage();
    }

    /// <summary>Reads from <paramref name="stream"/>, message by message.</summary>
    /// <exception cref="ArrowFormatException">The schema message is missing or invalid.</exception>
    public ArrowStreamReader(Stream stream, ArrowReadOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _options = options ?? ArrowReadOptions.Default;
        try
        {
            Schema = ReadSchemaMessage();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The schema, from the stream's first message.</summary>
    public ArrowSchema Schema { get; }

    /// <summary>The next record batch, or null at the end of the stream.</summary>
    /// <exception cref="ArrowFormatException">The next message is malformed, truncated, over a limit, or not a
    /// RecordBatch.</exception>
    public ArrowRecordBatch? ReadNextBatch()
    {
        long at = _position;
        if (!NextMessage(out var metadata, out var body)) return null;
        try
        {
            var r = ArrowMessageDecoder.Reader(metadata.Span, _options);
            var (type, table, _) = ArrowMetadata.ReadMessage(r, _options);
            if (type != ArrowMessageType.RecordBatch)
                throw new ArrowFormatException($"it is a {type}; only RecordBatch messages may follow the schema{(type == ArrowMessageType.DictionaryBatch ? " (dictionaries are not supported)" : "")}.");
            return BatchBodyDecoder.Decode(Schema, r, table, body);
        }
        catch (ArrowFormatException e)
        {
            throw Located(e, at);
        }
    }

    /// <summary>Every remaining batch.</summary>
    public IEnumerable<ArrowRecordBatch> ReadAll()
    {
        while (ReadNextBatch() is { } batch) yield return batch;
    }

    /// <summary>Disposes the stream unless it was opened with leaveOpen.</summary>
    public void Dispose()
    {
        if (_stream is not null && !_leaveOpen) _stream.Dispose();
    }

    private ArrowSchema ReadSchemaMessage()
    {
        if (!NextMessage(out var metadata, out _))
            throw new ArrowFormatException("Arrow stream: it ends before its schema message.", 0);
        try
        {
            var r = ArrowMessageDecoder.Reader(metadata.Span, _options);
            var (type, table, _) = ArrowMetadata.ReadMessage(r, _options);
            if (type != ArrowMessageType.Schema) throw new ArrowFormatException($"the first message is a {type}, not a Schema.");
            return ArrowMetadata.ReadSchema(r, table, _options);
        }
        catch (ArrowFormatException e)
        {
            throw Located(e, 0);
        }
    }

    // Names the message (by its stream offset) in an error raised while decoding it.
    private static ArrowFormatException Located(ArrowFormatException e, long at) =>
        new($"Arrow stream, message at byte {at}: {e.Message}", at);

    /// <summary>The next message's metadata and body; false at the end-of-stream marker or the end of input.</summary>
    private bool NextMessage(out ReadOnlyMemory<byte> metadata, out ReadOnlyMemory<byte> body)
    {
        metadata = body = default;
        if (_ended) return false;
        long at = _position;
        int length;
        if (_stream is null)
        {
            if (_position == _memory.Length) { _ended = true; return false; }
            int prefix = ArrowMessageDecoder.ReadPrefix(_memory.Span, _position, _options, out length);
            _position += prefix;
            if (length == 0) { _ended = true; return false; }
            CheckPadded(length, at);
            metadata = _memory.Slice((int)_position, length);
            _position += length;
        }
        else
        {
            int got = ReadAtMost(_prefix.AsSpan(0, 4));
            if (got == 0) { _ended = true; return false; }
            if (got < 4) throw new ArrowFormatException($"Arrow stream: truncated message prefix at byte {at}.", at);
            int prefixLength = 4;
            if (BitConverter.ToInt32(_prefix, 0) == -1)
            {
                if (ReadAtMost(_prefix.AsSpan(4, 4)) < 4) throw new ArrowFormatException($"Arrow stream: truncated message prefix at byte {at}.", at);
                prefixLength = 8;
            }
            length = BitConverter.ToInt32(_prefix, prefixLength - 4);
            _position += prefixLength;
            if (length == 0) { _ended = true; return false; }
            if (length < 0 || length > _options.MaxMetadataLength)
                throw new ArrowFormatException($"Arrow stream: message at byte {at} declares {length} metadata bytes (limit {_options.MaxMetadataLength}).", at);
            CheckPadded(length, at);
            metadata = ReadExactly(length, at, "metadata");
        }
        long bodyLength;
        try
        {
            bodyLength = ArrowMetadata.ReadMessage(ArrowMessageDecoder.Reader(metadata.Span, _options), _options).BodyLength;
        }
        catch (ArrowFormatException e)
        {
            throw Located(e, at);
        }
        if (_stream is null)
        {
            if (bodyLength > _memory.Length - _position)
                throw new ArrowFormatException($"Arrow stream: message at byte {at} declares a {bodyLength}-byte body; only {_memory.Length - _position} bytes remain.", at);
            body = _memory.Slice((int)_position, (int)bodyLength);
            _position += bodyLength;
        }
        else
        {
            body = ReadExactly((int)bodyLength, at, "body");
        }
        return true;
    }

    private static void CheckPadded(int length, long at)
    {
        if ((length & 7) != 0)
            throw new ArrowFormatException($"Arrow stream: message at byte {at} has metadata_size {length}, not a multiple of 8.", at);
    }

    private int ReadAtMost(Span<byte> destination)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int n = _stream!.Read(destination[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    // Grows the buffer as bytes arrive, so a header that lies about a huge length costs memory only for bytes sent.
    private byte[] ReadExactly(int length, long at, string what)
    {
        var buffer = new byte[Math.Min(length, 1 << 20)];
        int filled = 0;
        while (filled < length)
        {
            if (filled == buffer.Length) Array.Resize(ref buffer, (int)Math.Min(length, buffer.Length * 2L));
            int n = _stream!.Read(buffer, filled, buffer.Length - filled);
            if (n == 0) throw new ArrowFormatException($"Arrow stream: message at byte {at} is truncated: its {what} needs {length} bytes, {filled} arrived.", at);
            filled += n;
        }
        _position += length;
        return buffer;
    }
}

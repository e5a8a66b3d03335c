// Writes the Arrow IPC streaming format to a System.IO.Stream: the schema message, record batch messages, and the
// end-of-stream marker.
namespace Numa.Arrow;

/// <summary>
/// Writes an Arrow IPC stream (Arrow Columnar Format, "IPC Streaming Format"): each message is
/// <c>0xFFFFFFFF, int32 metadata_size, Message FlatBuffer, padding to 8, body</c>; <see cref="Finish"/> writes the
/// end-of-stream marker <c>0xFFFFFFFF 0x00000000</c>. Column buffers go from the batch's memory straight to the
/// stream. <see cref="Dispose"/> does NOT write the marker: a stream abandoned after an error stays visibly
/// incomplete. Not thread-safe.
/// </summary>
public class ArrowStreamWriter : IDisposable
{
    private static readonly byte[] s_endOfStream = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly ArrowMessageEncoder _encoder = new();
    private byte[] _scratch = new byte[1024];
    private bool _schemaWritten;
    private bool _finished;

    /// <summary>A writer of <paramref name="schema"/> batches to <paramref name="stream"/>; nothing is written
    /// before the first batch, <see cref="WriteSchema"/> or <see cref="Finish"/>.</summary>
    public ArrowStreamWriter(Stream stream, ArrowSchema schema, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(schema);
        _stream = stream;
        Schema = schema;
        _leaveOpen = leaveOpen;
    }

    /// <summary>The schema every batch must follow.</summary>
    public ArrowSchema Schema { get; }

    /// <summary>Bytes written so far.</summary>
    public long Position { get; private set; }

    /// <summary>Writes the schema message now (otherwise it goes out before the first batch or at Finish).</summary>
    public void WriteSchema()
    {
        ThrowIfFinished();
        if (_schemaWritten) return;
        OnStart();
        WriteMessage(_encoder.EncodeSchema(Schema));
        _schemaWritten = true;
    }

    /// <summary>Writes one record batch message.</summary>
    /// <exception cref="ArgumentException">The batch's schema has other fields or types than the writer's.</exception>
    public void WriteRecordBatch(ArrowRecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        CheckSchema(batch.Schema);
        WriteSchema();
        long offset = Position;
        var header = _encoder.EncodeRecordBatch(batch);
        int metadata = WriteMessage(header);
        _encoder.WriteBody(_stream);
        Position += _encoder.BodyLength;
        OnRecordBatch(offset, metadata, _encoder.BodyLength);
    }

    /// <summary>Writes the schema if not yet written, then the end-of-stream marker, and flushes.</summary>
    public void Finish()
    {
        ThrowIfFinished();
        WriteSchema();
        WriteRaw(s_endOfStream);
        OnFinish();
        _finished = true;
        _stream.Flush();
    }

    /// <summary>Disposes the stream unless leaveOpen; does not write the end-of-stream marker.</summary>
    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
        GC.SuppressFinalize(this);
    }

    private protected virtual void OnStart() { }

    private protected virtual void OnRecordBatch(long offset, int metadataLength, long bodyLength) { }

    private protected virtual void OnFinish() { }

    private protected void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        Position += bytes.Length;
    }

    /// <summary>Writes prefix, metadata and padding in one call; returns the bytes written (Block.metaDataLength).</summary>
    private int WriteMessage(ReadOnlySpan<byte> header)
    {
        int total = ArrowMessageEncoder.PrefixedLength(header.Length);
        if (_scratch.Length < total) _scratch = new byte[Math.Max(total, _scratch.Length * 2)];
        var span = _scratch.AsSpan(0, total);
        ArrowMessageEncoder.WritePrefix(span, header.Length);
        header.CopyTo(span[8..]);
        WriteRaw(span);
        return total;
    }

    private void CheckSchema(ArrowSchema other)
    {
        if (ReferenceEquals(other, Schema)) return;
        if (other.Fields.Count != Schema.Fields.Count)
            throw new ArgumentException($"The batch has {other.Fields.Count} fields; the stream's schema has {Schema.Fields.Count}.", nameof(other));
        for (int i = 0; i < other.Fields.Count; i++)
        {
            if (!other.Fields[i].Type.Equals(Schema.Fields[i].Type) || other.Fields[i].Nullable != Schema.Fields[i].Nullable)
                throw new ArgumentException($"The batch's field {i} is {other.Fields[i]}; the stream's schema has {Schema.Fields[i]}.", nameof(other));
        }
    }

    private void ThrowIfFinished()
    {
        if (_finished) throw new InvalidOperationException("The Arrow stream is already finished.");
    }
}

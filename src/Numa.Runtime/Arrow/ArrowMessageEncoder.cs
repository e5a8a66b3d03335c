// Encodes Schema and RecordBatch messages one at a time, as Arrow Flight sends them (FlightData.data_header = the
// Message FlatBuffer, FlightData.data_body = the body) and as the stream and file writers frame them. The body is
// never assembled in memory: WriteBody copies each column buffer once, straight to the destination.
using System.Buffers;
using System.Buffers.Binary;
using Numa.Arrow.FlatBuffers;

namespace Numa.Arrow;

/// <summary>
/// A reusable encoder of encapsulated Arrow IPC messages (Arrow Columnar Format, "Encapsulated message format" and
/// "Serialization and Interprocess Communication"; Message.fbs, Schema.fbs). Buffers are laid out in the body in
/// pre-order, each starting 8-byte aligned, with zero padding; empty validity bitmaps are written as length-0 buffers
/// when a column has no nulls. The spans it returns stay valid until the next Encode call. Not thread-safe.
/// </summary>
public sealed class ArrowMessageEncoder
{
    private static readonly byte[] s_zeros = new byte[8];
    private static readonly byte[] s_emptyOffsets = new byte[4];

    private readonly FlatBufferBuilder _builder = new();
    private (long Length, long NullCount)[] _nodes = new (long, long)[16];
    private ReadOnlyMemory<byte>[] _buffers = new ReadOnlyMemory<byte>[32];
    private long[] _bufferOffsets = new long[32];
    private int _nodeCount;
    private int _bufferCount;

    /// <summary>The body length of the last message encoded (0 after a schema), a multiple of 8.</summary>
    public long BodyLength { get; private set; }

    /// <summary>The Message FlatBuffer of a Schema message (body length 0).</summary>
    public ReadOnlySpan<byte> EncodeSchema(ArrowSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        _builder.Clear();
        _nodeCount = _bufferCount = 0;
        BodyLength = 0;
        int table = ArrowMetadata.WriteSchema(_builder, schema);
        ArrowMetadata.FinishMessage(_builder, ArrowMessageType.Schema, table, 0);
        return _builder.WrittenSpan;
    }

    /// <summary>The Message FlatBuffer of a RecordBatch message; then write <see cref="BodyLength"/> body bytes
    /// with one of the WriteBody methods. The batch's memory must stay unchanged until the body is written.</summary>
    public ReadOnlySpan<byte> EncodeRecordBatch(ArrowRecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        _builder.Clear();
        _nodeCount = _bufferCount = 0;
        long cursor = 0;
        foreach (var column in batch.Columns) Collect(column, ref cursor);
        if (cursor > int.MaxValue) throw new InvalidOperationException($"A record batch body of {cursor} bytes exceeds the 2 GiB limit of one message.");
        BodyLength = cursor;

        var b = _builder;
        b.StartVector(16, _bufferCount, 8);
        for (int i = _bufferCount - 1; i >= 0; i--) { b.PutInt64(_buffers[i].Length); b.PutInt64(_bufferOffsets[i]); }
        int buffers = b.EndVector(_bufferCount);
        b.StartVector(16, _nodeCount, 8);
        for (int i = _nodeCount - 1; i >= 0; i--) { b.PutInt64(_nodes[i].NullCount); b.PutInt64(_nodes[i].Length); }
        int nodes = b.EndVector(_nodeCount);
        b.StartTable(3);
        b.AddField(ArrowMetadata.BatchLength, (long)batch.Length);
        b.AddOffsetField(ArrowMetadata.BatchNodes, nodes);
        b.AddOffsetField(ArrowMetadata.BatchBuffers, buffers);
        int table = b.EndTable();
        ArrowMetadata.FinishMessage(b, ArrowMessageType.RecordBatch, table, cursor);
        return b.WrittenSpan;
    }

    /// <summary>An encapsulated Schema message: 0xFFFFFFFF, int32 padded length, the FlatBuffer, zero padding to 8
    /// (the form of Flight's <c>SchemaResult.schema</c> and <c>FlightInfo.schema</c>).</summary>
    public byte[] EncodeEncapsulatedSchema(ArrowSchema schema)
    {
        var header = EncodeSchema(schema);
        var bytes = new byte[PrefixedLength(header.Length)];
        WritePrefix(bytes, header.Length);
        header.CopyTo(bytes.AsSpan(8));
        return bytes;
    }

    /// <summary>Writes the last record batch's body into <paramref name="destination"/> (≥ <see cref="BodyLength"/> bytes).</summary>
    public void WriteBody(Span<byte> destination)
    {
        if (destination.Length < BodyLength) throw new ArgumentException($"The destination has {destination.Length} bytes; the body needs {BodyLength}.", nameof(destination));
        destination = destination[..(int)BodyLength];
        int at = 0;
        for (int i = 0; i < _bufferCount; i++)
        {
            int start = (int)_bufferOffsets[i];
            destination[at..start].Clear();
            _buffers[i].Span.CopyTo(destination[start..]);
            at = start + _buffers[i].Length;
        }
        destination[at..].Clear();
    }

    /// <summary>Writes the last record batch's body to <paramref name="destination"/>, buffer by buffer.</summary>
    public void WriteBody(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        long at = 0;
        for (int i = 0; i < _bufferCount; i++)
        {
            destination.Write(s_zeros, 0, (int)(_bufferOffsets[i] - at));
            destination.Write(_buffers[i].Span);
            at = _bufferOffsets[i] + _buffers[i].Length;
        }
        destination.Write(s_zeros, 0, (int)(BodyLength - at));
    }

    /// <summary>Writes the last record batch's body to <paramref name="destination"/> (e.g. a PipeWriter).</summary>
    public void WriteBody(IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        long at = 0;
        for (int i = 0; i < _bufferCount; i++)
        {
            destination.Write(s_zeros.AsSpan(0, (int)(_bufferOffsets[i] - at)));
            destination.Write(_buffers[i].Span);
            at = _bufferOffsets[i] + _buffers[i].Length;
        }
        destination.Write(s_zeros.AsSpan(0, (int)(BodyLength - at)));
    }

    /// <summary>Bytes of an encapsulated message's prefix, metadata and padding: 8 + the metadata padded to 8.</summary>
    public static int PrefixedLength(int metadataLength) => 8 + Pad8(metadataLength);

    /// <summary>Writes the 8-byte prefix: 0xFFFFFFFF and the metadata length padded to 8 (which the Arrow format's
    /// metadata_size includes); clears the padding bytes after the metadata when <paramref name="destination"/>
    /// holds them.</summary>
    internal static void WritePrefix(Span<byte> destination, int metadataLength)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, -1);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], Pad8(metadataLength));
        int end = 8 + Pad8(metadataLength);
        if (destination.Length >= end) destination[(8 + metadataLength)..end].Clear();
    }

    internal static int Pad8(int length) => (length + 7) & ~7;

    private void Collect(ArrowArray array, ref long cursor)
    {
        if (_nodeCount == _nodes.Length) Array.Resize(ref _nodes, _nodes.Length * 2);
        _nodes[_nodeCount++] = (array.Length, array.NullCount);
        int n = array.Length;
        AddBuffer(array.NullCount == 0 ? default : array.Validity[..ArrowBitmap.ByteCount(n)], ref cursor);
        var type = array.Type;
        switch (type.Id)
        {
            case ArrowTypeId.Bool:
                AddBuffer(array.Data[..ArrowBitmap.ByteCount(n)], ref cursor);
                break;
            case ArrowTypeId.Utf8 or ArrowTypeId.Binary:
            {
                var offsets = OffsetsOf(array);
                AddBuffer(offsets, ref cursor);
                AddBuffer(array.Data[..BinaryPrimitives.ReadInt32LittleEndian(offsets.Span[(n * 4)..])], ref cursor);
                break;
            }
            case ArrowTypeId.List:
                AddBuffer(OffsetsOf(array), ref cursor);
                Collect(array.Values!, ref cursor);
                break;
            case ArrowTypeId.FixedSizeList:
                Collect(array.Values!, ref cursor);
                break;
            default:
                AddBuffer(array.Data[..(n * type.ByteWidth)], ref cursor);
                break;
        }
    }

    // A zero-length array may come without offsets; readers expect one offset (0), so write one.
    private static ReadOnlyMemory<byte> OffsetsOf(ArrowArray array) =>
        array.Offsets.IsEmpty ? s_emptyOffsets : array.Offsets[..((array.Length + 1) * 4)];

    private void AddBuffer(ReadOnlyMemory<byte> buffer, ref long cursor)
    {
        if (_bufferCount == _buffers.Length)
        {
            Array.Resize(ref _buffers, _buffers.Length * 2);
            Array.Resize(ref _bufferOffsets, _bufferOffsets.Length * 2);
        }
        _buffers[_bufferCount] = buffer;
        _bufferOffsets[_bufferCount++] = cursor;
        cursor += (buffer.Length + 7) & ~7L;
    }
}

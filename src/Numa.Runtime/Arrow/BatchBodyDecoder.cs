// Turns a RecordBatch header and its body into arrays that view the body in place, after checking every field
// node and buffer against the schema: counts, lengths, null counts, buffer bounds and alignment, offsets, UTF-8.
// Layouts: Arrow Columnar Format, "Physical Memory Layout" and "Serialization and Interprocess Communication".
using System.Runtime.InteropServices;
using System.Text.Unicode;
using Numa.Arrow.FlatBuffers;

namespace Numa.Arrow;

internal ref struct BatchBodyDecoder
{
    private const int StructSize = 16;

    private readonly FlatBufferReader _reader;
    private readonly FlatBufferVector _nodes;
    private readonly FlatBufferVector _buffers;
    private readonly ReadOnlyMemory<byte> _body;
    private int _node;
    private int _buffer;

    private BatchBodyDecoder(FlatBufferReader reader, FlatBufferVector nodes, FlatBufferVector buffers, ReadOnlyMemory<byte> body)
    {
        _reader = reader;
        _nodes = nodes;
        _buffers = buffers;
        _body = body;
    }

    public static ArrowRecordBatch Decode(ArrowSchema schema, in FlatBufferReader r, in FlatBufferTable batch, ReadOnlyMemory<byte> body)
    {
        long length = r.GetInt64(batch, ArrowMetadata.BatchLength, 0, "length");
        if (length is < 0 or > int.MaxValue) throw new ArrowFormatException($"RecordBatch: length {length} is out of range.");
        if (r.GetTable(batch, ArrowMetadata.BatchCompression, "compression") is { } compression)
        {
            byte codec = r.GetByte(compression, 0, 0, "codec");
            throw new ArrowFormatException($"RecordBatch: the body is compressed ({ArrowMetadata.CompressionName(codec)}); compressed bodies are not supported.");
        }
        if (r.GetVector(batch, ArrowMetadata.BatchVariadicCounts, 8, 8, "variadicBufferCounts").Count != 0)
            throw new ArrowFormatException("RecordBatch: variadicBufferCounts are present, but no view type is supported.");
        var decoder = new BatchBodyDecoder(r,
            r.GetVector(batch, ArrowMetadata.BatchNodes, StructSize, 8, "nodes"),
            r.GetVector(batch, ArrowMetadata.BatchBuffers, StructSize, 8, "buffers"),
            body);
        var columns = new ArrowArray[schema.Fields.Count];
        for (int i = 0; i < columns.Length; i++)
        {
            var field = schema.Fields[i];
            columns[i] = decoder.Array(field, field.Name);
            // Only top-level columns: apache-arrow writes nulls into a non-nullable list item under a null list slot.
            if (!field.Nullable && columns[i].NullCount != 0)
                throw new ArrowFormatException($"RecordBatch: column '{field.Name}' is not nullable but has null_count {columns[i].NullCount}.");
            if (columns[i].Length != length)
                throw new ArrowFormatException($"RecordBatch: column '{field.Name}' has {columns[i].Length} rows; the batch has {length}.");
        }
        if (decoder._node != decoder._nodes.Count)
            throw new ArrowFormatException($"RecordBatch: {decoder._nodes.Count} field nodes, but the schema describes {decoder._node}.");
        if (decoder._buffer != decoder._buffers.Count)
            throw new ArrowFormatException($"RecordBatch: {decoder._buffers.Count} buffers, but the schema describes {decoder._buffer}.");
        return new ArrowRecordBatch(schema, (int)length, columns, trusted: true);
    }

    private ArrowArray Array(ArrowField field, string path)
    {
        if (_node >= _nodes.Count)
            throw new ArrowFormatException($"RecordBatch: only {_nodes.Count} field nodes; column '{path}' needs another.");
        long length = _reader.Int64At(_nodes, _node, 0);
        long nullCount = _reader.Int64At(_nodes, _node, 8);
        _node++;
        if (length is < 0 or > int.MaxValue) throw new ArrowFormatException($"RecordBatch: column '{path}' has length {length}.");
        if (nullCount < 0 || nullCount > length)
            throw new ArrowFormatException($"RecordBatch: column '{path}' has null_count {nullCount} for {length} slots.");
        int n = (int)length;
        var validity = Buffer(path, "validity");
        if (nullCount != 0)
        {
            if (validity.Length < ArrowBitmap.ByteCount(n))
                throw new ArrowFormatException($"RecordBatch: column '{path}' has {nullCount} nulls but its validity bitmap has {validity.Length} bytes; {ArrowBitmap.ByteCount(n)} are needed.");
            int valid = ArrowBitmap.CountSet(validity.Span, n);
            if (n - valid != nullCount)
                throw new ArrowFormatException($"RecordBatch: column '{path}' declares null_count {nullCount} but its validity bitmap marks {n - valid} nulls.");
        }
        var type = field.Type;
        switch (type.Id)
        {
            case ArrowTypeId.Bool:
            {
                var data = Buffer(path, "data");
                Need(data, ArrowBitmap.ByteCount(n), path, "data");
                return new ArrowArray(type, n, (int)nullCount, validity, default, data, null);
            }
            case ArrowTypeId.Utf8 or ArrowTypeId.Binary:
            {
                var offsets = Buffer(path, "offsets");
                var data = Buffer(path, "data");
                offsets = Offsets(offsets, n, data.Length, path, "data bytes");
                if (type.Id == ArrowTypeId.Utf8) CheckUtf8(offsets, data, validity, (int)nullCount, path);
                return new ArrowArray(type, n, (int)nullCount, validity, offsets, data, null);
            }
            case ArrowTypeId.List:
            {
                var offsets = Buffer(path, "offsets");
                var values = Array(type.ValueField!, path + "." + type.ValueField!.Name);
                offsets = Offsets(offsets, n, values.Length, path, "child values");
                return new ArrowArray(type, n, (int)nullCount, validity, offsets, default, values);
            }
            case ArrowTypeId.FixedSizeList:
            {
                var values = Array(type.ValueField!, path + "." + type.ValueField!.Name);
                long needed = length * type.ListSize;
                if (values.Length < needed)
                    throw new ArrowFormatException($"RecordBatch: column '{path}' has {n} lists of {type.ListSize} but its child holds {values.Length} values; {needed} are needed.");
                return new ArrowArray(type, n, (int)nullCount, validity, default, default, values);
            }
            default:
            {
                var data = Buffer(path, "data");
                Need(data, length * type.ByteWidth, path, "data");
                return new ArrowArray(type, n, (int)nullCount, validity, default, data, null);
            }
        }
    }

    /// <summary>The next buffer, checked to lie inside the body and, when not empty, to start 8-byte aligned.</summary>
    private ReadOnlyMemory<byte> Buffer(string path, string role)
    {
        if (_buffer >= _buffers.Count)
            throw new ArrowFormatException($"RecordBatch: only {_buffers.Count} buffers; column '{path}' needs its {role} buffer.");
        long offset = _reader.Int64At(_buffers, _buffer, 0);
        long length = _reader.Int64At(_buffers, _buffer, 8);
        int index = _buffer++;
        if (offset < 0 || length < 0 || offset > _body.Length - length)
            throw new ArrowFormatException($"RecordBatch: column '{path}' {role} buffer (buffer {index}) at body offset {offset}, length {length}, lies outside the {_body.Length}-byte body.", offset);
        if (length != 0 && (offset & 7) != 0)
            throw new ArrowFormatException($"RecordBatch: column '{path}' {role} buffer (buffer {index}) at body offset {offset} is not 8-byte aligned.", offset);
        return _body.Slice((int)offset, (int)length);
    }

    private static void Need(ReadOnlyMemory<byte> buffer, long bytes, string path, string role)
    {
        if (buffer.Length < bytes)
            throw new ArrowFormatException($"RecordBatch: column '{path}' {role} buffer has {buffer.Length} bytes; {bytes} are needed.");
    }

    /// <summary>Checks n + 1 offsets: the first ≥ 0, non-decreasing, the last within <paramref name="limit"/>.
    /// Returns the offsets buffer trimmed to n + 1 entries (empty when n is 0 and none were written).</summary>
    private static ReadOnlyMemory<byte> Offsets(ReadOnlyMemory<byte> buffer, int n, int limit, string path, string what)
    {
        if (n == 0 && buffer.IsEmpty) return buffer;
        long bytes = ((long)n + 1) * 4;
        Need(buffer, bytes, path, "offsets");
        buffer = buffer[..(int)bytes];
        var offsets = MemoryMarshal.Cast<byte, int>(buffer.Span);
        if (offsets[0] < 0) throw new ArrowFormatException($"RecordBatch: column '{path}' offset 0 is {offsets[0]}.");
        for (int i = 1; i < offsets.Length; i++)
        {
            if (offsets[i] < offsets[i - 1])
                throw new ArrowFormatException($"RecordBatch: column '{path}' offset {i} ({offsets[i]}) is below offset {i - 1} ({offsets[i - 1]}).");
        }
        if (offsets[n] > limit)
            throw new ArrowFormatException($"RecordBatch: column '{path}' last offset {offsets[n]} is past the {limit} {what}.");
        return buffer;
    }

    /// <summary>Every non-null Utf8 value must be valid UTF-8.</summary>
    private static void CheckUtf8(ReadOnlyMemory<byte> offsetBuffer, ReadOnlyMemory<byte> data, ReadOnlyMemory<byte> validity, int nullCount, string path)
    {
        var offsets = MemoryMarshal.Cast<byte, int>(offsetBuffer.Span);
        if (offsets.Length == 0) return;
        var bytes = data.Span;
        if (nullCount == 0)
        {
            // One pass over all the bytes, then each boundary must start a character (not a continuation byte).
            if (Utf8.IsValid(bytes[offsets[0]..offsets[^1]]))
            {
                for (int i = 1; i < offsets.Length - 1; i++)
                    if (offsets[i] < offsets[^1] && (bytes[offsets[i]] & 0xC0) == 0x80) { BadUtf8(path, i); }
                return;
            }
        }
        var bits = validity.Span;
        for (int i = 0; i < offsets.Length - 1; i++)
        {
            if (nullCount != 0 && !ArrowBitmap.Get(bits, i)) continue;
            if (!Utf8.IsValid(bytes[offsets[i]..offsets[i + 1]])) BadUtf8(path, i);
        }
    }

    private static void BadUtf8(string path, int index) =>
        throw new ArrowFormatException($"RecordBatch: column '{path}' value {index} is not valid UTF-8.");
}

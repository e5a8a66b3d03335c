// Writes Thrift compact-protocol structs into a growable buffer: what the Parquet footer and page headers are made of.
using System.Buffers;
using System.Text;

namespace Numa.Storage.Parquet.Thrift;

/// <summary>
/// A Thrift compact-protocol encoder (apache/thrift doc/specs/thrift-compact-protocol.md). Integers are
/// zigzag then ULEB128; a field header is <c>(delta &lt;&lt; 4) | type</c> when the id grows by 1..15 and
/// otherwise the type byte followed by the zigzag i16 id; a list header is <c>(size &lt;&lt; 4) | type</c>
/// below 15 elements, else <c>0xF0 | type</c> and a varint size; nested structs restart the id delta.
/// Written by hand because no Thrift package restores here (shared ENVIRONMENT.md).
/// </summary>
internal sealed class CompactWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;
    // The last field id of each open struct; the top is the struct being written.
    private readonly Stack<short> _lastIds = new();
    private short _lastId;

    public CompactWriter(int initialCapacity = 256) => _buffer = new ArrayBufferWriter<byte>(initialCapacity);

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    /// <summary>Forgets everything written, keeping the buffer.</summary>
    public void Reset()
    {
        _buffer.ResetWrittenCount();
        _lastIds.Clear();
        _lastId = 0;
    }

    /// <summary>Opens a nested struct value (the caller has written its field header or list header).</summary>
    public void BeginStruct()
    {
        _lastIds.Push(_lastId);
        _lastId = 0;
    }

    /// <summary>Writes the stop byte and returns to the enclosing struct.</summary>
    public void EndStruct()
    {
        WriteByte((byte)CompactType.Stop);
        _lastId = _lastIds.Count > 0 ? _lastIds.Pop() : (short)0;
    }

    public void FieldI32(short id, int value)
    {
        FieldHeader(id, CompactType.I32);
        WriteVarint(ZigZag(value));
    }

    public void FieldI64(short id, long value)
    {
        FieldHeader(id, CompactType.I64);
        WriteVarint(ZigZag(value));
    }

    public void FieldI16(short id, short value)
    {
        FieldHeader(id, CompactType.I16);
        WriteVarint(ZigZag(value));
    }

    public void FieldI8(short id, sbyte value)
    {
        FieldHeader(id, CompactType.I8);
        WriteByte((byte)value);
    }

    public void FieldBool(short id, bool value) => FieldHeader(id, value ? CompactType.BooleanTrue : CompactType.BooleanFalse);

    public void FieldBinary(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(id, CompactType.Binary);
        Binary(value);
    }

    public void FieldString(short id, string value)
    {
        FieldHeader(id, CompactType.Binary);
        String(value);
    }

    /// <summary>Writes the header of a struct-valued field and opens the struct.</summary>
    public void FieldStructBegin(short id)
    {
        FieldHeader(id, CompactType.Struct);
        BeginStruct();
    }

    /// <summary>Writes the header of a list-valued field; the caller then writes <paramref name="count"/> elements.</summary>
    public void FieldListBegin(short id, CompactType elementType, int count)
    {
        FieldHeader(id, CompactType.List);
        ListHeader(elementType, count);
    }

    /// <summary>A list element of type i32 (also used for enums).</summary>
    public void I32(int value) => WriteVarint(ZigZag(value));

    /// <summary>A list element of type i64.</summary>
    public void I64(long value) => WriteVarint(ZigZag(value));

    /// <summary>A list element of type binary: varint length, then the bytes.</summary>
    public void Binary(ReadOnlySpan<byte> value)
    {
        WriteVarint((uint)value.Length);
        value.CopyTo(_buffer.GetSpan(value.Length));
        _buffer.Advance(value.Length);
    }

    /// <summary>A list element of type string (UTF-8 binary).</summary>
    public void String(string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        WriteVarint((uint)length);
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(length));
        _buffer.Advance(length);
    }

    private void ListHeader(CompactType elementType, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count < 15)
        {
            WriteByte((byte)((count << 4) | (int)elementType));
        }
        else
        {
            WriteByte((byte)(0xF0 | (int)elementType));
            WriteVarint((uint)count);
        }
    }

    private void FieldHeader(short id, CompactType type)
    {
        int delta = id - _lastId;
        if (delta is > 0 and <= 15)
        {
            WriteByte((byte)((delta << 4) | (int)type));
        }
        else
        {
            WriteByte((byte)type);
            WriteVarint(ZigZag(id));
        }
        _lastId = id;
    }

    private void WriteByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    private void WriteVarint(ulong value)
    {
        Span<byte> span = _buffer.GetSpan(10);
        int n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        _buffer.Advance(n);
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static uint ZigZag(int value) => (uint)((value << 1) ^ (value >> 31));
}

// Reads Thrift compact-protocol structs from untrusted bytes: every length, count and nesting level is
// checked against what is left before anything is allocated.
using System.Text;

namespace Numa.Storage.Parquet.Thrift;

/// <summary>
/// A bounds-checked Thrift compact-protocol decoder (apache/thrift doc/specs/thrift-compact-protocol.md)
/// over a span that starts at absolute offset <c>baseOffset</c> of a file. A binary's length and a list's
/// element count may not exceed the bytes left (every element takes at least one byte); varints are at most
/// 10 bytes and must fit their type; structs nest at most <see cref="MaxDepth"/> deep. Any violation throws
/// <see cref="CompactProtocolException"/> with the absolute offset.
/// </summary>
internal ref struct CompactReader
{
    /// <summary>Deepest struct/list nesting accepted; Parquet's own structs nest 5 deep at most.</summary>
    public const int MaxDepth = 32;

    private readonly ReadOnlySpan<byte> _data;
    private readonly long _baseOffset;
    private int _position;
    private int _depth;
    private short _lastId;
    // Field-id bases of the enclosing structs (the protocol restarts the delta in each nested struct).
    private readonly Span<short> _lastIds;

    public CompactReader(ReadOnlySpan<byte> data, long baseOffset, Span<short> idStack)
    {
        _data = data;
        _baseOffset = baseOffset;
        _lastIds = idStack.Length >= MaxDepth ? idStack : throw new ArgumentException("need MaxDepth slots", nameof(idStack));
    }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => _position;

    /// <summary>Absolute file offset of the next byte.</summary>
    public readonly long Offset => _baseOffset + _position;

    public void BeginStruct()
    {
        if (_depth >= MaxDepth) throw Error($"structs nest deeper than {MaxDepth}");
        _lastIds[_depth++] = _lastId;
        _lastId = 0;
    }

    public void EndStruct() => _lastId = _lastIds[--_depth];

    /// <summary>Reads a field header; returns false at the struct's stop byte.</summary>
    public bool ReadFieldHeader(out short id, out CompactType type)
    {
        byte b = ReadByte();
        type = (CompactType)(b & 0x0F);
        if (type == CompactType.Stop)
        {
            id = 0;
            return false;
        }
        if (type > CompactType.Struct) throw Error($"unknown field type {(int)type}", -1);
        int delta = b >> 4;
        if (delta == 0) id = ReadI16();
        else if (_lastId + delta > short.MaxValue) throw Error($"field id {_lastId + delta} out of range", -1);
        else id = (short)(_lastId + delta);
        _lastId = id;
        return true;
    }

    public bool ReadBool(CompactType fieldType) => fieldType switch
    {
        CompactType.BooleanTrue => true,
        CompactType.BooleanFalse => false,
        _ => throw Error($"expected a bool field, found type {fieldType}"),
    };

    public sbyte ReadI8() => (sbyte)ReadByte();

    public short ReadI16()
    {
        long v = ReadZigZag(3);
        if (v is < short.MinValue or > short.MaxValue) throw Error($"i16 value {v} out of range");
        return (short)v;
    }

    public int ReadI32()
    {
        long v = ReadZigZag(5);
        if (v is < int.MinValue or > int.MaxValue) throw Error($"i32 value {v} out of range");
        return (int)v;
    }

    public long ReadI64() => ReadZigZag(10);

    /// <summary>Reads a binary's length and returns its bytes (a slice of the input, not a copy).</summary>
    public ReadOnlySpan<byte> ReadBinary()
    {
        long start = Offset;
        ulong length = ReadVarint(5);
        if (length > (ulong)(_data.Length - _position))
            throw new CompactProtocolException(start, $"binary of {length} bytes runs past the end ({_data.Length - _position} bytes left)");
        ReadOnlySpan<byte> value = _data.Slice(_position, (int)length);
        _position += (int)length;
        return value;
    }

    public string ReadString()
    {
        long start = Offset;
        ReadOnlySpan<byte> bytes = ReadBinary();
        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new CompactProtocolException(start, "string is not valid UTF-8");
        }
    }

    /// <summary>Reads a list header: the element type and a count no larger than the bytes left.</summary>
    public int ReadListHeader(out CompactType elementType)
    {
        long start = Offset;
        byte b = ReadByte();
        elementType = (CompactType)(b & 0x0F);
        if (elementType is CompactType.Stop or > CompactType.Struct)
            throw new CompactProtocolException(start, $"unknown list element type {(int)elementType}");
        ulong count = (ulong)(b >> 4);
        if (count == 15) count = ReadVarint(5);
        if (count > (ulong)(_data.Length - _position))
            throw new CompactProtocolException(start, $"list of {count} elements cannot fit in the {_data.Length - _position} bytes left");
        return (int)count;
    }

    /// <summary>Skips a value of <paramref name="type"/> (fields this reader does not use).</summary>
    public void Skip(CompactType type)
    {
        switch (type)
        {
            case CompactType.BooleanTrue or CompactType.BooleanFalse:
                break;
            case CompactType.I8:
                ReadByte();
                break;
            case CompactType.I16 or CompactType.I32 or CompactType.I64:
                ReadVarint(10);
                break;
            case CompactType.Double:
                Take(8);
                break;
            case CompactType.Binary:
                ReadBinary();
                break;
            case CompactType.List or CompactType.Set:
            {
                int count = ReadListHeader(out CompactType element);
                Nest();
                for (int i = 0; i < count; i++)
                {
                    // Inside a collection a bool is one byte, not folded into a header.
                    if (element is CompactType.BooleanTrue or CompactType.BooleanFalse) ReadByte();
                    else Skip(element);
                }
                Unnest();
                break;
            }
            case CompactType.Map:
            {
                long start = Offset;
                ulong count = ReadVarint(5);
                if (count == 0) break;
                byte kv = ReadByte();
                if (count > (ulong)(_data.Length - _position))
                    throw new CompactProtocolException(start, $"map of {count} entries cannot fit in the bytes left");
                var keyType = (CompactType)(kv >> 4);
                var valueType = (CompactType)(kv & 0x0F);
                Nest();
                for (ulong i = 0; i < count; i++)
                {
                    SkipElement(keyType);
                    SkipElement(valueType);
                }
                Unnest();
                break;
            }
            case CompactType.Struct:
                BeginStruct();
                while (ReadFieldHeader(out _, out CompactType fieldType)) Skip(fieldType);
                EndStruct();
                break;
            default:
                throw Error($"cannot skip a value of type {(int)type}");
        }
    }

    private void SkipElement(CompactType type)
    {
        if (type is CompactType.BooleanTrue or CompactType.BooleanFalse) ReadByte();
        else Skip(type);
    }

    private void Nest()
    {
        if (++_depth > MaxDepth) throw Error($"values nest deeper than {MaxDepth}");
    }

    private void Unnest() => _depth--;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (_data.Length - _position < count) throw Error($"needs {count} bytes, {_data.Length - _position} left");
        ReadOnlySpan<byte> s = _data.Slice(_position, count);
        _position += count;
        return s;
    }

    private byte ReadByte()
    {
        if (_position >= _data.Length) throw Error("unexpected end of the struct");
        return _data[_position++];
    }

    private long ReadZigZag(int maxBytes)
    {
        ulong u = ReadVarint(maxBytes);
        return (long)(u >> 1) ^ -(long)(u & 1);
    }

    private ulong ReadVarint(int maxBytes)
    {
        long start = Offset;
        ulong result = 0;
        for (int i = 0; i < maxBytes; i++)
        {
            byte b = ReadByte();
            result |= (ulong)(b & 0x7F) << (7 * i);
            if (b < 0x80) return result;
        }
        throw new CompactProtocolException(start, $"varint longer than {maxBytes} bytes");
    }

    private readonly CompactProtocolException Error(string problem, int back = 0) => new(Offset + back, problem);

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}

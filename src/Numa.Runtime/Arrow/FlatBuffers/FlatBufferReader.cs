// Reads FlatBuffers from untrusted bytes, checking every offset before it is followed: tables, vtables, fields,
// strings and vectors must lie inside the buffer and be aligned, as the reference Verifier requires
// (flatbuffers.dev "FlatBuffers internals"; include/flatbuffers/verifier.h). Written here because no FlatBuffers
// package restores (../shared/ENVIRONMENT.md). Every failure is an ArrowFormatException naming the table and field.
using System.Buffers.Binary;
using System.Text;

namespace Numa.Arrow.FlatBuffers;

/// <summary>
/// A validating reader over one FlatBuffer. Nothing is read before its bounds are checked; the reader never
/// allocates except for strings it returns. <c>what</c> (e.g. "Message") prefixes error messages.
/// </summary>
internal readonly ref struct FlatBufferReader
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _buffer;
    private readonly string _what;

    public FlatBufferReader(ReadOnlySpan<byte> buffer, string what)
    {
        _buffer = buffer;
        _what = what;
    }

    public int Length => _buffer.Length;

    /// <summary>The root table: the uoffset at byte 0.</summary>
    public FlatBufferTable Root(string name)
    {
        if (_buffer.Length < 8) throw Error($"is {_buffer.Length} bytes, too short for a root table", 0);
        long position = BinaryPrimitives.ReadUInt32LittleEndian(_buffer);
        return Table(position, name);
    }

    private FlatBufferTable Table(long position, string name)
    {
        if (position < 0 || position > _buffer.Length - 4)
            throw Error($"table {name} at byte {position} lies outside the {_buffer.Length}-byte buffer", position);
        if ((position & 3) != 0) throw Error($"table {name} at byte {position} is not 4-byte aligned", position);
        int at = (int)position;
        long vtable = at - (long)BinaryPrimitives.ReadInt32LittleEndian(_buffer[at..]);
        if (vtable < 0 || vtable > _buffer.Length - 4)
            throw Error($"vtable of table {name} at byte {vtable} lies outside the buffer", at);
        if ((vtable & 1) != 0) throw Error($"vtable of table {name} at byte {vtable} is not 2-byte aligned", vtable);
        int vt = (int)vtable;
        int vtableSize = BinaryPrimitives.ReadUInt16LittleEndian(_buffer[vt..]);
        int inlineSize = BinaryPrimitives.ReadUInt16LittleEndian(_buffer[(vt + 2)..]);
        if (vtableSize < 4 || (vtableSize & 1) != 0 || vt + vtableSize > _buffer.Length)
            throw Error($"vtable of table {name} declares {vtableSize} bytes at byte {vt}, which do not fit", vt);
        if (inlineSize < 4 || at + inlineSize > _buffer.Length)
            throw Error($"table {name} declares {inlineSize} inline bytes at byte {at}, which do not fit", at);
        return new FlatBufferTable(at, vt, vtableSize, inlineSize, name);
    }

    /// <summary>The absolute position of slot <paramref name="slot"/>'s inline value, or -1 when absent.</summary>
    private int Field(in FlatBufferTable table, int slot, int size, string field)
    {
        int entry = 4 + 2 * slot;
        if (entry + 2 > table.VTableSize) return -1;
        int offset = BinaryPrimitives.ReadUInt16LittleEndian(_buffer[(table.VTable + entry)..]);
        if (offset == 0) return -1;
        if (offset < 4 || offset + size > table.InlineSize)
            throw Error($"field {table.Name}.{field} at table offset {offset} extends past the table's {table.InlineSize} inline bytes", table.Position);
        int at = table.Position + offset;
        if ((at & (size - 1)) != 0) throw Error($"field {table.Name}.{field} at byte {at} is not {size}-byte aligned", at);
        return at;
    }

    public bool Has(in FlatBufferTable table, int slot, string field) => Field(table, slot, 1, field) >= 0;

    public byte GetByte(in FlatBufferTable table, int slot, byte defaultValue, string field)
    {
        int at = Field(table, slot, 1, field);
        return at < 0 ? defaultValue : _buffer[at];
    }

    public bool GetBool(in FlatBufferTable table, int slot, bool defaultValue, string field)
    {
        int at = Field(table, slot, 1, field);
        return at < 0 ? defaultValue : _buffer[at] != 0;
    }

    public short GetInt16(in FlatBufferTable table, int slot, short defaultValue, string field)
    {
        int at = Field(table, slot, 2, field);
        return at < 0 ? defaultValue : BinaryPrimitives.ReadInt16LittleEndian(_buffer[at..]);
    }

    public int GetInt32(in FlatBufferTable table, int slot, int defaultValue, string field)
    {
        int at = Field(table, slot, 4, field);
        return at < 0 ? defaultValue : BinaryPrimitives.ReadInt32LittleEndian(_buffer[at..]);
    }

    public long GetInt64(in FlatBufferTable table, int slot, long defaultValue, string field)
    {
        int at = Field(table, slot, 8, field);
        return at < 0 ? defaultValue : BinaryPrimitives.ReadInt64LittleEndian(_buffer[at..]);
    }

    /// <summary>Follows the uoffset stored at absolute position <paramref name="at"/>.</summary>
    private long Follow(int at) => at + (long)BinaryPrimitives.ReadUInt32LittleEndian(_buffer[at..]);

    public FlatBufferTable? GetTable(in FlatBufferTable table, int slot, string field)
    {
        int at = Field(table, slot, 4, field);
        return at < 0 ? null : Table(Follow(at), $"{table.Name}.{field}");
    }

    public string? GetString(in FlatBufferTable table, int slot, string field)
    {
        int at = Field(table, slot, 4, field);
        return at < 0 ? null : StringAt(Follow(at), $"{table.Name}.{field}");
    }

    private string StringAt(long position, string name)
    {
        if (position < 0 || position > _buffer.Length - 4 || (position & 3) != 0)
            throw Error($"string {name} at byte {position} lies outside the buffer or is misaligned", position);
        int at = (int)position;
        long length = BinaryPrimitives.ReadUInt32LittleEndian(_buffer[at..]);
        // The bytes and the terminating zero the format requires.
        if (length + 1 > _buffer.Length - at - 4)
            throw Error($"string {name} at byte {at} declares {length} bytes, past the end of the buffer", at);
        if (_buffer[at + 4 + (int)length] != 0)
            throw Error($"string {name} at byte {at} lacks its terminating zero", at);
        try
        {
            return s_strictUtf8.GetString(_buffer.Slice(at + 4, (int)length));
        }
        catch (DecoderFallbackException)
        {
            throw Error($"string {name} at byte {at} is not valid UTF-8", at);
        }
    }

    /// <summary>A vector whose elements are <paramref name="elementSize"/> bytes, aligned to
    /// <paramref name="alignment"/>; an absent vector is returned empty.</summary>
    public FlatBufferVector GetVector(in FlatBufferTable table, int slot, int elementSize, int alignment, string field)
    {
        string name = $"{table.Name}.{field}";
        int at = Field(table, slot, 4, field);
        if (at < 0) return new FlatBufferVector(0, 0, elementSize, name);
        long position = Follow(at);
        if (position > _buffer.Length - 4 || (position & 3) != 0)
            throw Error($"vector {name} at byte {position} lies outside the buffer or is misaligned", position);
        int p = (int)position;
        long count = BinaryPrimitives.ReadUInt32LittleEndian(_buffer[p..]);
        int start = p + 4;
        if (count * elementSize > _buffer.Length - start)
            throw Error($"vector {name} at byte {p} declares {count} elements of {elementSize} bytes, past the end of the buffer", p);
        if (count > 0 && (start & (alignment - 1)) != 0)
            throw Error($"vector {name} elements at byte {start} are not {alignment}-byte aligned", start);
        return new FlatBufferVector(start, (int)count, elementSize, name);
    }

    /// <summary>Element <paramref name="index"/> of a vector of tables.</summary>
    public FlatBufferTable TableAt(in FlatBufferVector vector, int index) =>
        Table(Follow(ElementAt(vector, index, 4)), $"{vector.Name}[{index}]");

    /// <summary>Element <paramref name="index"/> of a vector of strings.</summary>
    public string StringAt(in FlatBufferVector vector, int index) =>
        StringAt(Follow(ElementAt(vector, index, 4)), $"{vector.Name}[{index}]");

    /// <summary>A little-endian int64 at byte <paramref name="offset"/> of struct element <paramref name="index"/>.</summary>
    public long Int64At(in FlatBufferVector vector, int index, int offset) =>
        BinaryPrimitives.ReadInt64LittleEndian(_buffer[(ElementAt(vector, index, vector.ElementSize) + offset)..]);

    /// <summary>A little-endian int32 at byte <paramref name="offset"/> of struct element <paramref name="index"/>.</summary>
    public int Int32At(in FlatBufferVector vector, int index, int offset) =>
        BinaryPrimitives.ReadInt32LittleEndian(_buffer[(ElementAt(vector, index, vector.ElementSize) + offset)..]);

    private int ElementAt(in FlatBufferVector vector, int index, int size)
    {
        if ((uint)index >= (uint)vector.Count || size != vector.ElementSize)
            throw new ArgumentOutOfRangeException(nameof(index));
        return vector.Start + index * size;
    }

    private ArrowFormatException Error(string message, long offset) =>
        new($"{_what} FlatBuffer: {message}.", offset);
}

// Builds FlatBuffers back to front, the way the FlatBuffers wire format expects: children are written before the
// tables that point at them, so every uoffset points forward. Written here because no FlatBuffers package restores
// (../shared/ENVIRONMENT.md); it covers what Arrow's Schema.fbs, Message.fbs and File.fbs need: scalars, strings,
// vectors of scalars, structs and offsets, and tables with vtables. Format: flatbuffers.dev "FlatBuffers internals".
using System.Buffers.Binary;
using System.Text;

namespace Numa.Arrow.FlatBuffers;

/// <summary>
/// A reusable back-to-front FlatBuffer builder. Offsets it hands out count bytes from the END of the buffer, as in
/// the reference builders, and stay valid while the buffer grows. Not thread-safe; <see cref="Clear"/> reuses it.
/// </summary>
internal sealed class FlatBufferBuilder
{
    private byte[] _buffer;
    // Data occupies _buffer[_space..]; _space shrinks as bytes are prepended.
    private int _space;
    // The largest alignment any written scalar needed; Finish pads the whole buffer to it.
    private int _minAlign = 1;
    // Per slot of the table under construction: the end-relative offset of its value, 0 when absent.
    private int[] _fields = new int[16];
    private int _fieldCount = -1;
    private int _tableStart;

    public FlatBufferBuilder(int initialCapacity = 1024)
    {
        _buffer = new byte[Math.Max(initialCapacity, 64)];
        _space = _buffer.Length;
    }

    /// <summary>Bytes written so far; also the end-relative offset of the most recently written byte.</summary>
    public int Offset => _buffer.Length - _space;

    /// <summary>The finished buffer (after <see cref="Finish"/>); valid until the next write or <see cref="Clear"/>.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(_space);

    public void Clear()
    {
        _space = _buffer.Length;
        _minAlign = 1;
        _fieldCount = -1;
    }

    /// <summary>Pads so that after <paramref name="additional"/> more bytes the next <paramref name="size"/>-byte
    /// scalar lands aligned to <paramref name="size"/> (alignment is measured from the end of the buffer).</summary>
    public void Prep(int size, int additional)
    {
        if (size > _minAlign) _minAlign = size;
        int pad = -(Offset + additional) & (size - 1);
        Ensure(pad + size + additional);
        for (int i = 0; i < pad; i++) _buffer[--_space] = 0;
    }

    private void Ensure(int bytes)
    {
        if (_space >= bytes) return;
        int used = Offset;
        int size = _buffer.Length;
        while (size - used < bytes) size = checked(size * 2);
        var grown = new byte[size];
        _buffer.AsSpan(_space).CopyTo(grown.AsSpan(size - used));
        _buffer = grown;
        _space = size - used;
    }

    public void PutByte(byte value) => _buffer[--_space] = value;

    public void PutInt16(short value)
    {
        _space -= 2;
        BinaryPrimitives.WriteInt16LittleEndian(_buffer.AsSpan(_space), value);
    }

    public void PutInt32(int value)
    {
        _space -= 4;
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_space), value);
    }

    public void PutInt64(long value)
    {
        _space -= 8;
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_space), value);
    }

    public void AddByte(byte value) { Prep(1, 0); PutByte(value); }
    public void AddInt16(short value) { Prep(2, 0); PutInt16(value); }
    public void AddInt32(int value) { Prep(4, 0); PutInt32(value); }
    public void AddInt64(long value) { Prep(8, 0); PutInt64(value); }

    /// <summary>Writes a uoffset to <paramref name="target"/>, an end-relative offset written earlier.</summary>
    public void AddOffset(int target)
    {
        Prep(4, 0);
        if (target > Offset) throw new InvalidOperationException("FlatBuffer offsets must point at data written earlier.");
        PutInt32(Offset - target + 4);
    }

    /// <summary>A string: uint32 length, UTF-8 bytes, a terminating zero. Returns its offset.</summary>
    public int CreateString(string value)
    {
        NotInTable();
        int length = Encoding.UTF8.GetByteCount(value);
        Prep(4, length + 1);
        PutByte(0);
        Ensure(length);
        _space -= length;
        Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_space, length));
        PutInt32(length);
        return Offset;
    }

    /// <summary>Starts a vector of <paramref name="count"/> elements of <paramref name="elementSize"/> bytes; put
    /// them LAST FIRST with the Put methods, then call <see cref="EndVector"/>.</summary>
    public void StartVector(int elementSize, int count, int alignment)
    {
        NotInTable();
        int bytes = checked(elementSize * count);
        Prep(4, bytes);
        Prep(alignment, bytes);
        Ensure(bytes);
    }

    public int EndVector(int count)
    {
        PutInt32(count);
        return Offset;
    }

    /// <summary>A vector of uoffsets to tables or strings written earlier.</summary>
    public int CreateOffsetVector(ReadOnlySpan<int> targets)
    {
        StartVector(4, targets.Length, 4);
        for (int i = targets.Length - 1; i >= 0; i--) AddOffset(targets[i]);
        return EndVector(targets.Length);
    }

    public void StartTable(int slots)
    {
        NotInTable();
        if (_fields.Length < slots) _fields = new int[slots];
        _fields.AsSpan(0, slots).Clear();
        _fieldCount = slots;
        _tableStart = Offset;
    }

    public void AddField(int slot, byte value) { AddByte(value); _fields[slot] = Offset; }
    public void AddField(int slot, bool value) { AddByte(value ? (byte)1 : (byte)0); _fields[slot] = Offset; }
    public void AddField(int slot, short value) { AddInt16(value); _fields[slot] = Offset; }
    public void AddField(int slot, int value) { AddInt32(value); _fields[slot] = Offset; }
    public void AddField(int slot, long value) { AddInt64(value); _fields[slot] = Offset; }
    public void AddOffsetField(int slot, int target) { AddOffset(target); _fields[slot] = Offset; }

    /// <summary>Writes the table's soffset and its vtable (slot offsets relative to the table start, trailing
    /// absent slots dropped). Returns the table's offset.</summary>
    public int EndTable()
    {
        if (_fieldCount < 0) throw new InvalidOperationException("EndTable without StartTable.");
        AddInt32(0); // the soffset to the vtable, patched below
        int table = Offset;
        int count = _fieldCount;
        while (count > 0 && _fields[count - 1] == 0) count--;
        Ensure((count + 2) * 2);
        for (int i = count - 1; i >= 0; i--)
            PutInt16((short)(_fields[i] == 0 ? 0 : table - _fields[i]));
        PutInt16((short)(table - _tableStart));
        PutInt16((short)((count + 2) * 2));
        int vtable = Offset;
        // soffset = table position - vtable position; the vtable sits just before the table.
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_buffer.Length - table), vtable - table);
        _fieldCount = -1;
        return table;
    }

    /// <summary>Writes the root uoffset, padding the whole buffer to the largest alignment used.</summary>
    public void Finish(int root)
    {
        NotInTable();
        Prep(_minAlign, 4);
        AddOffset(root);
    }

    private void NotInTable()
    {
        if (_fieldCount >= 0) throw new InvalidOperationException("FlatBuffer objects cannot be nested inside a table under construction.");
    }
}

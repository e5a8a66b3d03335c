// One column of a record batch: its type, length, null count and buffers (validity, offsets, data) plus the child
// array of a list. Decoded arrays are views over the message body (no copy); built arrays wrap the caller's memory.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Numa.Arrow;

/// <summary>
/// An Arrow array (Columnar Format, "Physical Memory Layout"). Buffers by type:
/// fixed-width (Int32, Int64, UInt64, Float32, Float64, Timestamp): <see cref="Validity"/>, <see cref="Data"/> with
/// <see cref="Length"/> × <see cref="ArrowType.ByteWidth"/> bytes; Bool: <see cref="Data"/> is a bitmap;
/// Utf8/Binary: <see cref="Offsets"/> (Length + 1 int32) and <see cref="Data"/> (the bytes);
/// List: <see cref="Offsets"/> into <see cref="Values"/>; FixedSizeList: <see cref="Values"/> holds
/// <see cref="ArrowType.ListSize"/> values per slot. An empty <see cref="Validity"/> means no nulls.
/// Immutable; safe to read from several threads while the memory behind it stays alive.
/// </summary>
public sealed class ArrowArray
{
    internal ArrowArray(ArrowType type, int length, int nullCount, ReadOnlyMemory<byte> validity,
        ReadOnlyMemory<byte> offsets, ReadOnlyMemory<byte> data, ArrowArray? values)
    {
        Type = type;
        Length = length;
        NullCount = nullCount;
        Validity = nullCount == 0 ? ReadOnlyMemory<byte>.Empty : validity;
        Offsets = offsets;
        Data = data;
        Values = values;
    }

    /// <summary>The array's type.</summary>
    public ArrowType Type { get; }

    /// <summary>Number of slots.</summary>
    public int Length { get; }

    /// <summary>Number of null slots.</summary>
    public int NullCount { get; }

    /// <summary>The validity bitmap (1 = valid); empty when <see cref="NullCount"/> is 0.</summary>
    public ReadOnlyMemory<byte> Validity { get; }

    /// <summary>Int32 offsets of Utf8, Binary and List arrays (Length + 1 of them, or none when Length is 0).</summary>
    public ReadOnlyMemory<byte> Offsets { get; }

    /// <summary>Values of fixed-width arrays, the bitmap of Bool arrays, the bytes of Utf8 and Binary arrays.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The child array of a List or FixedSizeList.</summary>
    public ArrowArray? Values { get; }

    /// <summary>Whether slot <paramref name="index"/> is null.</summary>
    public bool IsNull(int index)
    {
        CheckIndex(index);
        return NullCount != 0 && !ArrowBitmap.Get(Validity.Span, index);
    }

    /// <summary>Whether slot <paramref name="index"/> holds a value.</summary>
    public bool IsValid(int index) => !IsNull(index);

    /// <summary>The values of a fixed-width array, viewed in place.</summary>
    /// <exception cref="InvalidOperationException">The type is not fixed-width or <typeparamref name="T"/> has another size.</exception>
    public ReadOnlySpan<T> GetValues<T>() where T : unmanaged
    {
        if (Type.ByteWidth == 0 || Type.ByteWidth != Unsafe.SizeOf<T>())
            throw new InvalidOperationException($"A {Type} array has no values of {typeof(T).Name}.");
        return MemoryMarshal.Cast<byte, T>(Data.Span)[..Length];
    }

    /// <summary>Slot <paramref name="index"/> of a Bool array (false for a null slot).</summary>
    public bool GetBool(int index)
    {
        Require(ArrowTypeId.Bool);
        CheckIndex(index);
        return ArrowBitmap.Get(Data.Span, index);
    }

    /// <summary>The int32 offsets of a Utf8, Binary or List array.</summary>
    public ReadOnlySpan<int> GetOffsets()
    {
        if (Type.Id is not (ArrowTypeId.Utf8 or ArrowTypeId.Binary or ArrowTypeId.List))
            throw new InvalidOperationException($"A {Type} array has no offsets.");
        return MemoryMarshal.Cast<byte, int>(Offsets.Span);
    }

    /// <summary>The bytes of slot <paramref name="index"/> of a Utf8 or Binary array (empty for a null slot).</summary>
    public ReadOnlySpan<byte> GetBytes(int index)
    {
        if (Type.Id is not (ArrowTypeId.Utf8 or ArrowTypeId.Binary))
            throw new InvalidOperationException($"A {Type} array has no byte values.");
        CheckIndex(index);
        var offsets = MemoryMarshal.Cast<byte, int>(Offsets.Span);
        return Data.Span[offsets[index]..offsets[index + 1]];
    }

    /// <summary>Slot <paramref name="index"/> of a Utf8 array, or null for a null slot.</summary>
    public string? GetString(int index)
    {
        Require(ArrowTypeId.Utf8);
        return IsNull(index) ? null : Encoding.UTF8.GetString(GetBytes(index));
    }

    /// <summary>Where slot <paramref name="index"/> of a List or FixedSizeList lies in <see cref="Values"/>.</summary>
    public (int Start, int Length) GetListRange(int index)
    {
        CheckIndex(index);
        if (Type.Id == ArrowTypeId.FixedSizeList) return (index * Type.ListSize, Type.ListSize);
        Require(ArrowTypeId.List);
        var offsets = MemoryMarshal.Cast<byte, int>(Offsets.Span);
        return (offsets[index], offsets[index + 1] - offsets[index]);
    }

    /// <summary>The values of slot <paramref name="index"/> of a list of a fixed-width type, viewed in place
    /// (e.g. one 128-d vector of a <c>FixedSizeList&lt;Float32&gt;[128]</c>).</summary>
    public ReadOnlySpan<T> GetListValues<T>(int index) where T : unmanaged
    {
        var (start, length) = GetListRange(index);
        return Values!.GetValues<T>().Slice(start, length);
    }

    // ---- building arrays to write ------------------------------------------------------------------------------

    /// <summary>An Int32 array over <paramref name="values"/> (not copied).</summary>
    /// <param name="values">The values; null slots may hold anything.</param>
    /// <param name="validity">A bitmap of ⌈n/8⌉ bytes, 1 = valid (see <see cref="ArrowBitmap.Pack"/>); default: no nulls.</param>
    public static ArrowArray Int32(ReadOnlyMemory<int> values, ReadOnlyMemory<byte> validity = default) =>
        Fixed(ArrowType.Int32, ByteMemory<int>.Wrap(values), values.Length, validity);

    /// <summary>An Int64 array over <paramref name="values"/> (not copied).</summary>
    public static ArrowArray Int64(ReadOnlyMemory<long> values, ReadOnlyMemory<byte> validity = default) =>
        Fixed(ArrowType.Int64, ByteMemory<long>.Wrap(values), values.Length, validity);

    /// <summary>A UInt64 array over <paramref name="values"/> (not copied).</summary>
    public static ArrowArray UInt64(ReadOnlyMemory<ulong> values, ReadOnlyMemory<byte> validity = default) =>
        Fixed(ArrowType.UInt64, ByteMemory<ulong>.Wrap(values), values.Length, validity);

    /// <summary>A Float32 array over <paramref name="values"/> (not copied).</summary>
    public static ArrowArray Float32(ReadOnlyMemory<float> values, ReadOnlyMemory<byte> validity = default) =>
        Fixed(ArrowType.Float32, ByteMemory<float>.Wrap(values), values.Length, validity);

    /// <summary>A Float64 array over <paramref name="values"/> (not copied).</summary>
    public static ArrowArray Float64(ReadOnlyMemory<double> values, ReadOnlyMemory<byte> validity = default) =>
        Fixed(ArrowType.Float64, ByteMemory<double>.Wrap(values), values.Length, validity);

    /// <summary>A Timestamp array over <paramref name="values"/> (counts of the type's unit; not copied).</summary>
    public static ArrowArray Timestamp(ArrowType type, ReadOnlyMemory<long> values, ReadOnlyMemory<byte> validity = default)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type.Id != ArrowTypeId.Timestamp) throw new ArgumentException($"{type} is not a Timestamp type.", nameof(type));
        return Fixed(type, ByteMemory<long>.Wrap(values), values.Length, validity);
    }

    /// <summary>A Bool array, packing <paramref name="values"/> into a bitmap.</summary>
    public static ArrowArray Bool(ReadOnlySpan<bool> values, ReadOnlyMemory<byte> validity = default)
    {
        int nullCount = NullCountOf(validity, values.Length);
        return new ArrowArray(ArrowType.Bool, values.Length, nullCount, validity, default, ArrowBitmap.Pack(values), null);
    }

    /// <summary>A Utf8 array (copies the strings into one UTF-8 buffer); null entries are null slots.</summary>
    public static ArrowArray Utf8(ReadOnlySpan<string?> values)
    {
        int total = 0;
        foreach (var s in values) if (s is not null) total = checked(total + Encoding.UTF8.GetByteCount(s));
        var data = new byte[total];
        var offsets = new int[values.Length + 1];
        var valid = new bool[values.Length];
        int at = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] is { } s) { at += Encoding.UTF8.GetBytes(s, data.AsSpan(at)); valid[i] = true; }
            offsets[i + 1] = at;
        }
        return VariableWithNulls(ArrowType.Utf8, offsets, data, valid);
    }

    /// <summary>A Binary array (copies the values into one buffer); null entries are null slots.</summary>
    public static ArrowArray Binary(ReadOnlySpan<byte[]?> values)
    {
        int total = 0;
        foreach (var b in values) if (b is not null) total = checked(total + b.Length);
        var data = new byte[total];
        var offsets = new int[values.Length + 1];
        var valid = new bool[values.Length];
        int at = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] is { } b) { b.CopyTo(data, at); at += b.Length; valid[i] = true; }
            offsets[i + 1] = at;
        }
        return VariableWithNulls(ArrowType.Binary, offsets, data, valid);
    }

    /// <summary>A Utf8 or Binary array over existing buffers (not copied).</summary>
    /// <param name="type"><see cref="ArrowType.Utf8"/> or <see cref="ArrowType.Binary"/>.</param>
    /// <param name="offsets">Length + 1 non-decreasing int32 offsets into <paramref name="data"/>, from ≥ 0.</param>
    /// <param name="data">The bytes the offsets index.</param>
    /// <param name="validity">A validity bitmap, or default for no nulls.</param>
    /// <exception cref="ArgumentException">The offsets are not non-decreasing or point past <paramref name="data"/>.</exception>
    public static ArrowArray Variable(ArrowType type, ReadOnlyMemory<int> offsets, ReadOnlyMemory<byte> data, ReadOnlyMemory<byte> validity = default)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type.Id is not (ArrowTypeId.Utf8 or ArrowTypeId.Binary)) throw new ArgumentException($"{type} is not Utf8 or Binary.", nameof(type));
        int length = LengthFromOffsets(offsets.Span, data.Length, "data bytes");
        return new ArrowArray(type, length, NullCountOf(validity, length), validity, ByteMemory<int>.Wrap(offsets), data, null);
    }

    /// <summary>A FixedSizeList array of <paramref name="length"/> slots over <paramref name="values"/>, which must
    /// hold at least length × listSize values of the item type.</summary>
    public static ArrowArray FixedSizeList(ArrowType type, int length, ArrowArray values, ReadOnlyMemory<byte> validity = default)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (type.Id != ArrowTypeId.FixedSizeList) throw new ArgumentException($"{type} is not a FixedSizeList type.", nameof(type));
        CheckChild(type, values);
        if ((long)length * type.ListSize > values.Length)
            throw new ArgumentException($"{length} slots of {type.ListSize} need {(long)length * type.ListSize} values; the child has {values.Length}.", nameof(values));
        return new ArrowArray(type, length, NullCountOf(validity, length), validity, default, default, values);
    }

    /// <summary>A List array: slot i is values[offsets[i]..offsets[i+1]].</summary>
    public static ArrowArray List(ArrowType type, ReadOnlyMemory<int> offsets, ArrowArray values, ReadOnlyMemory<byte> validity = default)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(values);
        if (type.Id != ArrowTypeId.List) throw new ArgumentException($"{type} is not a List type.", nameof(type));
        CheckChild(type, values);
        int length = LengthFromOffsets(offsets.Span, values.Length, "child values");
        return new ArrowArray(type, length, NullCountOf(validity, length), validity, ByteMemory<int>.Wrap(offsets), default, values);
    }

    private static ArrowArray Fixed(ArrowType type, ReadOnlyMemory<byte> data, int length, ReadOnlyMemory<byte> validity) =>
        new(type, length, NullCountOf(validity, length), validity, default, data, null);

    private static ArrowArray VariableWithNulls(ArrowType type, int[] offsets, byte[] data, bool[] valid)
    {
        int length = valid.Length;
        ReadOnlyMemory<byte> validity = Array.IndexOf(valid, false) >= 0 ? ArrowBitmap.Pack(valid) : default;
        return new ArrowArray(type, length, NullCountOf(validity, length), validity, ByteMemory<int>.Wrap(offsets), data, null);
    }

    private static int NullCountOf(ReadOnlyMemory<byte> validity, int length)
    {
        if (validity.IsEmpty) return 0;
        if (validity.Length < ArrowBitmap.ByteCount(length))
            throw new ArgumentException($"The validity bitmap has {validity.Length} bytes; {ArrowBitmap.ByteCount(length)} are needed for {length} slots.", nameof(validity));
        return length - ArrowBitmap.CountSet(validity.Span, length);
    }

    private static int LengthFromOffsets(ReadOnlySpan<int> offsets, int limit, string what)
    {
        if (offsets.IsEmpty) return 0;
        if (offsets[0] < 0) throw new ArgumentException($"The first offset is {offsets[0]}.", nameof(offsets));
        for (int i = 1; i < offsets.Length; i++)
            if (offsets[i] < offsets[i - 1]) throw new ArgumentException($"Offset {i} ({offsets[i]}) is below offset {i - 1} ({offsets[i - 1]}).", nameof(offsets));
        if (offsets[^1] > limit) throw new ArgumentException($"The last offset {offsets[^1]} is past the {limit} {what}.", nameof(offsets));
        return offsets.Length - 1;
    }

    private static void CheckChild(ArrowType type, ArrowArray values)
    {
        if (!values.Type.Equals(type.ValueField!.Type))
            throw new ArgumentException($"{type} needs {type.ValueField.Type} values, not {values.Type}.", nameof(values));
    }

    private void Require(ArrowTypeId id)
    {
        if (Type.Id != id) throw new InvalidOperationException($"This is a {Type} array, not {id}.");
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"The array has {Length} slots.");
    }
}

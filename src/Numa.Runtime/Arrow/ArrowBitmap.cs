// Arrow validity and Bool bitmaps: bit i of byte i/8, least significant bit first (Columnar Format, "Validity bitmaps").
using System.Numerics;
using System.Runtime.InteropServices;

namespace Numa.Arrow;

/// <summary>Helpers for Arrow bitmaps: LSB-first, bit <c>i</c> is <c>(bytes[i / 8] &gt;&gt; (i % 8)) &amp; 1</c>;
/// a validity bitmap has 1 for a valid slot, 0 for null.</summary>
public static class ArrowBitmap
{
    /// <summary>Bytes needed for <paramref name="bits"/> bits: ⌈bits / 8⌉.</summary>
    public static int ByteCount(int bits) => (int)(((long)bits + 7) >> 3);

    /// <summary>Packs booleans into a new bitmap of <see cref="ByteCount"/> bytes.</summary>
    public static byte[] Pack(ReadOnlySpan<bool> bits)
    {
        var bytes = new byte[ByteCount(bits.Length)];
        for (int i = 0; i < bits.Length; i++)
            if (bits[i]) bytes[i >> 3] |= (byte)(1 << (i & 7));
        return bytes;
    }

    /// <summary>Bit <paramref name="index"/>; the caller keeps it inside the bitmap.</summary>
    public static bool Get(ReadOnlySpan<byte> bitmap, int index) => (bitmap[index >> 3] & (1 << (index & 7))) != 0;

    /// <summary>How many of the first <paramref name="length"/> bits are set (trailing bits of the last byte are
    /// ignored). <paramref name="bitmap"/> must hold at least <see cref="ByteCount"/>(length) bytes.</summary>
    public static int CountSet(ReadOnlySpan<byte> bitmap, int length)
    {
        int whole = length >> 3;
        if (bitmap.Length < ByteCount(length)) throw new ArgumentException($"The bitmap has {bitmap.Length} bytes; {ByteCount(length)} are needed for {length} bits.", nameof(bitmap));
        int count = 0;
        int words = whole >> 3;
        foreach (ulong word in MemoryMarshal.Cast<byte, ulong>(bitmap[..(words * 8)]))
            count += BitOperations.PopCount(word);
        for (int i = words * 8; i < whole; i++) count += BitOperations.PopCount(bitmap[i]);
        int rest = length & 7;
        if (rest != 0) count += BitOperations.PopCount((uint)(bitmap[whole] & ((1 << rest) - 1)));
        return count;
    }
}

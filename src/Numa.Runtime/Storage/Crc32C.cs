// CRC-32C (Castagnoli) over spans: carry-less multiplication folding (VPCLMULQDQ) for long inputs, the CPU's CRC32
// instruction (BitOperations.Crc32C) for the rest. Written here because System.IO.Hashing does not restore
// (ENVIRONMENT.md) and it has no CRC-32C in any case.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Numa.Storage;

/// <summary>
/// CRC-32C, the Castagnoli polynomial 0x1EDC6F41 (reflected 0x82F63B78), initial value 0xFFFFFFFF, final XOR
/// 0xFFFFFFFF: the checksum of iSCSI (RFC 3720 §12.1, check value 0xE3069283 for "123456789"), ext4, and Numa's
/// write-ahead log, snapshot files and index files. Streaming: start from 0 (the CRC of nothing) and
/// <see cref="Append"/> each piece.
/// </summary>
/// <remarks>
/// <see cref="BitOperations.Crc32C(uint, ulong)"/> is one step of the raw (non-inverted) CRC; this type adds the
/// initial value and final XOR, and for long inputs runs three independent streams so the instruction's
/// three-cycle latency is hidden, then joins them with tables that shift a CRC over a run of zero bytes
/// (Gopal et al., "Fast CRC Computation for iSCSI Polynomial Using CRC32 Instruction", Intel, 2011).
/// From <see cref="FoldMinimumBytes"/> bytes on, where the CPU has 512-bit VPCLMULQDQ, whole 64-byte blocks are
/// folded instead (Gopal et al., "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ Instruction",
/// Intel, 2009), about three times the CRC32 instruction's rate on a 1 KiB record; the tail goes through the CRC32
/// instruction.
/// </remarks>
public static class Crc32C
{
    private const int LongBlock = 256;   // bytes per stream in a three-stream chunk
    private const int ShortBlock = 32;
    private static readonly uint[] s_shiftLong = BuildShiftTable(LongBlock);
    private static readonly uint[] s_shiftShort = BuildShiftTable(ShortBlock);

    /// <summary>The length from which inputs are folded with VPCLMULQDQ (when the CPU has it).</summary>
    internal const int FoldMinimumBytes = 256;
    // Vector512.IsHardwareAccelerated: false when the user caps vectors at 256 bits (DOTNET_PreferredVectorBitWidth).
    internal static bool FoldingSupported => Pclmulqdq.V512.IsSupported && Vector512.IsHardwareAccelerated;
    // Per 128-bit lane (low qword, high qword): the constants that carry a lane D bits further along the message.
    private static readonly Vector512<ulong> s_fold256Bytes = EveryLane(FoldConstants(2048));
    private static readonly Vector512<ulong> s_fold64Bytes = EveryLane(FoldConstants(512));
    private static readonly Vector128<ulong> s_fold48Bytes = FoldConstants(384);
    private static readonly Vector128<ulong> s_fold32Bytes = FoldConstants(256);
    private static readonly Vector128<ulong> s_fold16Bytes = FoldConstants(128);

    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(~0u, data);

    /// <summary>Continues a CRC-32C: <c>Append(Compute(a), b) == Compute(a ‖ b)</c>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) => ~Update(~crc, data);

    // The raw CRC: the register after feeding data into state, with no inversion.
    internal static uint Update(uint state, ReadOnlySpan<byte> data)
    {
        if (data.Length >= FoldMinimumBytes && FoldingSupported)
        {
            int folded = data.Length & ~63;
            state = Fold(state, ref MemoryMarshal.GetReference(data), folded);
            data = data[folded..];
        }
        return UpdateScalar(state, data);
    }

    // The raw CRC on the CRC32 instruction alone.
    internal static uint UpdateScalar(uint state, ReadOnlySpan<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        nint length = data.Length;
        nint i = 0;
        while (length - i >= 3 * LongBlock)
        {
            state = ThreeStreams(state, ref Unsafe.Add(ref p, i), LongBlock, s_shiftLong);
            i += 3 * LongBlock;
        }
        while (length - i >= 3 * ShortBlock)
        {
            state = ThreeStreams(state, ref Unsafe.Add(ref p, i), ShortBlock, s_shiftShort);
            i += 3 * ShortBlock;
        }
        for (; length - i >= 8; i += 8)
            state = BitOperations.Crc32C(state, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
        for (; i < length; i++)
            state = BitOperations.Crc32C(state, Unsafe.Add(ref p, i));
        return state;
    }

    // Folding. A 128-bit lane loaded from memory is, bit 0 first, the coefficients of x^127 … x^0 of its 16 bytes
    // (the CRC is bit-reflected): low qword L, high qword H, lane = L·x^64 + H. Moving the lane D bits towards the
    // end of the message multiplies it by x^D, and modulo P that is L·(x^(D+64) mod P) + H·(x^D mod P): two
    // carry-less products of 64 × 32 bits. A reflected product carries one extra factor x, so the constants are x^(D+63) and
    // x^(D-1) mod P. Folding every block into the last keeps the value congruent to the message modulo P; the CRC32
    // instruction over the final 16 bytes then gives the message's register, exactly as over the message itself.
    // The starting register s enters as s XORed into the first four bytes (s·x^(n-32) + M has the CRC of M from s).
    private static uint Fold(uint state, ref byte p, nint length)
    {
        // length: a multiple of 64, at least FoldMinimumBytes (256).
        Vector512<ulong> x0 = Load(ref p, 0) ^ Vector512.CreateScalar((ulong)state);
        Vector512<ulong> x1 = Load(ref p, 64), x2 = Load(ref p, 128), x3 = Load(ref p, 192);
        nint i = 256;
        Vector512<ulong> k = s_fold256Bytes;
        for (; length - i >= 256; i += 256)
        {
            x0 = FoldInto(x0, k, Load(ref p, i));
            x1 = FoldInto(x1, k, Load(ref p, i + 64));
            x2 = FoldInto(x2, k, Load(ref p, i + 128));
            x3 = FoldInto(x3, k, Load(ref p, i + 192));
        }
        k = s_fold64Bytes;
        Vector512<ulong> x = FoldInto(FoldInto(FoldInto(x0, k, x1), k, x2), k, x3);
        for (; i < length; i += 64) x = FoldInto(x, k, Load(ref p, i));

        Vector256<ulong> front = x.GetLower(), back = x.GetUpper();
        Vector128<ulong> r = FoldInto(front.GetLower(), s_fold48Bytes, back.GetUpper())
                           ^ FoldInto(front.GetUpper(), s_fold32Bytes, default)
                           ^ FoldInto(back.GetLower(), s_fold16Bytes, default);
        return BitOperations.Crc32C(BitOperations.Crc32C(0u, r.GetElement(0)), r.GetElement(1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Load(ref byte p, nint offset) =>
        Vector512.LoadUnsafe(ref Unsafe.As<byte, ulong>(ref Unsafe.Add(ref p, offset)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> FoldInto(Vector512<ulong> x, Vector512<ulong> k, Vector512<ulong> next) =>
        Pclmulqdq.V512.CarrylessMultiply(x, k, 0x00) ^ Pclmulqdq.V512.CarrylessMultiply(x, k, 0x11) ^ next;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> FoldInto(Vector128<ulong> x, Vector128<ulong> k, Vector128<ulong> next) =>
        Pclmulqdq.CarrylessMultiply(x, k, 0x00) ^ Pclmulqdq.CarrylessMultiply(x, k, 0x11) ^ next;

    // One lane: (x^(D+63) mod P, x^(D-1) mod P) as reflected 64-bit operands (the coefficient of x^m at bit 63 - m).
    private static Vector128<ulong> FoldConstants(int distanceBits) => Vector128.Create(
        (ulong)ReverseBits(XPowerModP(distanceBits + 63)) << 32,
        (ulong)ReverseBits(XPowerModP(distanceBits - 1)) << 32);

    private static Vector512<ulong> EveryLane(Vector128<ulong> lane)
    {
        var half = Vector256.Create(lane, lane);
        return Vector512.Create(half, half);
    }

    // x^n mod P over GF(2), in the normal (unreflected) order: bit m is the coefficient of x^m.
    private static uint XPowerModP(int n)
    {
        const uint P = 0x1EDC6F41;   // x^32 implied
        uint r = 1;
        for (int i = 0; i < n; i++) r = (r & 0x80000000) != 0 ? (r << 1) ^ P : r << 1;
        return r;
    }

    private static uint ReverseBits(uint v)
    {
        uint r = 0;
        for (int i = 0; i < 32; i++) r |= ((v >> i) & 1) << (31 - i);
        return r;
    }

    // f(s, A‖B‖C) = Z(Z(f(s, A)) ^ f(0, B)) ^ f(0, C), where Z shifts a register over `block` zero bytes:
    // the raw CRC is linear, so f(s, D) = Z(s) ^ f(0, D).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ThreeStreams(uint state, ref byte chunk, int block, uint[] shift)
    {
        uint a = state, b = 0, c = 0;
        for (int j = 0; j < block; j += 8)
        {
            a = BitOperations.Crc32C(a, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref chunk, j)));
            b = BitOperations.Crc32C(b, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref chunk, j + block)));
            c = BitOperations.Crc32C(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref chunk, j + 2 * block)));
        }
        return Shift(Shift(a, shift) ^ b, shift) ^ c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Shift(uint state, uint[] table)
    {
        ref uint t = ref MemoryMarshal.GetArrayDataReference(table);
        return Unsafe.Add(ref t, (int)(state & 0xFF))
             ^ Unsafe.Add(ref t, 256 + (int)((state >> 8) & 0xFF))
             ^ Unsafe.Add(ref t, 512 + (int)((state >> 16) & 0xFF))
             ^ Unsafe.Add(ref t, 768 + (int)(state >> 24));
    }

    // table[256 * k + v] = Z(v << 8k): the register (v in byte k) after `block` zero bytes.
    private static uint[] BuildShiftTable(int block)
    {
        var table = new uint[4 * 256];
        for (int k = 0; k < 4; k++)
            for (uint v = 0; v < 256; v++)
            {
                uint s = v << (8 * k);
                for (int j = 0; j < block; j += 8) s = BitOperations.Crc32C(s, 0UL);
                table[256 * k + v] = s;
            }
        return table;
    }
}

// CRC-32C (Castagnoli) over spans, on the CPU's CRC32 instruction through BitOperations.Crc32C. Written here
// because System.IO.Hashing does not restore (ENVIRONMENT.md) and it has no CRC-32C in any case.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
/// </remarks>
public static class Crc32C
{
    private const int LongBlock = 256;   // bytes per stream in a three-stream chunk
    private const int ShortBlock = 32;
    private static readonly uint[] s_shiftLong = BuildShiftTable(LongBlock);
    private static readonly uint[] s_shiftShort = BuildShiftTable(ShortBlock);

    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(~0u, data);

    /// <summary>Continues a CRC-32C: <c>Append(Compute(a), b) == Compute(a ‖ b)</c>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) => ~Update(~crc, data);

    // The raw CRC: the register after feeding data into state, with no inversion.
    internal static uint Update(uint state, ReadOnlySpan<byte> data)
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

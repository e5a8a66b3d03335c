// The page CRC of parquet.thrift PageHeader.crc: CRC-32 with GZIP's polynomial over the page body as stored.
using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Numa.Storage.Parquet;

/// <summary>
/// CRC-32 (ISO-HDLC: polynomial 0x04C11DB7, reflected 0xEDB88320, init and final XOR 0xFFFFFFFF), the checksum
/// parquet.thrift specifies for <c>PageHeader.crc</c>: "computed on the serialization binary representation of
/// the page (as written to disk), excluding the page header". Written by hand because System.IO.Hashing does not
/// restore here and <c>BitOperations.Crc32C</c> is the other polynomial. On x86 with PCLMULQDQ, 16-byte blocks
/// are folded with carry-less multiplication (Gopal et al., "Fast CRC Computation for Generic Polynomials Using
/// PCLMULQDQ Instruction", Intel 2009; constants as in Linux arch/x86/crypto/crc32-pclmul_asm.S) and the last
/// 128-bit remainder is finished with slicing-by-8 tables; elsewhere the tables do all of it.
/// </summary>
internal static class PageChecksum
{
    private static readonly uint[] s_table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(0xFFFFFFFFu, data);

    /// <summary>Folds <paramref name="data"/> into a raw (not inverted) CRC state.</summary>
    internal static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        if (Pclmulqdq.IsSupported && Sse2.IsSupported && data.Length >= 64)
        {
            // Four lanes of 128 bits, each ≡ its share of the data so far (mod P); the state enters by XOR into
            // the first four bytes.
            Vector128<ulong> x0 = Block(data, 0) ^ Vector128.CreateScalar((ulong)crc);
            Vector128<ulong> x1 = Block(data, 16), x2 = Block(data, 32), x3 = Block(data, 48);
            // Fold distances 512 and 128 bits: low lane x^(d+32) mod P, high lane x^(d-32) mod P, bit-reflected
            // (crc32-pclmul_asm.S R1/R2 and R3/R4).
            Vector128<ulong> k512 = Vector128.Create(0x154442bd4UL, 0x1c6e41596UL);
            Vector128<ulong> k128 = Vector128.Create(0x1751997d0UL, 0xccaa009eUL);
            int i = 64;
            for (; data.Length - i >= 64; i += 64)
            {
                x0 = Fold(x0, k512, Block(data, i));
                x1 = Fold(x1, k512, Block(data, i + 16));
                x2 = Fold(x2, k512, Block(data, i + 32));
                x3 = Fold(x3, k512, Block(data, i + 48));
            }
            Vector128<ulong> x = Fold(Fold(Fold(x0, k128, x1), k128, x2), k128, x3);
            for (; data.Length - i >= 16; i += 16) x = Fold(x, k128, Block(data, i));
            // The remainder is congruent to everything folded so far: a CRC of its 16 bytes from state 0 continues it.
            Span<byte> rest = stackalloc byte[16];
            BinaryPrimitives.WriteUInt64LittleEndian(rest, x.GetElement(0));
            BinaryPrimitives.WriteUInt64LittleEndian(rest[8..], x.GetElement(1));
            return UpdateTables(UpdateTables(0, rest), data[i..]);
        }
        return UpdateTables(crc, data);
    }

    private static Vector128<ulong> Block(ReadOnlySpan<byte> data, int at) =>
        Vector128.Create(BinaryPrimitives.ReadUInt64LittleEndian(data[at..]), BinaryPrimitives.ReadUInt64LittleEndian(data[(at + 8)..]));

    // x·x^d + next, reduced to 128 bits congruent mod P.
    private static Vector128<ulong> Fold(Vector128<ulong> x, Vector128<ulong> k, Vector128<ulong> next) =>
        Pclmulqdq.CarrylessMultiply(x, k, 0x00) ^ Pclmulqdq.CarrylessMultiply(x, k, 0x11) ^ next;

    private static uint UpdateTables(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] t = s_table;
        while (data.Length >= 8)
        {
            uint lo = crc ^ BinaryPrimitives.ReadUInt32LittleEndian(data);
            uint hi = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            crc = t[7 * 256 + (lo & 0xFF)] ^ t[6 * 256 + ((lo >> 8) & 0xFF)] ^ t[5 * 256 + ((lo >> 16) & 0xFF)] ^ t[4 * 256 + (lo >> 24)]
                ^ t[3 * 256 + (hi & 0xFF)] ^ t[2 * 256 + ((hi >> 8) & 0xFF)] ^ t[256 + ((hi >> 16) & 0xFF)] ^ t[hi >> 24];
            data = data[8..];
        }
        foreach (byte b in data) crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildTable()
    {
        var t = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        for (int i = 0; i < 256; i++)
            for (int s = 1; s < 8; s++)
                t[s * 256 + i] = t[(s - 1) * 256 + i] >> 8 ^ t[t[(s - 1) * 256 + i] & 0xFF];
        return t;
    }

    /// <summary>The table-only path, for tests that compare it with the folded one.</summary>
    internal static uint ComputeWithTables(ReadOnlySpan<byte> data) => ~UpdateTables(0xFFFFFFFFu, data);
}

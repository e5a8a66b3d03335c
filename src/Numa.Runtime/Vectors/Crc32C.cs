// CRC-32C (Castagnoli) over byte spans for the index file's checksums, on the CPU's crc32 instruction through
// BitOperations.Crc32C (System.IO.Hashing does not restore here: shared/ENVIRONMENT.md).
using System.Buffers.Binary;
using System.Numerics;

namespace Numa.Vectors;

/// <summary>CRC-32C (polynomial 0x1EDC6F41, reflected 0x82F63B78; RFC 3720 §12.1): start from
/// <see cref="Initial"/>, <see cref="Append"/> the data, then <see cref="Finish"/>. "123456789" gives 0xE3069283.</summary>
internal static class Crc32C
{
    public const uint Initial = 0xFFFFFFFF;

    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data) crc = BitOperations.Crc32C(crc, b);
        return crc;
    }

    public static uint Finish(uint crc) => ~crc;

    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Initial, data));
}

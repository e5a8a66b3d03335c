// CRC-32C over whole snapshot files, with the CPU's CRC32 instruction through BitOperations.
using System.Buffers.Binary;
using System.Numerics;

namespace Numa.Storage.Snapshots;

/// <summary>CRC-32C (Castagnoli; RFC 3720 §B.4): initial value and final XOR 0xFFFFFFFF. Feed bytes to
/// <see cref="Append"/> starting from <see cref="Initial"/>; <see cref="Finish"/> gives the checksum.</summary>
internal static class Crc32C
{
    public const uint Initial = 0xFFFFFFFFu;

    public static uint Append(uint state, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data) state = BitOperations.Crc32C(state, b);
        return state;
    }

    public static uint Finish(uint state) => ~state;

    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Initial, data));
}

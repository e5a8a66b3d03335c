// CRC-32C: the standard check value, agreement of the three-stream path with a bitwise reference at every
// length around the block boundaries, and chaining.
using System.Text;
using Numa.Storage;
using Numa.Storage.Wal;

namespace Numa.Tests.Storage;

public sealed class Crc32CTests
{
    [Fact]
    public void Check_value_of_123456789_is_E3069283()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
    }

    [Fact]
    public void Empty_input_gives_zero()
    {
        Assert.Equal(0u, Crc32C.Compute([]));
    }

    // RFC 3720 appendix B.4: 32 bytes of zeros → 0x8A9136AA, 32 bytes of 0xFF → 0x62A8AB43.
    [Fact]
    public void Rfc3720_test_vectors()
    {
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
    }

    [Fact]
    public void Matches_a_bitwise_reference_at_every_length_up_to_3000()
    {
        var random = new Random(7);
        var data = new byte[3000];
        random.NextBytes(data);
        for (int n = 0; n <= data.Length; n++)
            Assert.Equal(Reference(data.AsSpan(0, n)), Crc32C.Compute(data.AsSpan(0, n)));
    }

    [Fact]
    public void Append_continues_a_checksum()
    {
        byte[] a = Encoding.ASCII.GetBytes("hello, write-ahead ");
        byte[] b = new byte[2000];
        new Random(3).NextBytes(b);
        Assert.Equal(Crc32C.Compute([.. a, .. b]), Crc32C.Append(Crc32C.Compute(a), b));
    }

    // Bit at a time over the reflected polynomial 0x82F63B78.
    private static uint Reference(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
        }
        return ~crc;
    }
}

// CRC-32C: the standard check values, agreement with a bitwise reference at every length up to 3000 and on 1 MiB,
// agreement of the VPCLMULQDQ folding path with the CRC32-instruction path at every alignment and starting register,
// and chaining.
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
    public void Folded_and_scalar_paths_agree_at_every_alignment_and_from_any_starting_register()
    {
        if (!Crc32C.FoldingSupported) Assert.Skip("this CPU has no 512-bit VPCLMULQDQ: only the CRC32-instruction path runs here");
        var random = new Random(11);
        var data = new byte[1500 + 64];
        random.NextBytes(data);
        for (int offset = 0; offset < 64; offset++)
            for (int n = Crc32C.FoldMinimumBytes; n <= 1500; n++)
            {
                uint state = (uint)random.Next() ^ ((uint)n << 20);
                var slice = data.AsSpan(offset, n);
                Assert.Equal(Crc32C.UpdateScalar(state, slice), Crc32C.Update(state, slice));
            }
    }

    [Fact]
    public void A_one_mebibyte_input_matches_the_bitwise_reference()
    {
        var data = new byte[1 << 20];
        new Random(5).NextBytes(data);
        Assert.Equal(Reference(data), Crc32C.Compute(data));
        Assert.Equal(Reference(data.AsSpan(3, data.Length - 70)), Crc32C.Compute(data.AsSpan(3, data.Length - 70)));
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

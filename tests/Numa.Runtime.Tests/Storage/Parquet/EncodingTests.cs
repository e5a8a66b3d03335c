// The RLE / bit-packing hybrid and the page CRC against the values the specs give.
using Numa.Storage.Parquet;

namespace Numa.Tests.Storage.Parquet;

public sealed class EncodingTests
{
    [Fact]
    public void Bit_packing_matches_the_example_in_Encodings_md()
    {
        // Encodings.md: the numbers 0..7 with bit width 3 pack to 10001000 11000110 11111010.
        using var buffer = new PageBuffer();
        RleBitPackedHybrid.WriteWithLength(buffer, [0, 1, 2, 3, 4, 5, 6, 7], 3);
        Assert.Equal(new byte[] { 4, 0, 0, 0, 0x03, 0x88, 0xC6, 0xFA }, buffer.Written.ToArray());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 7)]
    public void Levels_round_trip_through_runs_and_packed_groups(int maxLevel, int seed)
    {
        var random = new Random(seed);
        var levels = new List<byte>();
        while (levels.Count < 5000)
        {
            // Alternate long runs and noise so both run kinds appear, ending mid-group.
            byte v = (byte)random.Next(maxLevel + 1);
            int n = random.Next(2) == 0 ? random.Next(8, 300) : random.Next(1, 8);
            for (int i = 0; i < n; i++) levels.Add(random.Next(4) == 0 ? (byte)random.Next(maxLevel + 1) : v);
        }
        byte[] values = levels.Take(4999).ToArray();
        int width = RleBitPackedHybrid.BitWidth(maxLevel);
        using var buffer = new PageBuffer();
        RleBitPackedHybrid.WriteWithLength(buffer, values, width);

        var decoded = new uint[values.Length];
        Assert.Null(RleBitPackedHybrid.Decode(buffer.Written[4..], width, (uint)maxLevel, decoded));
        Assert.Equal(values.Select(v => (uint)v), decoded);
        Assert.True(buffer.Length < values.Length, "runs should compress the levels");
    }

    [Fact]
    public void Decoding_refuses_levels_above_the_maximum_and_truncated_runs()
    {
        var output = new uint[8];
        Assert.Contains("exceeds the maximum 1", RleBitPackedHybrid.Decode([8 << 1, 2], 2, 1, output));
        Assert.Contains("needs 2 bytes", RleBitPackedHybrid.Decode([0x03, 0xFF], 2, 3, output));
        Assert.Contains("overruns", RleBitPackedHybrid.Decode([9 << 1, 1], 1, 1, output));
        Assert.Contains("truncated", RleBitPackedHybrid.Decode([4 << 1, 1], 1, 1, output));
    }

    [Fact]
    public void Page_checksum_is_the_standard_crc32()
    {
        // The CRC-32 check value (ISO-HDLC, as in gzip): "123456789" → 0xCBF43926.
        Assert.Equal(0xCBF43926u, PageChecksum.Compute("123456789"u8));
        Assert.Equal(0u, PageChecksum.Compute([]));
    }

    [Fact]
    public void Folded_page_checksum_equals_the_table_checksum_at_every_length()
    {
        var data = new byte[1 << 16];
        new Random(5).NextBytes(data);
        for (int n = 0; n < 300; n++) Assert.Equal(PageChecksum.ComputeWithTables(data.AsSpan(0, n)), PageChecksum.Compute(data.AsSpan(0, n)));
        Assert.Equal(PageChecksum.ComputeWithTables(data), PageChecksum.Compute(data));
        Assert.Equal(PageChecksum.ComputeWithTables(data.AsSpan(3, 40_001)), PageChecksum.Compute(data.AsSpan(3, 40_001)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(70)]
    [InlineData(100_000)]
    [InlineData(1 << 20)]
    public void Snappy_blocks_from_IronSnappy_decode_to_the_original(int length)
    {
        // Runs, short periods (overlapping copies), far repeats (2- and 4-byte offsets) and noise (long literals).
        var random = new Random(length);
        var data = new byte[length];
        for (int i = 0; i < length;)
        {
            int n = Math.Min(length - i, random.Next(1, 5000));
            switch (random.Next(4))
            {
                case 0: data.AsSpan(i, n).Fill((byte)random.Next(256)); break;
                case 1: for (int k = 0; k < n; k++) data[i + k] = (byte)(k % 3 + 7); break;
                case 2: if (i > n) data.AsSpan(random.Next(i - n), n).CopyTo(data.AsSpan(i)); break;
                default: random.NextBytes(data.AsSpan(i, n)); break;
            }
            i += n;
        }
        byte[] block = IronSnappy.Snappy.Encode(data);
        var decoded = new byte[length];
        Assert.Null(SnappyDecoder.Decode(block, decoded));
        Assert.Equal(data, decoded);
    }

    [Fact]
    public void Damaged_snappy_blocks_are_refused_without_throwing()
    {
        var data = new byte[20_000];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(i * i % 251 % 7);
        byte[] block = IronSnappy.Snappy.Encode(data);
        var output = new byte[data.Length];
        Assert.Contains("declares", SnappyDecoder.Decode(block, new byte[data.Length - 1]));
        for (int length = 0; length < block.Length; length++) Assert.NotNull(SnappyDecoder.Decode(block.AsSpan(0, length), output));
        var random = new Random(3);
        for (int k = 0; k < 2_000; k++)
        {
            byte[] damaged = (byte[])block.Clone();
            damaged[random.Next(damaged.Length)] ^= (byte)(1 << random.Next(8));
            // Either refused, or (a flip in a literal byte) decoded to other bytes of the right length: never a throw.
            _ = SnappyDecoder.Decode(damaged, output);
        }
        Assert.Contains("points before the start", SnappyDecoder.Decode([4, 0b0000_0001, 9], new byte[4]));
    }
}


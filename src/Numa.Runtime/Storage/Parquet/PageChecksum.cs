// The page CRC of parquet.thrift PageHeader.crc: CRC-32 with GZIP's polynomial over the page body as stored.
namespace Numa.Storage.Parquet;

/// <summary>
/// CRC-32 (ISO-HDLC: polynomial 0x04C11DB7, reflected 0xEDB88320, init and final XOR 0xFFFFFFFF), the checksum
/// parquet.thrift specifies for <c>PageHeader.crc</c>: "computed on the serialization binary representation of
/// the page (as written to disk), excluding the page header". Slicing-by-8 tables; written by hand because
/// System.IO.Hashing does not restore here and <c>BitOperations.Crc32C</c> is the other polynomial.
/// </summary>
internal static class PageChecksum
{
    private static readonly uint[] s_table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint[] t = s_table;
        uint crc = 0xFFFFFFFFu;
        while (data.Length >= 8)
        {
            uint lo = crc ^ (uint)(data[0] | data[1] << 8 | data[2] << 16 | data[3] << 24);
            crc = t[7 * 256 + (lo & 0xFF)] ^ t[6 * 256 + ((lo >> 8) & 0xFF)] ^ t[5 * 256 + ((lo >> 16) & 0xFF)] ^ t[4 * 256 + (lo >> 24)]
                ^ t[3 * 256 + data[4]] ^ t[2 * 256 + data[5]] ^ t[256 + data[6]] ^ t[data[7]];
            data = data[8..];
        }
        foreach (byte b in data) crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
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
}

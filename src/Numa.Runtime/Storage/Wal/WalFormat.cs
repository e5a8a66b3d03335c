// The on-disk layout of WAL segments and records, in one place: offsets, sizes, validation of names, and the
// encoders and decoders the writer, the reader and the repair tool share. Little-endian throughout.
using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace Numa.Storage.Wal;

/// <summary>
/// Segment file: a 32-byte header, then records back to back (no padding), never split across segments.
/// <code>
/// header  0 magic "NUMA-WAL" (8)  8 format version u16  10 reserved u16 (0)  12 shard u32
///        16 first LSN u64  24 reserved u32 (0)  28 CRC32C of bytes [0, 28) u32
/// record  0 length u32 (whole record)  4 CRC32C of bytes [8, length) u32  8 LSN u64
///        16 timestamp i64 (Unix ns, UTC)  24 kind u8  25 flags u8 (0)  26 name length u16
///        28 collection name (UTF-8)  28+n payload
/// </code>
/// Longbow's entry (reference/vector-anchors.md §1.7) is CRC, sequence, timestamp, name length, record length,
/// name, record, with IEEE CRC32 over name ‖ record; Numa keeps those fields, uses CRC-32C, covers the header
/// too (a flipped LSN or length is caught), and adds the record kind.
/// </summary>
internal static class WalFormat
{
    internal const ulong Magic = 0x4C41572D414D554EUL;   // "NUMA-WAL" read as a little-endian u64
    internal const ushort Version = 1;
    internal const int SegmentHeaderBytes = 32;
    internal const int RecordHeaderBytes = 28;
    internal const int MaxNameBytes = 255;
    internal const string SegmentExtension = ".wal";

    /// <summary>The segment file name for <paramref name="firstLsn"/>: 20 decimal digits, so names sort by LSN.</summary>
    internal static string SegmentName(long firstLsn) => $"{firstLsn:D20}{SegmentExtension}";

    /// <summary>Parses a segment file name; false for files that are not segments.</summary>
    internal static bool TryParseSegmentName(string fileName, out long firstLsn)
    {
        firstLsn = 0;
        return fileName.Length == 20 + SegmentExtension.Length
            && fileName.EndsWith(SegmentExtension, StringComparison.Ordinal)
            && long.TryParse(fileName.AsSpan(0, 20), System.Globalization.NumberStyles.None, null, out firstLsn);
    }

    internal static void WriteSegmentHeader(Span<byte> header, int shard, long firstLsn)
    {
        header[..SegmentHeaderBytes].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], shard);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], firstLsn);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], Crc32C.Compute(header[..28]));
    }

    /// <summary>Checks a segment header; returns null when valid, else what is wrong.</summary>
    internal static string? CheckSegmentHeader(ReadOnlySpan<byte> header, out int shard, out long firstLsn)
    {
        shard = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        firstLsn = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        if (BinaryPrimitives.ReadUInt64LittleEndian(header) != Magic) return "the segment header does not start with the magic \"NUMA-WAL\"";
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(header[28..]);
        uint actual = Crc32C.Compute(header[..28]);
        if (stored != actual) return $"segment header CRC32C mismatch (stored 0x{stored:X8}, computed 0x{actual:X8})";
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
        if (version != Version) return $"unsupported format version {version} (this build reads version {Version})";
        if (firstLsn < 1) return $"first LSN {firstLsn} is not positive";
        return null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="utf8"/> is a usable collection name:
    /// 1 to 255 bytes of valid UTF-8 without '/', '\', NUL or other control characters, and not "." or "..".
    /// (Names become file names of snapshots, so path syntax is refused.)</summary>
    internal static void ValidateName(ReadOnlySpan<byte> utf8, string parameter)
    {
        // One pass for the common case (short ASCII names, on every append); the slow path says what is wrong.
        if ((uint)(utf8.Length - 1) >= MaxNameBytes) ThrowBadName(utf8, parameter);
        bool ascii = true;
        foreach (byte b in utf8)
        {
            if (b < 0x20 || b == (byte)'/' || b == (byte)'\\' || b == 0x7F) ThrowBadName(utf8, parameter);
            ascii &= b < 0x80;
        }
        if (utf8[0] == (byte)'.' && (utf8.Length == 1 || (utf8.Length == 2 && utf8[1] == (byte)'.'))) ThrowBadName(utf8, parameter);
        if (!ascii && !Utf8.IsValid(utf8)) ThrowBadName(utf8, parameter);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowBadName(ReadOnlySpan<byte> utf8, string parameter)
    {
        if (utf8.IsEmpty) throw new ArgumentException("The collection name is empty.", parameter);
        if (utf8.Length > MaxNameBytes)
            throw new ArgumentException($"The collection name is {utf8.Length} UTF-8 bytes; the limit is {MaxNameBytes}.", parameter);
        int bad = utf8.IndexOfAnyInRange((byte)0, (byte)0x1F);
        if (bad < 0) bad = utf8.IndexOfAny((byte)'/', (byte)'\\', (byte)0x7F);
        if (bad >= 0)
            throw new ArgumentException($"The collection name \"{Describe(utf8)}\" contains 0x{utf8[bad]:X2} at byte {bad}: path separators and control characters are not allowed.", parameter);
        if (!Utf8.IsValid(utf8)) throw new ArgumentException("The collection name is not valid UTF-8.", parameter);
        throw new ArgumentException($"The collection name \"{Describe(utf8)}\" is a path component.", parameter);
    }

    internal static string Describe(ReadOnlySpan<byte> utf8) =>
        Encoding.UTF8.GetString(utf8).Replace("\0", "\\0", StringComparison.Ordinal);
}

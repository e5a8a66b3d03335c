// The server's write-ahead log records (kind byte + payload, inside the WAL's checksummed record): a put of rows,
// a delete of one id, a drop of a collection. Little-endian, fixed layout; the WAL's CRC-32C guards every byte.
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Numa.VectorServer;

/// <summary>Encodes and decodes the payloads of the server's WAL records.</summary>
internal static class WalPayload
{
    /// <summary>Rows: <c>int32 dimension, int32 rows, int64 id × rows, float32 vector × rows × dimension</c>.</summary>
    public const byte Put = 1;

    /// <summary>One id: <c>int64 id</c>.</summary>
    public const byte Delete = 2;

    /// <summary>The collection's rows on this shard are gone (DeleteNamespace, or CreateNamespace with overwrite): no payload.</summary>
    public const byte Drop = 3;

    public const int PutHeaderBytes = 8;

    /// <summary>Bytes of a put of <paramref name="rows"/> rows of <paramref name="dimension"/> floats.</summary>
    public static int PutBytes(int rows, int dimension) => checked(PutHeaderBytes + rows * 8 + rows * dimension * 4);

    /// <summary>Writes the header of a put; the caller fills the ids and vectors (PutIds, PutVectors).</summary>
    public static byte[] NewPut(int rows, int dimension)
    {
        var payload = new byte[PutBytes(rows, dimension)];
        BinaryPrimitives.WriteInt32LittleEndian(payload, dimension);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), rows);
        return payload;
    }

    /// <summary>The dimension and row count of a put payload.</summary>
    /// <exception cref="InvalidDataException">The sizes do not add up (a record written by something else).</exception>
    public static (int Dimension, int Rows) ReadPutHeader(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < PutHeaderBytes) throw new InvalidDataException($"A put record of {payload.Length} bytes has no header.");
        int dimension = BinaryPrimitives.ReadInt32LittleEndian(payload);
        int rows = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        if (dimension < 1 || rows < 0 || (long)PutHeaderBytes + rows * 8L + (long)rows * dimension * 4 != payload.Length)
            throw new InvalidDataException($"A put record of {payload.Length} bytes claims {rows} rows of dimension {dimension}.");
        return (dimension, rows);
    }

    public static Span<long> PutIds(Span<byte> payload, int rows) => MemoryMarshal.Cast<byte, long>(payload.Slice(PutHeaderBytes, rows * 8));

    public static ReadOnlySpan<long> PutIds(ReadOnlySpan<byte> payload, int rows) => MemoryMarshal.Cast<byte, long>(payload.Slice(PutHeaderBytes, rows * 8));

    public static Span<float> PutVectors(Span<byte> payload, int rows, int dimension) =>
        MemoryMarshal.Cast<byte, float>(payload.Slice(PutHeaderBytes + rows * 8, rows * dimension * 4));

    public static ReadOnlySpan<float> PutVectors(ReadOnlySpan<byte> payload, int rows, int dimension) =>
        MemoryMarshal.Cast<byte, float>(payload.Slice(PutHeaderBytes + rows * 8, rows * dimension * 4));

    public static byte[] EncodeDelete(long id)
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(payload, id);
        return payload;
    }

    /// <exception cref="InvalidDataException">Not 8 bytes.</exception>
    public static long ReadDelete(ReadOnlySpan<byte> payload) => payload.Length == 8
        ? BinaryPrimitives.ReadInt64LittleEndian(payload)
        : throw new InvalidDataException($"A delete record has {payload.Length} payload bytes, not 8.");
}

// Reads the IDX image files of MNIST and Fashion-MNIST (gzip or plain), the real data the vector index is
// measured on (shared/ENVIRONMENT.md "Real data"; the format is described at yann.lecun.com/exdb/mnist).
using System.Buffers.Binary;
using System.IO.Compression;

namespace Numa.Vectors;

/// <summary>The IDX format: a big-endian magic (0x00000803 for unsigned-byte 3-d data), the sizes of each
/// dimension as big-endian u32, then the bytes row-major.</summary>
public static class IdxFile
{
    /// <summary>Reads up to <paramref name="limit"/> images of an IDX3 unsigned-byte file (gzip when the name ends
    /// in .gz) as float32 rows of rows×cols elements (pixel values 0–255, as ann-benchmarks uses them).</summary>
    /// <returns>The vectors, row-major, and the dimension of each.</returns>
    /// <exception cref="InvalidDataException">Not an IDX3 unsigned-byte file, or truncated (the message names the offset).</exception>
    public static (float[] Vectors, int Count, int Dimension) ReadImages(string path, int limit = int.MaxValue)
    {
        using var raw = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(raw, CompressionMode.Decompress) : raw;
        Span<byte> header = stackalloc byte[16];
        ReadExactly(stream, header, path, 0);
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (magic != 0x00000803)
            throw new InvalidDataException($"{path}: magic at offset 0 is 0x{magic:X8}; an IDX3 unsigned-byte file has 0x00000803");
        int count = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(header[4..]), (uint)Math.Max(0, limit));
        int rows = (int)BinaryPrimitives.ReadUInt32BigEndian(header[8..]);
        int cols = (int)BinaryPrimitives.ReadUInt32BigEndian(header[12..]);
        if (rows <= 0 || cols <= 0 || (long)rows * cols > VectorStore.MaxDimension)
            throw new InvalidDataException($"{path}: image size {rows}×{cols} at offset 8 is out of range");
        int dimension = rows * cols;
        if ((long)count * dimension > Array.MaxLength)
            throw new InvalidDataException($"{path}: the header at offset 4 gives {count} images of {rows}×{cols}, more floats than one array holds ({Array.MaxLength}); read fewer rows (--limit)");
        // The count comes from the file: the array grows with the rows actually read, so a header that promises a
        // million images in a short (or gzip) file fails at its end as truncated instead of allocating gigabytes first.
        var vectors = new float[(long)Math.Min(count, 4096) * dimension];
        var row = new byte[dimension];
        for (int i = 0; i < count; i++)
        {
            ReadExactly(stream, row, path, 16 + (long)i * dimension);
            if ((long)(i + 1) * dimension > vectors.Length)
                Array.Resize(ref vectors, (int)Math.Min((long)count * dimension, Math.Max(2L * vectors.Length, (long)(i + 1) * dimension)));
            for (int j = 0; j < dimension; j++) vectors[(long)i * dimension + j] = row[j];
        }
        return (vectors, count, dimension);
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string path, long offset)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: truncated at offset {offset} (uncompressed)");
        }
    }
}

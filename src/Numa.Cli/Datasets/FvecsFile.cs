// Reads .fvecs files, the vector format of the INRIA TEXMEX corpus (SIFT1M, GIST1M; corpus-texmex.irisa.fr) that
// ann-benchmarks and FAISS read: per vector a little-endian int32 dimension, then that many little-endian float32.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Numa.Vectors;

namespace Numa.Cli.Datasets;

/// <summary>The .fvecs format: records of (int32 d, float32 × d), little-endian, every record with the same d.</summary>
internal static class FvecsFile
{
    /// <summary>Reads the first <paramref name="limit"/> vectors of <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">Empty; a dimension outside 1..<see cref="VectorStore.MaxDimension"/>; a
    /// record whose dimension differs from the first's; truncated (the message gives the record and offset); more
    /// values than one array holds (use a limit).</exception>
    public static VectorDataset Read(string path, int limit)
    {
        using var stream = File.OpenRead(path);
        long length = stream.Length;
        if (length == 0) throw new InvalidDataException($"{path}: empty file; an .fvecs file holds (int32 dimension, float32 × dimension) records.");
        Span<byte> prefix = stackalloc byte[4];
        ReadExactly(stream, prefix, path, 0, "the first record's dimension");
        int dimension = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        if (dimension is < 1 or > VectorStore.MaxDimension)
            throw new InvalidDataException($"{path}: the dimension at offset 0 is {dimension}; it must be 1..{VectorStore.MaxDimension} (is this an .fvecs file?).");
        long record = 4 + 4L * dimension;
        long whole = length / record;
        int count = (int)Math.Min(limit, Math.Max(1, whole));
        if ((long)count * dimension > Array.MaxLength)
            throw new InvalidDataException($"{path}: {count} × {dimension} values do not fit in one array; read fewer rows (--limit).");
        var vectors = new float[(long)count * dimension];
        stream.Position = 0;
        for (int i = 0; i < count; i++)
        {
            long offset = i * record;
            ReadExactly(stream, prefix, path, offset, $"record {i}");
            int d = BinaryPrimitives.ReadInt32LittleEndian(prefix);
            if (d != dimension)
                throw new InvalidDataException($"{path}: record {i} at offset {offset} has dimension {d}; the first record's is {dimension} (all must match).");
            var row = vectors.AsSpan(i * dimension, dimension);
            ReadExactly(stream, MemoryMarshal.AsBytes(row), path, offset + 4, $"record {i}");
            if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(row), MemoryMarshal.Cast<float, int>(row));
        }
        if (count < limit && length % record != 0)
            throw new InvalidDataException(
                $"{path}: truncated: {length} bytes is {whole} whole {record}-byte records (4-byte dimension + {dimension} float32) and {length % record} bytes of a cut one at offset {whole * record}.");
        return new VectorDataset(path, "fvecs", vectors, count, dimension);
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string path, long offset, string what)
    {
        int read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length)
            throw new InvalidDataException($"{path}: truncated in {what}: {buffer.Length} bytes expected at offset {offset}, {read} there.");
    }
}

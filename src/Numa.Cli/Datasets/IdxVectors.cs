// IDX3 unsigned-byte images (MNIST, Fashion-MNIST; gzip when the name ends in .gz) as a VectorDataset, through the
// runtime's IdxFile; gzip's own errors get the file's name.
using Numa.Vectors;

namespace Numa.Cli.Datasets;

/// <summary>IDX3 unsigned-byte files as float32 rows (pixel values 0–255), via <see cref="IdxFile.ReadImages"/>.</summary>
internal static class IdxVectors
{
    /// <summary>The big-endian magic of an IDX3 unsigned-byte file.</summary>
    public static ReadOnlySpan<byte> Magic => [0x00, 0x00, 0x08, 0x03];

    /// <summary>Reads the first <paramref name="limit"/> images of <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">Bad magic, an image size out of range, truncated, or broken gzip data;
    /// the message names the file.</exception>
    public static VectorDataset Read(string path, int limit)
    {
        try
        {
            var (vectors, count, dimension) = IdxFile.ReadImages(path, limit);
            if (count == 0) throw new InvalidDataException($"{path}: the IDX header declares no images.");
            return new VectorDataset(path, "idx", vectors, count, dimension);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: not valid gzip data: {e.Message}", e);
        }
    }
}

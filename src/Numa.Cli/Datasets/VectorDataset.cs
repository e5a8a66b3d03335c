// Float32 vectors read from a file for `numa load` and `numa bench`: picks the reader (.fvecs, .npy, IDX) by the
// file's extension, or by its first bytes when the extension says nothing.
using Numa.Vectors;

namespace Numa.Cli.Datasets;

/// <summary>
/// Up to a limit of rows of one vector file, in memory: <see cref="Vectors"/> is <see cref="Count"/> ×
/// <see cref="Dimension"/> float32, row-major. Every bad input is an <see cref="InvalidDataException"/> whose message
/// starts with the path and says what is wrong (truncated, bad magic, wrong dtype, …).
/// </summary>
internal sealed class VectorDataset
{
    internal VectorDataset(string path, string format, float[] vectors, int count, int dimension)
    {
        Path = path;
        Format = format;
        Vectors = vectors;
        Count = count;
        Dimension = dimension;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>"fvecs", "npy" or "idx".</summary>
    public string Format { get; }

    /// <summary>Count × Dimension values, row-major.</summary>
    public float[] Vectors { get; }

    /// <summary>Rows read (at most the limit passed to <see cref="Open"/>).</summary>
    public int Count { get; }

    /// <summary>Values per row, 1 to <see cref="VectorStore.MaxDimension"/>.</summary>
    public int Dimension { get; }

    /// <summary>Bytes of vector data: Count × Dimension × 4.</summary>
    public long VectorBytes => (long)Count * Dimension * sizeof(float);

    /// <summary>Row <paramref name="row"/> (0-based).</summary>
    public ReadOnlyMemory<float> Row(int row) => Vectors.AsMemory((int)((long)row * Dimension), Dimension);

    /// <summary>Rows <paramref name="first"/> .. first+count-1, row-major.</summary>
    public ReadOnlyMemory<float> Rows(int first, int count) => Vectors.AsMemory((int)((long)first * Dimension), (int)((long)count * Dimension));

    /// <summary>Reads the first <paramref name="limit"/> rows (all when the file has fewer) of <paramref name="path"/>:
    /// <c>.fvecs</c> (<see cref="FvecsFile"/>), <c>.npy</c> (<see cref="NpyFile"/>), IDX3 unsigned-byte images, plain or
    /// gzip with a <c>.gz</c> name (<see cref="IdxVectors"/>); any other name is recognized by its magic (NumPy's
    /// <c>\x93NUMPY</c>, IDX3's 00 00 08 03).</summary>
    /// <exception cref="FileNotFoundException">No such file, or <paramref name="path"/> is a directory.</exception>
    /// <exception cref="InvalidDataException">Unknown format, or a file that is not valid in its format; the message
    /// names the file and the problem.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> &lt; 1.</exception>
    public static VectorDataset Open(string path, int limit = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        if (Directory.Exists(path))
            throw new FileNotFoundException($"{path} is a directory; name a dataset file in it (.fvecs, .npy, IDX3 or .gz).", path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist.", path);
        // The readers size the file and the format sniff reads it twice: a pipe, FIFO or /dev/stdin cannot do either.
        using (var probe = File.OpenRead(path))
            if (!probe.CanSeek)
                throw new InvalidDataException($"{path}: not a regular file (a pipe or a device); the readers need its size and read it twice. Save it to a file first.");
        string name = System.IO.Path.GetFileName(path);
        if (name.EndsWith(".fvecs", StringComparison.OrdinalIgnoreCase)) return FvecsFile.Read(path, limit);
        if (name.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)) return NpyFile.Read(path, limit);
        if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || name.EndsWith("-ubyte", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".idx", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".idx3", StringComparison.OrdinalIgnoreCase))
            return IdxVectors.Read(path, limit);

        Span<byte> head = stackalloc byte[6];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..read];
        if (head.StartsWith(NpyFile.Magic)) return NpyFile.Read(path, limit);
        if (head.StartsWith(IdxVectors.Magic)) return IdxVectors.Read(path, limit);
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]))
            throw new InvalidDataException($"{path}: gzip-compressed, but only IDX files are read compressed and their name must end in .gz.");
        throw new InvalidDataException(
            $"{path}: unknown format (first bytes {Convert.ToHexString(head)}): expected .fvecs, .npy (NumPy, magic 934E554D5059) " +
            "or IDX3 unsigned-byte images (magic 00000803, .gz for gzip).");
    }
}

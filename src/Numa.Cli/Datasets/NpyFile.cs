// Reads NumPy .npy files (format versions 1.0, 2.0, 3.0; numpy.lib.format, NEP 1) holding a 2-D C-order
// little-endian float32 array: what `np.save(path, a.astype('<f4'))` writes. Our own: it is one header and a block
// of floats, and no NumPy reader is among the packages that restore here (ENVIRONMENT.md); the tests read files that
// numpy 1.24 wrote.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Numa.Vectors;

namespace Numa.Cli.Datasets;

/// <summary>
/// The .npy layout: the magic <c>\x93NUMPY</c>, major and minor version bytes, the header length (little-endian
/// uint16 for 1.x, uint32 for 2.x and 3.x), the header — a Python dict literal with <c>descr</c>,
/// <c>fortran_order</c> and <c>shape</c> (latin-1, UTF-8 from 3.0) — then the array's bytes.
/// </summary>
internal static class NpyFile
{
    /// <summary>The first six bytes of every .npy file.</summary>
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private const int MaxHeaderBytes = 1 << 20;   // numpy itself refuses headers over 10,000 bytes unless told otherwise

    /// <summary>Reads the first <paramref name="limit"/> rows of <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">Bad magic; an unknown version; a header that is not a dict with descr,
    /// fortran_order and shape; a dtype other than <c>'&lt;f4'</c>; Fortran order; a shape that is not 2-D with
    /// 1..<see cref="VectorStore.MaxDimension"/> columns; truncated data. The message names the file.</exception>
    public static VectorDataset Read(string path, int limit)
    {
        using var stream = File.OpenRead(path);
        Span<byte> prelude = stackalloc byte[12];
        int got = stream.ReadAtLeast(prelude[..10], 10, throwOnEndOfStream: false);
        if (got < Magic.Length || !prelude[..Magic.Length].SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: bad magic {Convert.ToHexString(prelude[..Math.Min(got, 6)])} at offset 0; a .npy file starts with 934E554D5059 (\\x93NUMPY).");
        if (got < 10) throw new InvalidDataException($"{path}: truncated in the .npy prelude ({got} of at least 10 bytes).");
        byte major = prelude[6], minor = prelude[7];
        long headerLength;
        int headerStart;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(prelude[8..]);
                headerStart = 10;
                break;
            case 2 or 3:
                if (stream.ReadAtLeast(prelude[10..12], 2, throwOnEndOfStream: false) < 2)
                    throw new InvalidDataException($"{path}: truncated in the .npy prelude (version {major}.{minor} has a 4-byte header length at offset 8).");
                headerLength = BinaryPrimitives.ReadUInt32LittleEndian(prelude[8..]);
                headerStart = 12;
                break;
            default:
                throw new InvalidDataException($"{path}: .npy format version {major}.{minor}; versions 1.0, 2.0 and 3.0 are read.");
        }
        if (headerLength > MaxHeaderBytes)
            throw new InvalidDataException($"{path}: the .npy header length at offset 8 is {headerLength} bytes, more than {MaxHeaderBytes}.");
        var headerBytes = new byte[headerLength];
        int headerRead = stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false);
        if (headerRead < headerBytes.Length)
            throw new InvalidDataException($"{path}: truncated in the .npy header: {headerLength} bytes declared at offset {headerStart}, {headerRead} there.");
        string text = major == 3 ? DecodeUtf8(headerBytes, path) : Encoding.Latin1.GetString(headerBytes);

        NpyHeader header;
        try
        {
            header = NpyHeader.Parse(text);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{path}: the .npy header at offset {headerStart} is not valid: {e.Message} (header: {text.Trim()})", e);
        }
        if (header.Descr != "<f4")
            throw new InvalidDataException($"{path}: dtype {Describe(header.Descr)}; only little-endian float32 ('<f4') is read: save it with np.save(path, a.astype('<f4')).");
        if (header.FortranOrder)
            throw new InvalidDataException($"{path}: the array is in Fortran (column-major) order; save a C-order one with np.save(path, np.ascontiguousarray(a)).");
        if (header.Shape.Length != 2)
            throw new InvalidDataException($"{path}: shape {NpyHeader.FormatShape(header.Shape)} is {header.Shape.Length}-D; expected 2-D (rows, dimension).");
        long rows = header.Shape[0], dimension = header.Shape[1];
        if (dimension is < 1 or > VectorStore.MaxDimension)
            throw new InvalidDataException($"{path}: shape {NpyHeader.FormatShape(header.Shape)}: the dimension must be 1..{VectorStore.MaxDimension}.");
        if (rows < 1) throw new InvalidDataException($"{path}: shape {NpyHeader.FormatShape(header.Shape)} holds no rows.");
        if (rows > long.MaxValue / sizeof(float) / dimension)
            throw new InvalidDataException($"{path}: shape {NpyHeader.FormatShape(header.Shape)} is larger than any file.");

        long dataOffset = headerStart + headerLength;
        long available = stream.Length - dataOffset;
        if (available < rows * dimension * sizeof(float))
            throw new InvalidDataException(
                $"{path}: truncated: shape {NpyHeader.FormatShape(header.Shape)} float32 needs {rows * dimension * sizeof(float)} bytes from offset {dataOffset}; the file has {available}.");
        int count = (int)Math.Min(rows, limit);
        if ((long)count * dimension > Array.MaxLength)
            throw new InvalidDataException($"{path}: {count} × {dimension} values do not fit in one array; read fewer rows (--limit).");
        var vectors = new float[count * dimension];
        stream.ReadExactly(MemoryMarshal.AsBytes(vectors.AsSpan()));
        if (!BitConverter.IsLittleEndian)
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(vectors.AsSpan()), MemoryMarshal.Cast<float, int>(vectors.AsSpan()));
        return new VectorDataset(path, "npy", vectors, count, (int)dimension);
    }

    private static string DecodeUtf8(byte[] bytes, string path)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidDataException($"{path}: the version 3.0 .npy header is not valid UTF-8.");
        }
    }

    private static string Describe(string descr) => descr switch
    {
        "<f8" => "'<f8' (float64)",
        ">f4" => "'>f4' (big-endian float32)",
        "<f2" => "'<f2' (float16)",
        "|u1" => "'|u1' (uint8)",
        "|i1" => "'|i1' (int8)",
        "<i4" => "'<i4' (int32)",
        "<i8" => "'<i8' (int64)",
        _ => $"'{descr}'",
    };
}

// The vector file readers behind `numa load` and `numa bench`: values read back exactly, limits, format picked by
// extension and by magic, and every kind of bad input refused with the file and the problem named.
using System.Buffers.Binary;
using System.IO.Compression;
using Numa.Cli.Datasets;

namespace Numa.Cli.Tests;

public sealed class DatasetReaderTests : IDisposable
{
    // Written by numpy 1.24.2 (np.save, and np.lib.format.write_array with version=(2,0) and (3,0)) from
    // np.array([[1.5, -2.25, 3.0], [0.125, 1e-3, -7.5]], dtype='<f4'), unless the name says otherwise.
    private const string NpyV1 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAQwAAAQEAAAAA+bxKDOgAA8MA=";
    private const string NpyV2 = "k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAQwAAAQEAAAAA+bxKDOgAA8MA=";
    private const string NpyV3 = "k05VTVBZAwB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAQwAAAQEAAAAA+bxKDOgAA8MA=";
    private const string NpyFloat64 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD4PwAAAAAAAALAAAAAAAAACEAAAAAAAADAPwAAAOBNYlA/AAAAAAAAHsA=";
    private const string NpyFortran = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AACAQAAAAEAAAKBAAABAQAAAwEA=";
    private const string NpyUInt8 = "k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAA=";
    private const string Npy3D = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMsIDEpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    private static readonly float[] s_values = [1.5f, -2.25f, 3.0f, 0.125f, 1e-3f, -7.5f];

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(NpyV1)]
    [InlineData(NpyV2)]
    [InlineData(NpyV3)]
    public void Npy_files_numpy_wrote_read_back_exactly(string base64)
    {
        var data = VectorDataset.Open(_folder.Write("a.npy", Convert.FromBase64String(base64)));
        Assert.Equal(("npy", 2, 3), (data.Format, data.Count, data.Dimension));
        Assert.Equal(s_values, data.Vectors);
        Assert.Equal(new[] { 0.125f, 1e-3f, -7.5f }, data.Row(1).ToArray());
    }

    [Fact]
    public void Npy_limit_reads_only_the_first_rows_and_the_magic_finds_a_file_without_extension()
    {
        var data = VectorDataset.Open(_folder.Write("vectors.bin", Convert.FromBase64String(NpyV1)), limit: 1);
        Assert.Equal(("npy", 1, 3), (data.Format, data.Count, data.Dimension));
        Assert.Equal(s_values[..3], data.Vectors);
    }

    [Theory]
    [InlineData(NpyFloat64, "dtype '<f8' (float64)")]
    [InlineData(NpyUInt8, "dtype '|u1' (uint8)")]
    [InlineData(NpyFortran, "Fortran (column-major) order")]
    [InlineData(Npy3D, "shape (2, 3, 1) is 3-D; expected 2-D")]
    public void Npy_arrays_that_are_not_2D_C_order_float32_are_refused(string base64, string problem)
    {
        string path = _folder.Write("bad.npy", Convert.FromBase64String(base64));
        var e = Assert.Throws<InvalidDataException>(() => VectorDataset.Open(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void A_truncated_npy_file_says_how_many_bytes_are_missing()
    {
        byte[] bytes = Convert.FromBase64String(NpyV1);
        string path = _folder.Write("cut.npy", bytes[..^5]);
        var e = Assert.Throws<InvalidDataException>(() => VectorDataset.Open(path));
        Assert.Contains("truncated: shape (2, 3) float32 needs 24 bytes from offset 128; the file has 19", e.Message);

        string header = _folder.Write("header.npy", bytes[..60]);
        Assert.Contains("truncated in the .npy header: 118 bytes declared at offset 10, 50 there",
            Assert.Throws<InvalidDataException>(() => VectorDataset.Open(header)).Message);
    }

    [Fact]
    public void An_npy_file_with_bad_magic_or_an_unknown_version_is_refused()
    {
        byte[] bytes = Convert.FromBase64String(NpyV1);
        bytes[1] = (byte)'X';
        string path = _folder.Write("magic.npy", bytes);
        Assert.Contains("bad magic 9358554D5059 at offset 0", Assert.Throws<InvalidDataException>(() => VectorDataset.Open(path)).Message);

        bytes = Convert.FromBase64String(NpyV1);
        bytes[6] = 4;
        path = _folder.Write("version.npy", bytes);
        Assert.Contains(".npy format version 4.0; versions 1.0, 2.0 and 3.0", Assert.Throws<InvalidDataException>(() => VectorDataset.Open(path)).Message);
    }

    [Fact]
    public void Fvecs_round_trip_with_a_limit()
    {
        string path = _folder.Write("a.fvecs", Fvecs(3, [1, 2, 3], [4, 5, 6], [7, 8, 9.5f], [-1, -2, -3]));
        var all = VectorDataset.Open(path);
        Assert.Equal(("fvecs", 4, 3), (all.Format, all.Count, all.Dimension));
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9.5f, -1, -2, -3 }, all.Vectors);
        var two = VectorDataset.Open(path, limit: 2);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, two.Vectors);
        Assert.Equal(2L * 3 * 4, two.VectorBytes);
    }

    [Fact]
    public void A_truncated_fvecs_file_names_the_cut_record()
    {
        byte[] bytes = Fvecs(2, [1, 2], [3, 4], [5, 6]);
        string path = _folder.Write("cut.fvecs", bytes[..^3]);
        var e = Assert.Throws<InvalidDataException>(() => VectorDataset.Open(path));
        Assert.Equal($"{path}: truncated: 33 bytes is 2 whole 12-byte records (4-byte dimension + 2 float32) and 9 bytes of a cut one at offset 24.", e.Message);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, VectorDataset.Open(path, limit: 2).Vectors);   // the rows asked for are whole
    }

    [Fact]
    public void Fvecs_records_must_share_one_dimension_in_range()
    {
        byte[] mixed = [.. Fvecs(2, [1, 2]), .. Fvecs(3, [1, 2, 3])];
        string path = _folder.Write("mixed.fvecs", mixed);
        Assert.Contains("record 1 at offset 12 has dimension 3; the first record's is 2",
            Assert.Throws<InvalidDataException>(() => VectorDataset.Open(path)).Message);

        string zero = _folder.Write("zero.fvecs", new byte[8]);
        Assert.Contains("the dimension at offset 0 is 0", Assert.Throws<InvalidDataException>(() => VectorDataset.Open(zero)).Message);
        string empty = _folder.Write("empty.fvecs", []);
        Assert.Contains("empty file", Assert.Throws<InvalidDataException>(() => VectorDataset.Open(empty)).Message);
    }

    [Fact]
    public void Idx_images_are_read_plain_by_magic_and_gzip_by_name()
    {
        byte[] idx = Idx(3, 2, 2, [0, 1, 2, 3, 10, 20, 30, 40, 255, 254, 253, 252]);
        var plain = VectorDataset.Open(_folder.Write("images", idx));
        Assert.Equal(("idx", 3, 4), (plain.Format, plain.Count, plain.Dimension));
        Assert.Equal(new float[] { 10, 20, 30, 40 }, plain.Row(1).ToArray());

        var gz = VectorDataset.Open(_folder.Write("images.gz", Gzip(idx)), limit: 2);
        Assert.Equal((2, 4), (gz.Count, gz.Dimension));
        Assert.Equal(new float[] { 0, 1, 2, 3, 10, 20, 30, 40 }, gz.Vectors);
    }

    [Fact]
    public void Bad_idx_and_gzip_input_is_refused_with_the_file_named()
    {
        byte[] idx = Idx(3, 2, 2, new byte[12]);
        string cut = _folder.Write("cut-idx3-ubyte", idx[..^2]);
        Assert.Contains("truncated at offset 24", Assert.Throws<InvalidDataException>(() => VectorDataset.Open(cut)).Message);

        string notGzip = _folder.Write("raw.gz", idx);
        var e = Assert.Throws<InvalidDataException>(() => VectorDataset.Open(notGzip));
        Assert.StartsWith($"{notGzip}: not valid gzip data", e.Message);

        string unnamed = _folder.Write("images.bin", Gzip(idx));
        Assert.Contains("gzip-compressed", Assert.Throws<InvalidDataException>(() => VectorDataset.Open(unnamed)).Message);
    }

    [Fact]
    public void An_unknown_format_or_a_missing_file_is_refused()
    {
        string text = _folder.Write("notes.txt", "hello, world"u8.ToArray());
        Assert.Equal($"{text}: unknown format (first bytes 68656C6C6F2C): expected .fvecs, .npy (NumPy, magic 934E554D5059) or IDX3 unsigned-byte images (magic 00000803, .gz for gzip).",
            Assert.Throws<InvalidDataException>(() => VectorDataset.Open(text)).Message);
        Assert.Throws<FileNotFoundException>(() => VectorDataset.Open(Path.Combine(_folder.Path, "none.npy")));
    }

    private static byte[] Fvecs(int dimension, params float[][] rows)
    {
        var bytes = new byte[rows.Length * (4 + 4 * dimension)];
        int at = 0;
        foreach (var row in rows)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), row.Length);
            at += 4;
            foreach (float v in row)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at), v);
                at += 4;
            }
        }
        return bytes[..at];
    }

    [Fact]
    public void An_idx_header_promising_more_images_than_the_file_or_an_array_holds_is_a_clear_error()
    {
        // 3,000,000 images of 28×28 in a 116-byte file: an OverflowException from the allocation before.
        var promised = Assert.Throws<InvalidDataException>(() => VectorDataset.Open(_folder.Write("many.idx", Idx(3_000_000, 28, 28, new byte[100]))));
        Assert.Contains("more floats than one array holds", promised.Message);
        // 10,000 images of 4×4 in a file with two: truncated, found at the third row without allocating for 10,000 first.
        var truncated = Assert.Throws<InvalidDataException>(() => VectorDataset.Open(_folder.Write("short.idx.gz", Gzip(Idx(10_000, 4, 4, new byte[32])))));
        Assert.Contains("truncated", truncated.Message);
        var fine = VectorDataset.Open(_folder.Write("ok.idx", Idx(5000, 2, 2, new byte[5000 * 4])));   // past the first 4,096 rows
        Assert.Equal((5000, 4, 20_000), (fine.Count, fine.Dimension, fine.Vectors.Length));
    }

    [Fact]
    public async Task A_pipe_is_refused_as_not_a_regular_file()
    {
        var ct = TestContext.Current.CancellationToken;
        string fifo = Path.Combine(_folder.Path, "queries.fvecs");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync(ct);
            Assert.Equal(0, mkfifo.ExitCode);
        }
        // A writer, so that opening the FIFO for reading does not wait for ever.
        var writer = Task.Run(() => { using var w = new FileStream(fifo, FileMode.Open, FileAccess.Write); w.Write(new byte[8]); }, ct);
        var e = Assert.Throws<InvalidDataException>(() => VectorDataset.Open(fifo));
        Assert.Contains("not a regular file", e.Message);
        try { await writer.WaitAsync(TimeSpan.FromSeconds(10), ct); } catch (IOException) { }   // the writer may see the reader leave (EPIPE)
    }

    private static byte[] Idx(int count, int rows, int cols, byte[] pixels)
    {
        var bytes = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, 0x00000803);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        pixels.CopyTo(bytes, 16);
        return bytes;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(bytes);
        return output.ToArray();
    }
}

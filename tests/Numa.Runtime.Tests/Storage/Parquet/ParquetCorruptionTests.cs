// Damaged files: every truncation and every single-bit flip of a file is either refused with a
// ParquetFormatException or (for bytes no reader needs, such as created_by) reads back the same rows; never
// different rows, never another exception. Plus targeted malformations with the message and offset expected,
// footers and pages that claim far more values than they hold (refused without allocating for the claim), and the
// stream a refused file leaves behind.
using System.Buffers.Binary;
using System.Text;
using Numa.Storage.Parquet;
using Numa.Storage.Parquet.Thrift;

namespace Numa.Tests.Storage.Parquet;

public sealed class ParquetCorruptionTests
{
    private static readonly ParquetWriterOptions s_small = new() { RowGroupSize = 7, PageSize = 40 };

    [Theory]
    [InlineData(ParquetCompression.Uncompressed)]
    [InlineData(ParquetCompression.Snappy)]
    [InlineData(ParquetCompression.Gzip)]
    public void Every_truncation_is_detected(ParquetCompression codec)
    {
        byte[] file = TestRows.Write(TestRows.Build(20, 3).AsBatch(), new ParquetWriterOptions { RowGroupSize = 7, PageSize = 40, Compression = codec });
        for (int length = 0; length < file.Length; length++)
        {
            var e = Assert.Throws<ParquetFormatException>(() => TestRows.ReadAll(file[..length], 3));
            Assert.Equal("test.parquet", e.SourceName);
        }
    }

    [Theory]
    [InlineData(ParquetCompression.Uncompressed)]
    [InlineData(ParquetCompression.Snappy)]
    [InlineData(ParquetCompression.Gzip)]
    public void Every_bit_flip_is_detected_or_leaves_the_rows_unchanged(ParquetCompression codec)
    {
        VectorBatchBuffer rows = TestRows.Build(20, 3);
        byte[] file = TestRows.Write(rows.AsBatch(), new ParquetWriterOptions { RowGroupSize = 7, PageSize = 40, Compression = codec });
        int footerStart = file.Length - 8 - BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 8));
        int detected = 0, harmlessInPages = 0, harmlessInFooter = 0;
        for (int bit = 0; bit < file.Length * 8; bit++)
        {
            byte[] damaged = (byte[])file.Clone();
            damaged[bit >> 3] ^= (byte)(1 << (bit & 7));
            VectorBatchBuffer back;
            try
            {
                back = TestRows.ReadAll(damaged, 3);
            }
            catch (ParquetFormatException)
            {
                detected++;
                continue;
            }
            // Undetected flips may only hit bytes the rows do not depend on (created_by, statistics, the level
            // encoding of a column without levels): the rows must come back unchanged.
            TestRows.Equal(rows.AsBatch(), back.AsBatch());
            if (bit >> 3 < footerStart) harmlessInPages++;
            else harmlessInFooter++;
        }
        // Page bodies carry CRCs and headers are cross-checked, so almost every flip before the footer is caught.
        Assert.True(harmlessInPages * 50 < footerStart * 8, $"{harmlessInPages} of {footerStart * 8} flips in the pages went unnoticed");
        Assert.True(detected > 4 * (harmlessInPages + harmlessInFooter), $"{detected} detected, {harmlessInPages + harmlessInFooter} harmless");
    }

    [Fact]
    public void Wrong_magic_and_footer_lengths_are_named()
    {
        byte[] file = TestRows.Write(TestRows.Build(10, 2).AsBatch(), s_small);

        byte[] head = (byte[])file.Clone();
        head[0] = (byte)'X';
        Assert.Contains("offset 0: leading magic", Read(head).Message);

        byte[] footer = (byte[])file.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(footer.AsSpan(file.Length - 8), file.Length);
        ParquetFormatException e = Read(footer);
        Assert.Equal(file.Length - 8, e.Offset);
        Assert.Contains($"footer length {file.Length} exceeds", e.Problem);
    }

    [Fact]
    public void A_damaged_page_body_fails_its_checksum_at_the_page_offset()
    {
        byte[] file = TestRows.Write(TestRows.Build(10, 2).AsBatch(), new ParquetWriterOptions { Compression = ParquetCompression.Uncompressed });
        // The first page is the id column's; its body (ten little-endian ids) follows the page header.
        byte[] firstId = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(firstId, TestRows.Build(10, 2).AsBatch().Ids[0]);
        int at = file.AsSpan().IndexOf(firstId);
        file[at] ^= 0x40;
        ParquetFormatException e = Read(file);
        Assert.Contains("column 'id': page CRC mismatch", e.Problem);
        Assert.Equal(at, e.Offset);
    }

    [Fact]
    public void Without_checksums_a_wrong_value_count_is_still_caught()
    {
        byte[] file = TestRows.Write(TestRows.Build(10, 2).AsBatch(),
            new ParquetWriterOptions { Compression = ParquetCompression.Uncompressed, PageChecksums = false });
        // Drop the last id from the first page by shrinking its body: rewrite num_values 10 → 9 in the header.
        // The header is: 15 00 (type DATA_PAGE), 15 a0 01 (80 bytes), 15 a0 01, 2c (data_page_header) 15 14 (num_values 10) …
        int at = file.AsSpan().IndexOf(new byte[] { 0x2C, 0x15, 0x14 });
        file[at + 2] = 0x12;
        ParquetFormatException e = Read(file);
        Assert.Contains("column 'id'", e.Problem);
        Assert.Contains("PLAIN values take 80 bytes, expected 72", e.Problem);
    }

    [Fact]
    public void A_footer_claiming_millions_of_rows_is_refused_without_allocating_for_them()
    {
        // 1 KiB of file whose footer claims 16,777,216 rows of dimension 127 (8.5 GB decoded); the pages hold one.
        const long claimed = 1 << 24;
        byte[] file = TestRows.Write(TestRows.Build(1, 127).AsBatch(), new ParquetWriterOptions { Compression = ParquetCompression.Uncompressed });
        FileMetaData meta = TestFiles.Footer(file);
        meta.NumRows = meta.RowGroups[0].NumRows = claimed;
        for (int c = 0; c < 4; c++) meta.RowGroups[0].Columns[c].MetaData!.NumValues = c == 1 ? claimed * 127 : claimed;
        byte[] bad = TestFiles.WithFooter(file, meta);

        long before = GC.GetAllocatedBytesForCurrentThread();
        ParquetFormatException e = Read(bad, 127);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes for a {bad.Length}-byte file");
        Assert.Contains("column 'id': pages hold 1 values, the column chunk declares 16777216", e.Problem);
    }

    [Fact]
    public void A_page_claiming_more_levels_than_its_runs_hold_is_refused_before_they_are_allocated()
    {
        // 2^20 rows of dimension 127: the id column really holds them (one RLE run of dictionary index 0), but the
        // vector column's one page, which holds one row's levels, declares all 133,169,152 values.
        const int rows = 1 << 20, dim = 127;
        byte[] file = TestRows.Write(TestRows.Build(1, dim).AsBatch(),
            new ParquetWriterOptions { Compression = ParquetCompression.Uncompressed, PageChecksums = false });
        byte[] vectorBody = TestFiles.FirstPageBody(file, 1);
        file = TestFiles.WithChunk(file, 0, dictionary: true,
            TestFiles.DictionaryPage(1, new byte[8]), TestFiles.DataPage(rows, ParquetEncoding.RleDictionary, [1, .. TestFiles.Run(rows, 0)]));
        file = TestFiles.WithChunk(file, 1, dictionary: false, TestFiles.DataPage(rows * dim, ParquetEncoding.Plain, vectorBody));
        FileMetaData meta = TestFiles.Footer(file);
        meta.NumRows = meta.RowGroups[0].NumRows = rows;
        for (int c = 0; c < 4; c++) meta.RowGroups[0].Columns[c].MetaData!.NumValues = c == 1 ? (long)rows * dim : rows;
        byte[] bad = TestFiles.WithFooter(file, meta);

        long before = GC.GetAllocatedBytesForCurrentThread();
        ParquetFormatException e = Read(bad, dim);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // The ids (8 MiB) and their indices (4 MiB) are decoded; the 2 × 133 MB of levels the page claims are not,
        // nor the 532 MB of vectors its row count would take.
        Assert.True(allocated < 16 << 20, $"allocated {allocated} bytes for a {bad.Length}-byte file");
        Assert.Contains("column 'vector.list.element': repetition levels: run header at byte", e.Problem);
        Assert.Contains($"of {rows * dim} values", e.Problem);
    }

    [Fact]
    public void A_stream_the_reader_owns_is_closed_when_the_constructor_throws()
    {
        using var directory = new TempDirectory();
        string path = Path.Combine(directory.Path, "junk.parquet");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("PAR1 this is not a parquet file PAR1"));

        var owned = new FileStream(path, FileMode.Open, FileAccess.Read);
        Assert.Throws<ParquetFormatException>(() => new ParquetVectorReader(owned, path));
        Assert.False(owned.CanRead);

        using var kept = new FileStream(path, FileMode.Open, FileAccess.Read);
        Assert.Throws<ParquetFormatException>(() => new ParquetVectorReader(kept, path, leaveOpen: true));
        Assert.True(kept.CanRead);
    }

    private static ParquetFormatException Read(byte[] file, int dim) =>
        Assert.Throws<ParquetFormatException>(() => TestRows.ReadAll(file, dim));

    private static ParquetFormatException Read(byte[] file) =>
        Assert.Throws<ParquetFormatException>(() => TestRows.ReadAll(file, 2));
}

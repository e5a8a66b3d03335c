// What the writer writes, the reader restores exactly: every codec, several row groups and pages, nulls, short
// and long vectors, batches cut anywhere, row groups cut by bytes. Options out of range are refused.
using System.Text;
using Numa.Storage.Parquet;

namespace Numa.Tests.Storage.Parquet;

public sealed class ParquetRoundTripTests
{
    [Theory]
    [InlineData(ParquetCompression.Uncompressed)]
    [InlineData(ParquetCompression.Snappy)]
    [InlineData(ParquetCompression.Gzip)]
    public void Rows_come_back_equal_for_each_codec(ParquetCompression codec)
    {
        VectorBatchBuffer rows = TestRows.Build(2_345, 17);
        byte[] file = TestRows.Write(rows.AsBatch(), new ParquetWriterOptions { RowGroupSize = 1_000, PageSize = 4_096, Compression = codec });

        using var reader = new ParquetVectorReader(new MemoryStream(file), "t.parquet");
        Assert.Equal(2_345, reader.RowCount);
        Assert.Equal(3, reader.RowGroupCount);
        Assert.Equal([1_000, 1_000, 345], Enumerable.Range(0, 3).Select(reader.GetRowGroupRowCount));
        Assert.Equal(17, reader.Dimension);
        Assert.StartsWith("numa version ", reader.CreatedBy);
        TestRows.Equal(rows.AsBatch(), TestRows.ReadAll(file, 17).AsBatch());
    }

    [Fact]
    public void Batches_cut_anywhere_give_the_same_file_as_one_batch()
    {
        VectorBatchBuffer rows = TestRows.Build(1_000, 9);
        var options = new ParquetWriterOptions { RowGroupSize = 300, PageSize = 1_000 };
        byte[] whole = TestRows.Write(rows.AsBatch(), options);

        using var stream = new MemoryStream();
        using (var writer = new ParquetVectorWriter(stream, 9, options))
        {
            VectorBatch all = rows.AsBatch();
            int[] cuts = [0, 1, 2, 299, 300, 301, 650, 999, 1_000];
            for (int k = 0; k + 1 < cuts.Length; k++) writer.Write(all.Slice(cuts[k], cuts[k + 1] - cuts[k]));
            writer.Finish();
            Assert.Equal(1_000, writer.RowCount);
            Assert.Equal(4, writer.RowGroupCount);
        }
        Assert.Equal(whole, stream.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(784)]
    public void Vectors_of_any_dimension_round_trip(int dim)
    {
        VectorBatchBuffer rows = TestRows.Build(50, dim);
        byte[] file = TestRows.Write(rows.AsBatch(), new ParquetWriterOptions { RowGroupSize = 20, PageSize = 64 });
        TestRows.Equal(rows.AsBatch(), TestRows.ReadAll(file, dim).AsBatch());
    }

    [Fact]
    public void Metadata_absent_from_every_row_reads_back_as_nulls()
    {
        VectorBatchBuffer rows = TestRows.Build(100, 4, withMetadata: false);
        VectorBatchBuffer back = TestRows.ReadAll(TestRows.Write(rows.AsBatch(), new ParquetWriterOptions()), 4);
        Assert.All(Enumerable.Range(0, 100), i => Assert.True(back.AsBatch().IsMetadataNull(i)));
        TestRows.Equal(rows.AsBatch(), back.AsBatch());
    }

    [Fact]
    public void An_empty_file_has_no_row_groups_and_keeps_its_dimension()
    {
        using var stream = new MemoryStream();
        using (var writer = new ParquetVectorWriter(stream, 5)) writer.Finish();
        using var reader = new ParquetVectorReader(new MemoryStream(stream.ToArray()), "empty.parquet");
        Assert.Equal(0, reader.RowCount);
        Assert.Equal(0, reader.RowGroupCount);
        Assert.Equal(5, reader.Dimension);
    }

    [Fact]
    public void Row_groups_hold_no_more_vectors_than_MaxRowGroupBytes()
    {
        // Dimension 16 is 64 bytes a row: 1,000 bytes hold 15 rows, fewer than RowGroupSize.
        VectorBatchBuffer rows = TestRows.Build(40, 16, withMetadata: false);
        byte[] file = TestRows.Write(rows.AsBatch(), new ParquetWriterOptions { RowGroupSize = 100, MaxRowGroupBytes = 1_000 });
        using (var reader = new ParquetVectorReader(new MemoryStream(file), "t.parquet"))
            Assert.Equal([15, 15, 10], Enumerable.Range(0, reader.RowGroupCount).Select(reader.GetRowGroupRowCount));
        TestRows.Equal(rows.AsBatch(), TestRows.ReadAll(file, 16).AsBatch());

        // A row larger than the limit is a row group of its own.
        VectorBatchBuffer wide = TestRows.Build(3, 300, withMetadata: false);
        byte[] wideFile = TestRows.Write(wide.AsBatch(), new ParquetWriterOptions { MaxRowGroupBytes = 1_000 });
        using (var reader = new ParquetVectorReader(new MemoryStream(wideFile), "t.parquet"))
            Assert.Equal([1, 1, 1], Enumerable.Range(0, reader.RowGroupCount).Select(reader.GetRowGroupRowCount));
        TestRows.Equal(wide.AsBatch(), TestRows.ReadAll(wideFile, 300).AsBatch());
    }

    [Fact]
    public void Row_groups_end_before_their_metadata_passes_MaxRowGroupBytes_whatever_the_batches()
    {
        // 50 rows of dimension 1 (4 bytes) and 100 bytes of metadata, but row 20 has 1,500 and row 40 none:
        // 1,000 bytes hold 9 such rows, row 20 alone, and row 40 leaves room for a tenth.
        const int count = 50;
        var ids = new long[count];
        var timestamps = new long[count];
        var offsets = new int[count + 1];
        var validity = new byte[(count + 7) / 8];
        var bytes = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            ids[i] = i;
            if (i != 40)
            {
                validity[i >> 3] |= (byte)(1 << (i & 7));
                bytes.Append((char)('a' + i % 26), i == 20 ? 1_500 : 100);
            }
            offsets[i + 1] = bytes.Length;
        }
        var rows = new VectorBatch(ids, new float[count], 1, timestamps, offsets, Encoding.ASCII.GetBytes(bytes.ToString()), validity);
        var options = new ParquetWriterOptions { RowGroupSize = 30, MaxRowGroupBytes = 1_000 };
        byte[] whole = TestRows.Write(rows, options);

        using (var reader = new ParquetVectorReader(new MemoryStream(whole), "t.parquet"))
            Assert.Equal([9, 9, 2, 1, 9, 9, 10, 1], Enumerable.Range(0, reader.RowGroupCount).Select(reader.GetRowGroupRowCount));
        TestRows.Equal(rows, TestRows.ReadAll(whole, 1).AsBatch());

        // Through the buffer (batches that end inside a row group, or just before the row that would not fit)
        // the row groups are the same.
        using var stream = new MemoryStream();
        using (var writer = new ParquetVectorWriter(stream, 1, options))
        {
            int[] cuts = [0, 3, 9, 19, 20, 21, 33, 49, 50];
            for (int k = 0; k + 1 < cuts.Length; k++) writer.Write(rows.Slice(cuts[k], cuts[k + 1] - cuts[k]));
            writer.Finish();
            Assert.Equal(8, writer.RowGroupCount);
        }
        Assert.Equal(whole, stream.ToArray());
    }

    [Fact]
    public void A_batch_without_metadata_counts_the_metadata_already_buffered_against_MaxRowGroupBytes()
    {
        // 5 buffered rows of dimension 1 with 150 bytes of metadata each (770 bytes), then 100 rows with no metadata
        // column at all (4 bytes each): the first row group takes 57 of them (1,000 bytes), not all 100 (1,170).
        var options = new ParquetWriterOptions { RowGroupSize = 1_000, MaxRowGroupBytes = 1_000 };
        var offsets = Enumerable.Range(0, 6).Select(i => i * 150).ToArray();
        var first = new VectorBatch(new long[] { 0, 1, 2, 3, 4 }, new float[5], 1, new long[5], offsets, new byte[750]);
        long[] ids = [.. Enumerable.Range(5, 100).Select(i => (long)i)];
        var second = new VectorBatch(ids, new float[100], 1, new long[100]);
        using var stream = new MemoryStream();
        using (var writer = new ParquetVectorWriter(stream, 1, options))
        {
            writer.Write(first);
            writer.Write(second);
            writer.Finish();
        }
        using var reader = new ParquetVectorReader(new MemoryStream(stream.ToArray()), "t.parquet");
        Assert.Equal([62, 43], Enumerable.Range(0, reader.RowGroupCount).Select(reader.GetRowGroupRowCount));
    }

    [Fact]
    public void Options_out_of_range_are_refused()
    {
        Assert.Equal("MaxPageSize", Assert.Throws<ArgumentOutOfRangeException>(() => new ParquetReaderOptions { MaxPageSize = -1 }).ParamName);
        Assert.Equal("MaxFooterSize", Assert.Throws<ArgumentOutOfRangeException>(() => new ParquetReaderOptions { MaxFooterSize = 0 }).ParamName);
        Assert.Equal("MaxRowGroupRows", Assert.Throws<ArgumentOutOfRangeException>(() => new ParquetReaderOptions { MaxRowGroupRows = -5 }).ParamName);
        Assert.Equal("MaxDimension", Assert.Throws<ArgumentOutOfRangeException>(() => new ParquetReaderOptions { MaxDimension = 0 }).ParamName);
        Assert.Equal("MaxRowGroupMetadataBytes",
            Assert.Throws<ArgumentOutOfRangeException>(() => new ParquetReaderOptions { MaxRowGroupMetadataBytes = 0 }).ParamName);
        Assert.Equal("MaxRowGroupMetadataBytes",
            Assert.Throws<ArgumentOutOfRangeException>(() => new ParquetReaderOptions { MaxRowGroupMetadataBytes = Array.MaxLength + 1 }).ParamName);
        Assert.Equal(1, new ParquetReaderOptions { MaxPageSize = 1 }.MaxPageSize);

        foreach (int bad in new[] { 0, Array.MaxLength + 1 })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ParquetVectorWriter(new MemoryStream(), 2, new ParquetWriterOptions { MaxRowGroupBytes = bad }));
            Assert.Equal("options.MaxRowGroupBytes", e.ParamName);
        }
    }

    [Fact]
    public void A_batch_whose_columns_disagree_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new VectorBatch(new long[2], new float[5], 2, new long[2]));
        Assert.Throws<ArgumentException>(() => new VectorBatch(new long[2], new float[4], 2, new long[1]));
        Assert.Throws<ArgumentException>(() => new VectorBatch(new long[2], new float[4], 2, new long[2], [0, 3, 1], new byte[3]));
        Assert.Throws<ArgumentException>(() => new VectorBatch(new long[1], new float[2], 2, new long[1], [0, 9], new byte[3]));
        using var writer = new ParquetVectorWriter(new MemoryStream(), 3);
        Assert.Throws<ArgumentException>(() => writer.Write(new VectorBatch(new long[1], new float[2], 2, new long[1])));
    }
}

// What the writer writes, the reader restores exactly: every codec, several row groups and pages, nulls, short
// and long vectors, batches cut anywhere.
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

// Dictionary-encoded chunks, which other writers (DuckDB, parquet-mr) write and ours does not: they read back as
// the rows they encode wherever the footer says the chunk begins, and within the metadata limit.
using System.Text;
using Numa.Storage.Parquet;
using Numa.Storage.Parquet.Thrift;

namespace Numa.Tests.Storage.Parquet;

public sealed class ParquetDictionaryTests
{
    private const int MetadataColumn = 2;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_dictionary_page_offset_of_0_or_at_the_data_page_means_the_chunk_begins_at_the_data_page(bool zero)
    {
        VectorBatchBuffer rows = TestRows.Build(30, 2);
        byte[] file = WithDictionaryMetadata(rows.AsBatch());
        TestRows.Equal(rows.AsBatch(), TestRows.ReadAll(file, 2).AsBatch());

        // parquet-mr before 1.11 wrote dictionary_page_offset 0 and data_page_offset at the dictionary page
        // (PARQUET-1402); some writers set both to the dictionary page.
        FileMetaData meta = TestFiles.Footer(file);
        ColumnMetaData m = meta.RowGroups[0].Columns[MetadataColumn].MetaData!;
        m.DataPageOffset = m.DictionaryPageOffset!.Value;
        m.DictionaryPageOffset = zero ? 0 : m.DataPageOffset;
        TestRows.Equal(rows.AsBatch(), TestRows.ReadAll(TestFiles.WithFooter(file, meta), 2).AsBatch());
    }

    [Fact]
    public void Metadata_past_MaxRowGroupMetadataBytes_is_refused_naming_the_row_group_and_column()
    {
        // 2,100 rows that each point at one 1 KiB dictionary entry: 2 KiB of pages decode to 2.1 MB of metadata.
        const int count = 2_100, entry = 1 << 10;
        byte[] value = Encoding.ASCII.GetBytes(new string('a', entry));
        VectorBatchBuffer rows = TestRows.Build(count, 1, withMetadata: false);
        byte[] file = TestRows.Write(rows.AsBatch(), new ParquetWriterOptions { RowGroupSize = count, Compression = ParquetCompression.Uncompressed });
        byte[] ones = Enumerable.Repeat((byte)1, count).ToArray();
        file = TestFiles.WithChunk(file, MetadataColumn, dictionary: true,
            TestFiles.DictionaryPage(1, TestFiles.PlainByteArrays([value])),
            TestFiles.DataPage(count, ParquetEncoding.RleDictionary, [.. TestFiles.Levels(ones, 1), .. TestFiles.Indices(new byte[count], 1)]));

        VectorBatch back = TestRows.ReadAll(file, 1).AsBatch();
        Assert.Equal(count, back.Count);
        Assert.Equal(count * entry, back.MetadataBytes.Length);
        for (int i = 0; i < count; i++) Assert.True(back.Metadata(i).SequenceEqual(value), $"metadata of row {i} differs");

        using var reader = new ParquetVectorReader(new MemoryStream(file), "t.parquet", new ParquetReaderOptions { MaxRowGroupMetadataBytes = 1 << 20 });
        var e = Assert.Throws<ParquetFormatException>(() => reader.ReadRowGroup(0));
        // Rows 0..1023 fill the 1 MiB exactly; row 1024 would pass it.
        Assert.Equal("row group 0 column 'metadata': row 1024 takes the metadata past 1048576 bytes; raise "
            + $"ParquetReaderOptions.MaxRowGroupMetadataBytes (at most {Array.MaxLength}) or rewrite the file with smaller row groups", e.Problem);
    }

    // The file of the rows (one row group) with its metadata column dictionary-encoded: one entry per distinct value.
    private static byte[] WithDictionaryMetadata(VectorBatch rows)
    {
        byte[] file = TestRows.Write(rows, new ParquetWriterOptions { RowGroupSize = rows.Count });
        var entries = new List<byte[]>();
        var levels = new byte[rows.Count];
        var indices = new List<byte>();
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows.IsMetadataNull(i)) continue;
            levels[i] = 1;
            byte[] value = rows.Metadata(i).ToArray();
            int k = entries.FindIndex(e => e.AsSpan().SequenceEqual(value));
            if (k < 0)
            {
                k = entries.Count;
                entries.Add(value);
            }
            indices.Add((byte)k);
        }
        int width = RleBitPackedHybrid.BitWidth(entries.Count - 1);
        return TestFiles.WithChunk(file, MetadataColumn, dictionary: true,
            TestFiles.DictionaryPage(entries.Count, TestFiles.PlainByteArrays(entries)),
            TestFiles.DataPage(rows.Count, ParquetEncoding.RleDictionary, [.. TestFiles.Levels(levels, 1), .. TestFiles.Indices([.. indices], width)]));
    }
}

// Rewrites of files the writer made, for the reader tests: the footer parsed and replaced, and a column chunk of
// the first row group replaced by hand-made pages (dictionary-encoded ones included, which the writer never writes).
using System.Buffers.Binary;
using Numa.Storage.Parquet;
using Numa.Storage.Parquet.Thrift;

namespace Numa.Tests.Storage.Parquet;

internal static class TestFiles
{
    /// <summary>The parsed footer of <paramref name="file"/>.</summary>
    public static FileMetaData Footer(byte[] file) => Footer(file, out _);

    /// <summary><paramref name="file"/> with its footer replaced by <paramref name="meta"/>.</summary>
    public static byte[] WithFooter(byte[] file, FileMetaData meta)
    {
        Footer(file, out int start);
        return Concat(file.AsSpan(0, start), meta);
    }

    /// <summary><paramref name="file"/> with column <paramref name="column"/> of row group 0 replaced by
    /// <paramref name="pages"/> (uncompressed; the first is the dictionary page when
    /// <paramref name="dictionary"/>). The pages go where the footer was; the old chunk stays, unread.</summary>
    public static byte[] WithChunk(byte[] file, int column, bool dictionary, params byte[][] pages)
    {
        FileMetaData meta = Footer(file, out int start);
        ColumnMetaData m = meta.RowGroups[0].Columns[column].MetaData!;
        m.Codec = (int)ParquetCompression.Uncompressed;
        m.DictionaryPageOffset = dictionary ? start : null;
        m.DataPageOffset = start + (dictionary ? pages[0].Length : 0);
        m.TotalCompressedSize = m.TotalUncompressedSize = pages.Sum(p => (long)p.Length);
        m.Encodings = [(int)ParquetEncoding.Plain, (int)ParquetEncoding.Rle, (int)ParquetEncoding.RleDictionary];
        var data = new MemoryStream();
        data.Write(file, 0, start);
        foreach (byte[] page in pages) data.Write(page);
        return Concat(data.ToArray(), meta);
    }

    /// <summary>A dictionary page of <paramref name="count"/> PLAIN entries: header, then <paramref name="body"/>.</summary>
    public static byte[] DictionaryPage(int count, ReadOnlySpan<byte> body)
    {
        var w = new CompactWriter();
        w.BeginStruct();
        w.FieldI32(1, (int)PageType.DictionaryPage);
        w.FieldI32(2, body.Length);
        w.FieldI32(3, body.Length);
        w.FieldStructBegin(7);
        w.FieldI32(1, count);
        w.FieldI32(2, (int)ParquetEncoding.Plain);
        w.EndStruct();
        w.EndStruct();
        return [.. w.WrittenSpan, .. body];
    }

    /// <summary>A data page v1 of <paramref name="numValues"/> level entries, RLE levels, values in
    /// <paramref name="encoding"/>: header, then <paramref name="body"/>.</summary>
    public static byte[] DataPage(int numValues, ParquetEncoding encoding, ReadOnlySpan<byte> body)
    {
        var w = new CompactWriter();
        FooterCodec.Write(w, new PageHeader
        {
            Type = PageType.DataPage,
            UncompressedPageSize = body.Length,
            CompressedPageSize = body.Length,
            HasDataPageHeader = true,
            Values = new PageValuesHeader
            {
                NumValues = numValues,
                Encoding = (int)encoding,
                DefinitionLevelEncoding = (int)ParquetEncoding.Rle,
                RepetitionLevelEncoding = (int)ParquetEncoding.Rle,
            },
        });
        return [.. w.WrittenSpan, .. body];
    }

    /// <summary>The body of the first page of column <paramref name="column"/> in row group 0 (of a file written
    /// uncompressed).</summary>
    public static byte[] FirstPageBody(byte[] file, int column)
    {
        ColumnMetaData m = Footer(file).RowGroups[0].Columns[column].MetaData!;
        Span<short> ids = stackalloc short[CompactReader.MaxDepth];
        var reader = new CompactReader(file.AsSpan((int)m.DataPageOffset), m.DataPageOffset, ids);
        PageHeader h = FooterCodec.ReadPageHeader(ref reader);
        return file.AsSpan((int)m.DataPageOffset + reader.Position, h.CompressedPageSize).ToArray();
    }

    /// <summary>Levels of a data page v1: 4-byte length, then the RLE / bit-packed runs.</summary>
    public static byte[] Levels(ReadOnlySpan<byte> levels, int bitWidth)
    {
        using var buffer = new PageBuffer();
        RleBitPackedHybrid.WriteWithLength(buffer, levels, bitWidth);
        return buffer.Written.ToArray();
    }

    /// <summary>Dictionary indices of a data page: the bit width, then the runs (no length).</summary>
    public static byte[] Indices(ReadOnlySpan<byte> indices, int bitWidth) => [(byte)bitWidth, .. Levels(indices, bitWidth).AsSpan(4)];

    /// <summary>One RLE run: <paramref name="count"/> times <paramref name="value"/> (one byte wide).</summary>
    public static byte[] Run(long count, byte value)
    {
        var run = new List<byte>();
        for (ulong v = (ulong)count << 1; ; v >>= 7)
        {
            if (v < 0x80)
            {
                run.Add((byte)v);
                break;
            }
            run.Add((byte)(v | 0x80));
        }
        run.Add(value);
        return [.. run];
    }

    /// <summary>PLAIN BYTE_ARRAY values: each a 4-byte little-endian length, then its bytes.</summary>
    public static byte[] PlainByteArrays(IEnumerable<byte[]> values)
    {
        var output = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (byte[] value in values)
        {
            BinaryPrimitives.WriteInt32LittleEndian(length, value.Length);
            output.Write(length);
            output.Write(value);
        }
        return output.ToArray();
    }

    private static FileMetaData Footer(byte[] file, out int start)
    {
        int length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 8));
        start = file.Length - 8 - length;
        Span<short> ids = stackalloc short[CompactReader.MaxDepth];
        var reader = new CompactReader(file.AsSpan(start, length), start, ids);
        return FooterCodec.ReadFileMetaData(ref reader);
    }

    private static byte[] Concat(ReadOnlySpan<byte> data, FileMetaData meta)
    {
        var w = new CompactWriter();
        FooterCodec.Write(w, meta);
        var tail = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tail, w.WrittenSpan.Length);
        "PAR1"u8.CopyTo(tail.AsSpan(4));
        return [.. data, .. w.WrittenSpan, .. tail];
    }
}

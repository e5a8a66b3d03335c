// The parts of parquet.thrift (apache/parquet-format src/main/thrift/parquet.thrift) that Numa writes and reads:
// the footer's FileMetaData tree and page headers, as plain classes. Field ids are the spec's; FooterCodec maps
// them to and from the compact protocol.
namespace Numa.Storage.Parquet;

/// <summary>parquet.thrift <c>Type</c>.</summary>
internal enum PhysicalType
{
    Boolean = 0,
    Int32 = 1,
    Int64 = 2,
    Int96 = 3,
    Float = 4,
    Double = 5,
    ByteArray = 6,
    FixedLenByteArray = 7,
}

/// <summary>parquet.thrift <c>FieldRepetitionType</c>.</summary>
internal enum Repetition
{
    Required = 0,
    Optional = 1,
    Repeated = 2,
}

/// <summary>parquet.thrift <c>Encoding</c> (the values this reader and writer name).</summary>
internal enum ParquetEncoding
{
    Plain = 0,
    PlainDictionary = 2,
    Rle = 3,
    BitPacked = 4,
    RleDictionary = 8,
}

/// <summary>parquet.thrift <c>PageType</c>.</summary>
internal enum PageType
{
    DataPage = 0,
    IndexPage = 1,
    DictionaryPage = 2,
    DataPageV2 = 3,
}

/// <summary>parquet.thrift <c>ConvertedType</c> values used here.</summary>
internal static class ConvertedType
{
    public const int Utf8 = 0;
    public const int List = 3;
}

/// <summary>parquet.thrift <c>LogicalType</c> union member ids used here; <c>TimeUnit</c> ids.</summary>
internal static class LogicalKind
{
    public const int String = 1;
    public const int List = 3;
    public const int Timestamp = 8;
    public const int UnitMillis = 1;
    public const int UnitMicros = 2;
    public const int UnitNanos = 3;
}

/// <summary>A <c>LogicalType</c> union value: which member, and for TIMESTAMP its UTC flag and unit.</summary>
internal sealed record LogicalType(int Kind, bool IsAdjustedToUtc = false, int TimeUnit = 0);

/// <summary>parquet.thrift <c>SchemaElement</c> (fields 1-6, 10).</summary>
internal sealed class SchemaElement
{
    public PhysicalType? Type;
    public int? TypeLength;
    public Repetition? Repetition;
    public string Name = "";
    public int? NumChildren;
    public int? ConvertedType;
    public LogicalType? LogicalType;
}

/// <summary>parquet.thrift <c>Statistics</c> (fields 1-3, 5, 6). Values are PLAIN-encoded.</summary>
internal sealed class Statistics
{
    public byte[]? Max;
    public byte[]? Min;
    public long? NullCount;
    public byte[]? MaxValue;
    public byte[]? MinValue;
}

/// <summary>parquet.thrift <c>ColumnMetaData</c> (fields 1-7, 9, 11, 12).</summary>
internal sealed class ColumnMetaData
{
    public PhysicalType Type;
    public List<int> Encodings = [];
    public string[] PathInSchema = [];
    public int Codec;
    public long NumValues;
    public long TotalUncompressedSize;
    public long TotalCompressedSize;
    public long DataPageOffset;
    public long? DictionaryPageOffset;
    public Statistics? Statistics;
}

/// <summary>parquet.thrift <c>ColumnChunk</c> (fields 1-3).</summary>
internal sealed class ColumnChunk
{
    public string? FilePath;
    public long FileOffset;
    public ColumnMetaData? MetaData;
}

/// <summary>parquet.thrift <c>RowGroup</c> (fields 1-3, 5-7).</summary>
internal sealed class RowGroup
{
    public List<ColumnChunk> Columns = [];
    public long TotalByteSize;
    public long NumRows;
    public long? FileOffset;
    public long? TotalCompressedSize;
    public short? Ordinal;
}

/// <summary>parquet.thrift <c>FileMetaData</c> (fields 1-7; column orders are all TYPE_ORDER here).</summary>
internal sealed class FileMetaData
{
    public int Version;
    public List<SchemaElement> Schema = [];
    public long NumRows;
    public List<RowGroup> RowGroups = [];
    public List<KeyValuePair<string, string?>> KeyValueMetadata = [];
    public string? CreatedBy;
    public int TypeDefinedColumnOrders;
}

/// <summary>parquet.thrift <c>DataPageHeader</c> (fields 1-4) or <c>DictionaryPageHeader</c> (fields 1-2).</summary>
internal struct PageValuesHeader
{
    public int NumValues;
    public int Encoding;
    public int DefinitionLevelEncoding;
    public int RepetitionLevelEncoding;
}

/// <summary>parquet.thrift <c>PageHeader</c> (fields 1-5, 7; a v2 data page is recognised and refused).</summary>
internal struct PageHeader
{
    public PageType Type;
    public int UncompressedPageSize;
    public int CompressedPageSize;
    public int? Crc;
    public bool HasDataPageHeader;
    public bool HasDictionaryPageHeader;
    public PageValuesHeader Values;
}

// Limits the Parquet reader applies to untrusted files before it allocates anything.
namespace Numa.Storage.Parquet;

/// <summary>Options and limits of <see cref="ParquetVectorReader"/>; a file beyond a limit is refused with a
/// <see cref="ParquetFormatException"/> rather than read.</summary>
public sealed class ParquetReaderOptions
{
    /// <summary>Largest footer (serialised <c>FileMetaData</c>) accepted. Default 64 MiB.</summary>
    public int MaxFooterSize { get; init; } = 64 << 20;

    /// <summary>Largest page, compressed or not, accepted. Default 256 MiB.</summary>
    public int MaxPageSize { get; init; } = 256 << 20;

    /// <summary>Most rows one row group may declare. Default 16,777,216.</summary>
    public int MaxRowGroupRows { get; init; } = 1 << 24;

    /// <summary>Largest vector dimension accepted. Default 65,536.</summary>
    public int MaxDimension { get; init; } = 1 << 16;

    /// <summary>Whether page CRCs (parquet.thrift <c>PageHeader.crc</c>), where present, are checked. Default true.</summary>
    public bool VerifyPageChecksums { get; init; } = true;
}

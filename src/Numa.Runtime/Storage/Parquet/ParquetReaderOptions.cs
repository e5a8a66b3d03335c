// Limits the Parquet reader applies to untrusted files before it allocates anything; each is checked when set.
namespace Numa.Storage.Parquet;

/// <summary>Options and limits of <see cref="ParquetVectorReader"/>; a file beyond a limit is refused with a
/// <see cref="ParquetFormatException"/> rather than read. Setting a limit to a value out of its range throws
/// <see cref="ArgumentOutOfRangeException"/>.</summary>
public sealed class ParquetReaderOptions
{
    /// <summary>Largest footer (serialised <c>FileMetaData</c>) accepted, in bytes; ≥ 1. Default 64 MiB.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int MaxFooterSize
    {
        get;
        init => field = AtLeastOne(value, nameof(MaxFooterSize));
    } = 64 << 20;

    /// <summary>Largest page, compressed or not, accepted, in bytes; ≥ 1. Default 256 MiB.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int MaxPageSize
    {
        get;
        init => field = AtLeastOne(value, nameof(MaxPageSize));
    } = 256 << 20;

    /// <summary>Most rows one row group may declare; ≥ 1. Default 16,777,216.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int MaxRowGroupRows
    {
        get;
        init => field = AtLeastOne(value, nameof(MaxRowGroupRows));
    } = 1 << 24;

    /// <summary>Largest vector dimension accepted, in floats; ≥ 1. Default 65,536.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int MaxDimension
    {
        get;
        init => field = AtLeastOne(value, nameof(MaxDimension));
    } = 1 << 16;

    /// <summary>Most bytes of <c>metadata</c> values (UTF-8, without length prefixes) one row group may decode to;
    /// 1 .. <see cref="Array.MaxLength"/>, since a row group's metadata is held in one array. Default
    /// <see cref="Array.MaxLength"/> (2,147,483,591).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1 or above <see cref="Array.MaxLength"/>.</exception>
    public int MaxRowGroupMetadataBytes
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Array.MaxLength, nameof(MaxRowGroupMetadataBytes));
            field = AtLeastOne(value, nameof(MaxRowGroupMetadataBytes));
        }
    } = Array.MaxLength;

    /// <summary>Whether page CRCs (parquet.thrift <c>PageHeader.crc</c>), where present, are checked. Default true.</summary>
    public bool VerifyPageChecksums { get; init; } = true;

    private static int AtLeastOne(int value, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, name);
        return value;
    }
}

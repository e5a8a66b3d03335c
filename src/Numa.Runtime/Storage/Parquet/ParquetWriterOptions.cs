// Options of ParquetVectorWriter: row group rows and bytes, page size, compression, the created_by string.
using System.Reflection;

namespace Numa.Storage.Parquet;

/// <summary>Options of <see cref="ParquetVectorWriter"/>.</summary>
public sealed class ParquetWriterOptions
{
    /// <summary>Most rows per row group; ≥ 1. A row group ends at this many rows or at
    /// <see cref="MaxRowGroupBytes"/>, whichever comes first (the last one may hold fewer). Default 32,768.</summary>
    public int RowGroupSize { get; init; } = 32_768;

    /// <summary>Most bytes of vectors (4 × dimension per row) and metadata values (UTF-8) one row group holds;
    /// 1 .. <see cref="Array.MaxLength"/>. A row group ends before the row that would take it past this size, but
    /// holds at least one row; so with dimension d it holds at most max(1, MaxRowGroupBytes / (4 × d)) rows. This
    /// bounds the rows the writer buffers and keeps every row group within the reader's arrays. Default 1 GiB.</summary>
    public int MaxRowGroupBytes { get; init; } = 1 << 30;

    /// <summary>Target bytes of encoded values per data page before compression; pages end on row boundaries,
    /// so a page holds at least one row. Default 1 MiB.</summary>
    public int PageSize { get; init; } = 1 << 20;

    /// <summary>Page compression. Default <see cref="ParquetCompression.Snappy"/>.</summary>
    public ParquetCompression Compression { get; init; } = ParquetCompression.Snappy;

    /// <summary>Whether each page header carries the page's CRC-32 (parquet.thrift <c>PageHeader.crc</c>), which
    /// the reader checks. Default true.</summary>
    public bool PageChecksums { get; init; } = true;

    /// <summary><c>FileMetaData.created_by</c>, in the spec's form "&lt;application&gt; version &lt;version&gt;".
    /// Default "numa version {informational version of Numa.Runtime}".</summary>
    public string CreatedBy { get; init; } = DefaultCreatedBy;

    /// <summary>The default <see cref="CreatedBy"/>: "numa version X" or "numa version X (build H)" when the
    /// informational version carries a source revision ("X+H").</summary>
    public static string DefaultCreatedBy { get; } = FormatCreatedBy(
        typeof(ParquetWriterOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0");

    private static string FormatCreatedBy(string version)
    {
        int plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? $"numa version {version}" : $"numa version {version[..plus]} (build {version[(plus + 1)..]})";
    }
}

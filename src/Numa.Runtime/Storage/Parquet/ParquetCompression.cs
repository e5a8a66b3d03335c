// The page compression codecs Numa writes and reads.
namespace Numa.Storage.Parquet;

/// <summary>Page compression; the values are parquet.thrift <c>CompressionCodec</c>'s (Compression.md).</summary>
public enum ParquetCompression
{
    /// <summary>Pages stored as encoded.</summary>
    Uncompressed = 0,

    /// <summary>Snappy raw block format (no framing): encoded by IronSnappy, decoded by Numa's checked decoder.</summary>
    Snappy = 1,

    /// <summary>GZIP (RFC 1952) members, via <see cref="System.IO.Compression.GZipStream"/>.</summary>
    Gzip = 2,
}

// Raised by the compact-protocol decoder when bytes cannot be a well-formed struct.
namespace Numa.Storage.Parquet.Thrift;

/// <summary>Malformed compact-protocol input at an absolute offset; the Parquet reader turns it into a
/// <see cref="ParquetFormatException"/> that names the file and the structure being read.</summary>
internal sealed class CompactProtocolException(long offset, string problem) : Exception(problem)
{
    /// <summary>Absolute offset (in the file) of the byte that could not be decoded.</summary>
    public long Offset { get; } = offset;
}

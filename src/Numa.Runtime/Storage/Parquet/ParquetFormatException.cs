// Raised when a Parquet file cannot be read: it names the file, the byte offset and what is wrong there.
namespace Numa.Storage.Parquet;

/// <summary>A Parquet file is malformed, corrupt, truncated or outside what Numa reads. The message reads
/// "<c>{source}: offset {offset}: {problem}</c>".</summary>
public sealed class ParquetFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ParquetFormatException(string source, long offset, string problem, Exception? inner = null)
        : base($"{source}: offset {offset}: {problem}", inner)
    {
        SourceName = source;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>The file (or the name the caller gave its stream).</summary>
    public string SourceName { get; }

    /// <summary>Byte offset in the file where the problem was found.</summary>
    public long Offset { get; }

    /// <summary>What is wrong, without the file and offset.</summary>
    public string Problem { get; }
}

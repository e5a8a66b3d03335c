// The error of a saved index that cannot be loaded: truncated, corrupted, or of another version.
namespace Numa.Vectors;

/// <summary>A saved index file is not valid: wrong magic or version, a field out of range, a checksum mismatch,
/// truncation. Names the file, the byte offset and the field.</summary>
public sealed class VectorIndexFormatException : IOException
{
    /// <summary>Creates the exception; the message is "{path}: {field} at offset {offset}: {detail}".</summary>
    public VectorIndexFormatException(string path, long offset, string field, string detail)
        : base($"{path}: {field} at offset {offset}: {detail}")
    {
        FilePath = path;
        Offset = offset;
        Field = field;
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }

    /// <summary>Byte offset in the file where the problem was found.</summary>
    public long Offset { get; }

    /// <summary>The field or section being read.</summary>
    public string Field { get; }
}

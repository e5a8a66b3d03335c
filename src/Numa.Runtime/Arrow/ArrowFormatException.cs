// The one exception Numa.Arrow throws for bytes that are not a valid Arrow IPC stream, file or message.
namespace Numa.Arrow;

/// <summary>
/// Thrown when Arrow IPC input is malformed, lies about its sizes, exceeds an <see cref="ArrowReadOptions"/> limit
/// or uses a feature this codec does not support (compression, dictionaries, an unsupported type). The message
/// names what is wrong and where (message, table, field, column, byte offset).
/// </summary>
public sealed class ArrowFormatException : Exception
{
    /// <summary>An error with its message and, when known, the byte offset of the problem.</summary>
    public ArrowFormatException(string message, long offset = -1)
        : base(message) => Offset = offset;

    /// <summary>The byte offset of the problem within the buffer being read (a FlatBuffer, a body, a stream or
    /// a file, as the message says); -1 when no single offset applies.</summary>
    public long Offset { get; }
}

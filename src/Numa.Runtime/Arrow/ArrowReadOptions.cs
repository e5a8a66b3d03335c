// Limits applied while decoding untrusted Arrow IPC bytes.
namespace Numa.Arrow;

/// <summary>Limits for readers and decoders; exceeding one raises <see cref="ArrowFormatException"/> before any
/// large allocation is made.</summary>
public sealed class ArrowReadOptions
{
    /// <summary>The defaults: 16 MiB of metadata, 1 GiB of body, nesting depth 32, 10,000 fields.</summary>
    public static ArrowReadOptions Default { get; } = new();

    /// <summary>Largest FlatBuffer metadata of one message (the encapsulated <c>metadata_size</c>), in bytes.</summary>
    public int MaxMetadataLength { get; init; } = 16 << 20;

    /// <summary>Largest body of one message (<c>Message.bodyLength</c>), in bytes; at most <see cref="int.MaxValue"/>.</summary>
    public long MaxBodyLength { get; init; } = 1L << 30;

    /// <summary>Deepest field nesting accepted (a top-level column is depth 1; its list item depth 2).</summary>
    public int MaxNestingDepth { get; init; } = 32;

    /// <summary>Most fields in a schema, counting nested ones.</summary>
    public int MaxFieldCount { get; init; } = 10_000;
}

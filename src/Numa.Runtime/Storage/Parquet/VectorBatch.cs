// The columns of one batch of vector rows as spans, laid out as Arrow lays out a RecordBatch, so the vector
// store and the Flight layer can hand their buffers to the Parquet writer without copying them.
using System.Runtime.CompilerServices;

namespace Numa.Storage.Parquet;

/// <summary>
/// Rows of the snapshot schema as columns (Arrow Columnar Format layouts):
/// <list type="bullet">
/// <item><c>id</c>: <see cref="Ids"/>, one int64 per row.</item>
/// <item><c>vector</c>: <see cref="Vectors"/>, row-major, <see cref="Dimension"/> floats per row
/// (a FixedSizeList&lt;float32&gt;'s child values).</item>
/// <item><c>metadata</c>: UTF-8 strings as <see cref="MetadataOffsets"/> (rows + 1 int32 offsets into
/// <see cref="MetadataBytes"/>) and <see cref="MetadataValidity"/> (one bit per row, least significant bit
/// first, 1 = present). Empty offsets mean every row's metadata is null; an empty validity means none is null.</item>
/// <item><c>timestamp</c>: <see cref="Timestamps"/>, nanoseconds since the Unix epoch, UTC.</item>
/// </list>
/// </summary>
public readonly ref struct VectorBatch
{
    private readonly int _validityBitOffset;

    /// <summary>Wraps the columns; checks their lengths and the offsets.</summary>
    /// <exception cref="ArgumentException">A column's length does not match the row count, the dimension is
    /// below 1, or the offsets decrease or point past <paramref name="metadataBytes"/>.</exception>
    public VectorBatch(
        ReadOnlySpan<long> ids,
        ReadOnlySpan<float> vectors,
        int dimension,
        ReadOnlySpan<long> timestamps,
        ReadOnlySpan<int> metadataOffsets = default,
        ReadOnlySpan<byte> metadataBytes = default,
        ReadOnlySpan<byte> metadataValidity = default)
        : this(ids, vectors, dimension, timestamps, metadataOffsets, metadataBytes, metadataValidity, 0)
    {
        int rows = ids.Length;
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "a vector has at least one element");
        if ((long)rows * dimension != vectors.Length)
            throw new ArgumentException($"{vectors.Length} floats are not {rows} rows of dimension {dimension}", nameof(vectors));
        if (timestamps.Length != rows) throw new ArgumentException($"{timestamps.Length} timestamps for {rows} rows", nameof(timestamps));
        if (metadataOffsets.Length != 0)
        {
            if (metadataOffsets.Length != rows + 1)
                throw new ArgumentException($"{metadataOffsets.Length} metadata offsets for {rows} rows (need rows + 1)", nameof(metadataOffsets));
            if (metadataOffsets[0] < 0) throw new ArgumentException("metadata offsets start below 0", nameof(metadataOffsets));
            for (int i = 0; i < rows; i++)
            {
                if (metadataOffsets[i + 1] < metadataOffsets[i])
                    throw new ArgumentException($"metadata offsets decrease at row {i}", nameof(metadataOffsets));
            }
            if (metadataOffsets[rows] > metadataBytes.Length)
                throw new ArgumentException($"metadata offsets end at {metadataOffsets[rows]} past {metadataBytes.Length} bytes", nameof(metadataOffsets));
            if (metadataValidity.Length != 0 && metadataValidity.Length < (rows + 7) / 8)
                throw new ArgumentException($"{metadataValidity.Length} validity bytes for {rows} rows", nameof(metadataValidity));
        }
    }

    private VectorBatch(
        ReadOnlySpan<long> ids, ReadOnlySpan<float> vectors, int dimension, ReadOnlySpan<long> timestamps,
        ReadOnlySpan<int> metadataOffsets, ReadOnlySpan<byte> metadataBytes, ReadOnlySpan<byte> metadataValidity, int validityBitOffset)
    {
        Ids = ids;
        Vectors = vectors;
        Dimension = dimension;
        Timestamps = timestamps;
        MetadataOffsets = metadataOffsets;
        MetadataBytes = metadataBytes;
        MetadataValidity = metadataValidity;
        _validityBitOffset = validityBitOffset;
    }

    /// <summary>Rows in the batch.</summary>
    public int Count => Ids.Length;

    /// <summary>Floats per vector.</summary>
    public int Dimension { get; }

    /// <summary>Column <c>id</c>.</summary>
    public ReadOnlySpan<long> Ids { get; }

    /// <summary>Column <c>vector</c>: <see cref="Count"/> × <see cref="Dimension"/> floats, row-major.</summary>
    public ReadOnlySpan<float> Vectors { get; }

    /// <summary>Column <c>timestamp</c>: nanoseconds since 1970-01-01T00:00:00Z.</summary>
    public ReadOnlySpan<long> Timestamps { get; }

    /// <summary>Column <c>metadata</c>: <see cref="Count"/> + 1 offsets into <see cref="MetadataBytes"/>, or empty.</summary>
    public ReadOnlySpan<int> MetadataOffsets { get; }

    /// <summary>Column <c>metadata</c>: the UTF-8 bytes the offsets point into.</summary>
    public ReadOnlySpan<byte> MetadataBytes { get; }

    /// <summary>Column <c>metadata</c>: validity bits (LSB first), or empty when no row is null.</summary>
    public ReadOnlySpan<byte> MetadataValidity { get; }

    /// <summary>The vector of <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> Vector(int row) => Vectors.Slice(row * Dimension, Dimension);

    /// <summary>Whether <paramref name="row"/>'s metadata is null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsMetadataNull(int row)
    {
        if (MetadataOffsets.IsEmpty) return true;
        if (MetadataValidity.IsEmpty) return false;
        int bit = row + _validityBitOffset;
        return (MetadataValidity[bit >> 3] & (1 << (bit & 7))) == 0;
    }

    /// <summary>The UTF-8 metadata of <paramref name="row"/> (empty when null; see <see cref="IsMetadataNull"/>).</summary>
    public ReadOnlySpan<byte> Metadata(int row) =>
        IsMetadataNull(row) ? default : MetadataBytes[MetadataOffsets[row]..MetadataOffsets[row + 1]];

    /// <summary>Rows <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1, without copying.</summary>
    public VectorBatch Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, Count - count);
        return new VectorBatch(
            Ids.Slice(start, count), Vectors.Slice(start * Dimension, count * Dimension), Dimension, Timestamps.Slice(start, count),
            MetadataOffsets.IsEmpty ? default : MetadataOffsets.Slice(start, count + 1), MetadataBytes,
            MetadataValidity, MetadataValidity.IsEmpty ? 0 : _validityBitOffset + start);
    }
}

// Owned, growable columns of the snapshot schema: what the reader restores into, and where the writer keeps
// rows that do not yet fill a row group.
namespace Numa.Storage.Parquet;

/// <summary>
/// Owned storage for rows of the snapshot schema, viewed as a <see cref="VectorBatch"/> through
/// <see cref="AsBatch"/>. Arrays grow by doubling; <see cref="Clear"/> keeps them for reuse.
/// </summary>
public sealed class VectorBatchBuffer
{
    private long[] _ids = [];
    private float[] _vectors = [];
    private long[] _timestamps = [];
    private int[] _offsets = [0];
    private byte[] _bytes = [];
    private byte[] _validity = [];
    private int _count;
    private int _byteCount;
    private bool _anyNull;

    /// <summary>Creates an empty buffer for vectors of <paramref name="dimension"/> floats.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/> is below 1.</exception>
    public VectorBatchBuffer(int dimension, int capacity = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Dimension = dimension;
        if (capacity > 0) EnsureCapacity(capacity);
    }

    /// <summary>Floats per vector.</summary>
    public int Dimension { get; }

    /// <summary>Rows held.</summary>
    public int Count => _count;

    /// <summary>The rows as a batch (valid until the buffer is next changed).</summary>
    public VectorBatch AsBatch() => new(
        _ids.AsSpan(0, _count), _vectors.AsSpan(0, _count * Dimension), Dimension, _timestamps.AsSpan(0, _count),
        _offsets.AsSpan(0, _count + 1), _bytes.AsSpan(0, _byteCount), _anyNull ? _validity.AsSpan(0, (_count + 7) / 8) : default);

    /// <summary>Forgets the rows, keeping the arrays.</summary>
    public void Clear()
    {
        _count = 0;
        _byteCount = 0;
        _anyNull = false;
        _rowLimit = Array.MaxLength;
    }

    /// <summary>Copies all rows of <paramref name="rows"/> to the end.</summary>
    /// <exception cref="ArgumentException">The batch's dimension differs.</exception>
    /// <exception cref="InvalidOperationException">The rows would not fit: more than <see cref="Array.MaxLength"/>
    /// floats of vectors or bytes of metadata in all. Nothing is appended then.</exception>
    public void Append(in VectorBatch rows)
    {
        if (rows.Dimension != Dimension) throw new ArgumentException($"dimension {rows.Dimension}, buffer holds {Dimension}", nameof(rows));
        int n = rows.Count;
        long bytes = _byteCount;
        for (int i = 0; i < n; i++) bytes += rows.Metadata(i).Length;
        if (bytes > Array.MaxLength)
            throw new InvalidOperationException($"{bytes} bytes of metadata exceed the largest array");
        EnsureCapacity(_count + n);
        rows.Ids.CopyTo(_ids.AsSpan(_count));
        rows.Vectors.CopyTo(_vectors.AsSpan(_count * Dimension));
        rows.Timestamps.CopyTo(_timestamps.AsSpan(_count));
        for (int i = 0; i < n; i++)
        {
            if (rows.IsMetadataNull(i)) AppendMetadataNull(_count + i);
            else AppendMetadata(_count + i, rows.Metadata(i));
        }
        _count += n;
    }

    // ---- filled column by column by ParquetVectorReader; Count is set once every column is complete. Each
    // column's arrays grow as its values are decoded, so neither a footer's row count nor another column's
    // values size them. ----

    // The reader's row group size (validated against its limits): growth by doubling stops there, so a column that
    // grows page by page never ends up with more room than the row group needs.
    private int _rowLimit = Array.MaxLength;

    /// <summary>Grows every column to hold <paramref name="rows"/> rows (a hint; they grow further as needed, up to
    /// <paramref name="rowLimit"/> rows by doubling, beyond it only as far as asked).</summary>
    internal void Reserve(int rows, int rowLimit)
    {
        _rowLimit = rowLimit;
        EnsureCapacity(rows);
    }

    internal Span<long> IdsFor(int start, int count)
    {
        Grow(ref _ids, (long)start + count, _rowLimit);
        return _ids.AsSpan(start, count);
    }

    internal Span<long> TimestampsFor(int start, int count)
    {
        Grow(ref _timestamps, (long)start + count, _rowLimit);
        return _timestamps.AsSpan(start, count);
    }

    /// <summary>Floats <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1 of the
    /// vector column.</summary>
    internal Span<float> VectorsFor(int start, int count)
    {
        Grow(ref _vectors, (long)start + count, (long)_rowLimit * Dimension);
        return _vectors.AsSpan(start, count);
    }

    /// <summary>Bytes of metadata held (by the reader: of the row group being decoded).</summary>
    internal int MetadataByteCount => _byteCount;

    /// <summary>Starts the metadata column over (the reader's first metadata value is row 0).</summary>
    internal void ResetMetadata()
    {
        _byteCount = 0;
        _anyNull = false;
    }

    internal void AppendMetadataNull(int row)
    {
        GrowMetadataRows(row + 1);
        if (!_anyNull)
        {
            // Rows before the first null were present.
            _validity.AsSpan(0, (row + 7) / 8 + 1).Fill(0xFF);
            _anyNull = true;
        }
        _validity[row >> 3] &= (byte)~(1 << (row & 7));
        _offsets[row + 1] = _byteCount;
    }

    internal void AppendMetadata(int row, ReadOnlySpan<byte> value)
    {
        GrowMetadataRows(row + 1);
        if (_anyNull) _validity[row >> 3] |= (byte)(1 << (row & 7));
        if (_bytes.Length - _byteCount < value.Length)
            Array.Resize(ref _bytes, (int)Math.Min(Array.MaxLength, Math.Max((long)_byteCount + value.Length, 2L * _bytes.Length + 1024)));
        value.CopyTo(_bytes.AsSpan(_byteCount));
        _byteCount += value.Length;
        _offsets[row + 1] = _byteCount;
    }

    internal void SetCount(int rows) => _count = rows;

    private void EnsureCapacity(int rows)
    {
        if ((long)rows * Dimension > Array.MaxLength)
            throw new InvalidOperationException($"{rows} rows of dimension {Dimension} exceed the largest array");
        Grow(ref _ids, rows, _rowLimit);
        Grow(ref _vectors, (long)rows * Dimension, (long)_rowLimit * Dimension);
        Grow(ref _timestamps, rows, _rowLimit);
        GrowMetadataRows(rows);
    }

    private void GrowMetadataRows(int rows)
    {
        Grow(ref _offsets, rows + 1L, _rowLimit + 1L);
        Grow(ref _validity, (rows + 7L) / 8 + 1, (_rowLimit + 7L) / 8 + 1);
    }

    // At least `needed` (≤ Array.MaxLength) elements, doubling so that appends cost amortised O(1), but doubling no
    // further than `limit`.
    private static void Grow<T>(ref T[] array, long needed, long limit)
    {
        if (needed <= array.Length) return;
        long doubled = Math.Max(needed, Math.Min(2L * array.Length, limit));
        Array.Resize(ref array, (int)Math.Min(doubled, Array.MaxLength));
    }
}

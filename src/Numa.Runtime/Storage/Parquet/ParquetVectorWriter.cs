// Writes vector rows as a Parquet file: row groups of a configured rows and bytes, data page v1, PLAIN values,
// RLE/bit-packed levels, SNAPPY/GZIP/no compression, page CRCs, id statistics, the footer.
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using Numa.Storage.Parquet.Thrift;

namespace Numa.Storage.Parquet;

/// <summary>
/// Streams rows of the <see cref="VectorSchema"/> into a Parquet file (parquet-format README "File Format":
/// <c>PAR1</c>, column chunks of each row group, <c>FileMetaData</c>, its 4-byte LE length, <c>PAR1</c>).
/// Each column chunk is data page v1 pages ("Data Pages") with PLAIN values and RLE levels; pages end on row
/// boundaries. Rows are buffered until a row group is full — <see cref="ParquetWriterOptions.RowGroupSize"/> rows,
/// or as many as fit in <see cref="ParquetWriterOptions.MaxRowGroupBytes"/> of vectors and metadata — then written
/// as one row group; <see cref="Finish"/> writes the rest and the footer. Offsets in the file count from
/// the stream's position at construction. The writer does not own the stream. Not thread-safe.
/// Written by hand because Parquet.Net and ParquetSharp do not restore here (shared ENVIRONMENT.md).
/// </summary>
public sealed class ParquetVectorWriter : IDisposable
{
    private static ReadOnlySpan<byte> Magic => "PAR1"u8;

    private readonly Stream _stream;
    private readonly ParquetWriterOptions _options;
    private readonly VectorBatchBuffer _pending;
    private readonly int _groupRows;   // RowGroupSize, or fewer where that many vectors would pass MaxRowGroupBytes
    private readonly List<RowGroup> _rowGroups = [];
    private readonly CompactWriter _thrift = new();
    private readonly PageBuffer _page = new();
    private readonly PageBuffer _compressed = new();
    private byte[] _levels = [];
    private long _position;
    private long _rows;
    private bool _finished;
    private bool _disposed;

    /// <summary>Starts a file on <paramref name="stream"/> for vectors of <paramref name="dimension"/> floats and
    /// writes the leading magic.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The dimension or an option is out of range.</exception>
    /// <exception cref="IOException">The stream fails.</exception>
    public ParquetVectorWriter(Stream stream, int dimension, ParquetWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        _options = options ?? new ParquetWriterOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.RowGroupSize, 1, "options.RowGroupSize");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.PageSize, 1, "options.PageSize");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxRowGroupBytes, 1, "options.MaxRowGroupBytes");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.MaxRowGroupBytes, Array.MaxLength, "options.MaxRowGroupBytes");
        if (!Enum.IsDefined(_options.Compression)) throw new ArgumentOutOfRangeException(nameof(options), _options.Compression, "unknown compression");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the PLAIN encoding is written from little-endian memory");
        _stream = stream;
        Dimension = dimension;
        _groupRows = (int)Math.Min(_options.RowGroupSize, Math.Max(1, _options.MaxRowGroupBytes / (4L * dimension)));
        _pending = new VectorBatchBuffer(dimension);
        Append(Magic);
    }

    /// <summary>Floats per vector.</summary>
    public int Dimension { get; }

    /// <summary>Rows accepted so far.</summary>
    public long RowCount => _rows;

    /// <summary>Row groups written so far.</summary>
    public int RowGroupCount => _rowGroups.Count;

    /// <summary>Bytes written to the stream so far.</summary>
    public long BytesWritten => _position;

    /// <summary>Adds <paramref name="rows"/>, writing a row group whenever one is full: at
    /// <see cref="ParquetWriterOptions.RowGroupSize"/> rows, or before the row that would take its vectors and
    /// metadata past <see cref="ParquetWriterOptions.MaxRowGroupBytes"/>. Row groups that lie wholly inside the
    /// batch are encoded straight from its spans.</summary>
    /// <exception cref="ArgumentException">The batch's dimension differs from the writer's.</exception>
    /// <exception cref="InvalidOperationException">The file is finished.</exception>
    public void Write(in VectorBatch rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finished) throw new InvalidOperationException("the file is finished");
        if (rows.Dimension != Dimension) throw new ArgumentException($"batch dimension {rows.Dimension}, file dimension {Dimension}", nameof(rows));
        int start = 0;
        while (start < rows.Count)
        {
            int take = RowsThatFit(rows, start, out bool full);
            if (_pending.Count == 0 && full)
            {
                WriteRowGroup(rows.Slice(start, take));
            }
            else
            {
                _pending.Append(rows.Slice(start, take));
                if (full)
                {
                    WriteRowGroup(_pending.AsBatch());
                    _pending.Clear();
                }
            }
            start += take;
        }
        _rows += rows.Count;
    }

    /// <summary>Writes the buffered rows as the last row group, then the footer and trailing magic, and flushes the
    /// stream (not to disk: the caller fsyncs). Calling it again does nothing.</summary>
    public void Finish()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finished) return;
        if (_pending.Count > 0)
        {
            WriteRowGroup(_pending.AsBatch());
            _pending.Clear();
        }
        var footer = new FileMetaData
        {
            Version = 1,
            Schema = VectorSchema.Elements(),
            NumRows = _rows,
            RowGroups = _rowGroups,
            KeyValueMetadata = [new(VectorSchema.DimensionKey, Dimension.ToString(CultureInfo.InvariantCulture))],
            CreatedBy = _options.CreatedBy,
            TypeDefinedColumnOrders = 4,
        };
        _thrift.Reset();
        FooterCodec.Write(_thrift, footer);
        Append(_thrift.WrittenSpan);
        Span<byte> tail = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tail, _thrift.WrittenSpan.Length);
        Magic.CopyTo(tail[4..]);
        Append(tail);
        _stream.Flush();
        _finished = true;
    }

    /// <summary>Returns pooled buffers. Does not finish the file or close the stream.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _page.Dispose();
        _compressed.Dispose();
    }

    // How many rows from rows[start..] join the row group being built (the buffered rows; at least one row when
    // none is buffered); full when the group takes no row after them.
    private int RowsThatFit(in VectorBatch rows, int start, out bool full)
    {
        long rowVector = 4L * Dimension;
        int buffered = _pending.Count;
        int candidates = Math.Min(_groupRows - buffered, rows.Count - start);
        long bytes = buffered * rowVector + _pending.MetadataByteCount;
        int take = 0;
        if (rows.MetadataOffsets.IsEmpty)
        {
            // No metadata in this batch: as many rows as the bytes left hold (the buffered rows may carry metadata).
            long room = (_options.MaxRowGroupBytes - bytes) / rowVector;
            take = (int)Math.Min(candidates, Math.Max(room, buffered == 0 ? 1 : 0));
            if (take < candidates)
            {
                full = true;
                return take;
            }
        }
        else
        {
            for (; take < candidates; take++)
            {
                long row = rowVector + rows.Metadata(start + take).Length;
                if (buffered + take > 0 && bytes + row > _options.MaxRowGroupBytes)
                {
                    full = true;
                    return take;
                }
                bytes += row;
            }
        }
        full = buffered + take == _groupRows;
        return take;
    }

    private void WriteRowGroup(VectorBatch rows)
    {
        var group = new RowGroup { NumRows = rows.Count, FileOffset = _position };
        if (_rowGroups.Count <= short.MaxValue) group.Ordinal = (short)_rowGroups.Count;
        group.Columns.Add(WriteInt64Column(rows.Ids, VectorSchema.Id));
        group.Columns.Add(WriteVectorColumn(rows));
        group.Columns.Add(WriteMetadataColumn(rows));
        group.Columns.Add(WriteInt64Column(rows.Timestamps, VectorSchema.Timestamp));
        foreach (ColumnChunk c in group.Columns)
        {
            group.TotalByteSize += c.MetaData!.TotalUncompressedSize;
            group.TotalCompressedSize = (group.TotalCompressedSize ?? 0) + c.MetaData.TotalCompressedSize;
        }
        _rowGroups.Add(group);
    }

    // Required INT64 column: no levels, PLAIN values; min/max statistics (signed order, parquet.thrift ColumnOrder).
    private ColumnChunk WriteInt64Column(ReadOnlySpan<long> values, string name)
    {
        ColumnMetaData meta = BeginChunk(PhysicalType.Int64, [name]);
        int perPage = Math.Max(1, _options.PageSize / sizeof(long));
        for (int start = 0; start < values.Length; start += perPage)
        {
            ReadOnlySpan<long> slice = values.Slice(start, Math.Min(perPage, values.Length - start));
            _page.Reset();
            _page.Append(MemoryMarshal.AsBytes(slice));
            WritePage(meta, slice.Length);
        }
        long min = long.MaxValue, max = long.MinValue;
        foreach (long v in values)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        meta.Statistics = new Statistics { NullCount = 0 };
        if (values.Length > 0)
        {
            byte[] minBytes = new byte[8], maxBytes = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(minBytes, min);
            BinaryPrimitives.WriteInt64LittleEndian(maxBytes, max);
            meta.Statistics.Min = meta.Statistics.MinValue = minBytes;
            meta.Statistics.Max = meta.Statistics.MaxValue = maxBytes;
        }
        return new ColumnChunk { MetaData = meta };
    }

    // vector.list.element: max repetition level 1, max definition level 1 (LogicalTypes.md "Lists"); per row the
    // repetition levels are 0 then Dimension - 1 ones, every definition level is 1 (no empty lists, no nulls).
    private ColumnChunk WriteVectorColumn(in VectorBatch rows)
    {
        ColumnMetaData meta = BeginChunk(PhysicalType.Float, [VectorSchema.Vector, "list", "element"]);
        int dim = Dimension;
        int perPage = Math.Max(1, _options.PageSize / (dim * sizeof(float)));
        for (int start = 0; start < rows.Count; start += perPage)
        {
            int count = Math.Min(perPage, rows.Count - start);
            int values = count * dim;
            _page.Reset();
            WriteListRepetitionLevels(count, dim);
            // Definition levels: one RLE run of ones.
            int lengthAt = _page.Length;
            _page.Advance(4);
            WriteVarint((ulong)values << 1);
            _page.Append(1);
            BinaryPrimitives.WriteInt32LittleEndian(_page.Written.Slice(lengthAt, 4), _page.Length - lengthAt - 4);
            _page.Append(MemoryMarshal.AsBytes(rows.Vectors.Slice(start * dim, values)));
            WritePage(meta, values);
        }
        meta.Statistics = new Statistics { NullCount = 0 };
        return new ColumnChunk { MetaData = meta };
    }

    private void WriteListRepetitionLevels(int rows, int dim)
    {
        if (dim < 9)
        {
            // Short lists: materialise the levels and let the general encoder choose runs.
            int n = rows * dim;
            if (_levels.Length < n) _levels = new byte[Math.Max(n, 2 * _levels.Length)];
            Span<byte> levels = _levels.AsSpan(0, n);
            levels.Fill(1);
            for (int r = 0; r < rows; r++) levels[r * dim] = 0;
            RleBitPackedHybrid.WriteWithLength(_page, levels, 1);
            return;
        }
        // Per row: one bit-packed group [0,1,1,1,1,1,1,1] (0xFE), then an RLE run of dim - 8 ones.
        int lengthAt = _page.Length;
        _page.Advance(4);
        for (int r = 0; r < rows; r++)
        {
            _page.Append(0x03);
            _page.Append(0xFE);
            WriteVarint((ulong)(dim - 8) << 1);
            _page.Append(1);
        }
        BinaryPrimitives.WriteInt32LittleEndian(_page.Written.Slice(lengthAt, 4), _page.Length - lengthAt - 4);
    }

    // Optional BYTE_ARRAY: definition level 1 = present, 0 = null; PLAIN values (4-byte LE length, bytes) for present rows.
    private ColumnChunk WriteMetadataColumn(in VectorBatch rows)
    {
        ColumnMetaData meta = BeginChunk(PhysicalType.ByteArray, [VectorSchema.Metadata]);
        long nulls = 0;
        int start = 0;
        while (start < rows.Count)
        {
            // Rows until the values reach the page size (at least one row).
            int end = start;
            long bytes = 0;
            while (end < rows.Count && (end == start || bytes < _options.PageSize))
            {
                if (!rows.IsMetadataNull(end)) bytes += 4 + rows.MetadataOffsets[end + 1] - rows.MetadataOffsets[end];
                end++;
            }
            int count = end - start;
            if (_levels.Length < count) _levels = new byte[Math.Max(count, 2 * _levels.Length)];
            Span<byte> levels = _levels.AsSpan(0, count);
            for (int i = 0; i < count; i++)
            {
                bool isNull = rows.IsMetadataNull(start + i);
                levels[i] = isNull ? (byte)0 : (byte)1;
                if (isNull) nulls++;
            }
            _page.Reset();
            RleBitPackedHybrid.WriteWithLength(_page, levels, 1);
            for (int i = start; i < end; i++)
            {
                if (rows.IsMetadataNull(i)) continue;
                ReadOnlySpan<byte> value = rows.Metadata(i);
                BinaryPrimitives.WriteInt32LittleEndian(_page.GetSpan(4), value.Length);
                _page.Advance(4);
                _page.Append(value);
            }
            WritePage(meta, count);
            start = end;
        }
        meta.Statistics = new Statistics { NullCount = nulls };
        return new ColumnChunk { MetaData = meta };
    }

    private ColumnMetaData BeginChunk(PhysicalType type, string[] path) => new()
    {
        Type = type,
        Encodings = [(int)ParquetEncoding.Plain, (int)ParquetEncoding.Rle],
        PathInSchema = path,
        Codec = (int)_options.Compression,
        DataPageOffset = _position,
    };

    // Compresses the page in _page, writes its header and body, and adds it to the chunk's totals.
    private void WritePage(ColumnMetaData meta, int numValues)
    {
        ReadOnlySpan<byte> body = _page.Written;
        if (_options.Compression != ParquetCompression.Uncompressed)
        {
            _compressed.Reset();
            PageCodec.Compress(_options.Compression, body, _compressed);
            body = _compressed.Written;
        }
        var header = new PageHeader
        {
            Type = PageType.DataPage,
            UncompressedPageSize = _page.Length,
            CompressedPageSize = body.Length,
            Crc = _options.PageChecksums ? unchecked((int)PageChecksum.Compute(body)) : null,
            HasDataPageHeader = true,
            Values = new PageValuesHeader
            {
                NumValues = numValues,
                Encoding = (int)ParquetEncoding.Plain,
                DefinitionLevelEncoding = (int)ParquetEncoding.Rle,
                RepetitionLevelEncoding = (int)ParquetEncoding.Rle,
            },
        };
        _thrift.Reset();
        FooterCodec.Write(_thrift, header);
        int headerLength = _thrift.WrittenSpan.Length;
        Append(_thrift.WrittenSpan);
        Append(body);
        meta.NumValues += numValues;
        meta.TotalUncompressedSize += headerLength + _page.Length;
        meta.TotalCompressedSize += headerLength + body.Length;
    }

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _page.Append((byte)(value | 0x80));
            value >>= 7;
        }
        _page.Append((byte)value);
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        _position += bytes.Length;
    }
}

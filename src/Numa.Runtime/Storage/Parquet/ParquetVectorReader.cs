// Reads Parquet files of the snapshot schema (ours, DuckDB's, any writer's that uses data page v1 with PLAIN or
// dictionary values) back into columns, checking every length, offset and count of the untrusted file first.
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using Numa.Storage.Parquet.Thrift;

namespace Numa.Storage.Parquet;

/// <summary>
/// Reads a Parquet file whose schema is the <see cref="VectorSchema"/> (fields matched by name; <c>id</c>,
/// <c>vector</c> and its element, and <c>timestamp</c> may be declared OPTIONAL as long as no value is null;
/// <c>timestamp</c> must be TIMESTAMP(NANOS)). Supports data page v1 (parquet-format README "Data Pages"),
/// PLAIN and dictionary (PLAIN_DICTIONARY / RLE_DICTIONARY) values, RLE levels, and UNCOMPRESSED, SNAPPY and
/// GZIP pages.
/// <para>Opening checks the magic at both ends, the footer length, the footer's Thrift structure (sizes, depth,
/// counts, required fields), the schema, and every row group's column chunk ranges against the file size.
/// Reading a row group checks each page header, page size, CRC (when present), decompressed size, level and
/// value counts, and that every vector has the file's dimension. Every failure is a
/// <see cref="ParquetFormatException"/> naming the file, the byte offset and the problem.</para>
/// </summary>
public sealed class ParquetVectorReader : IDisposable
{
    private const int IdColumn = 0, VectorColumn = 1, MetadataColumn = 2, TimestampColumn = 3;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly string _source;
    private readonly ParquetReaderOptions _options;
    private readonly long _footerOffset;
    private readonly FileMetaData _meta;
    private readonly Leaf[] _leaves = new Leaf[4];   // by logical column
    private readonly PageBuffer _chunk = new();
    private readonly PageBuffer _page = new();
    // Levels are at most 16 (the schema nests at most 16 deep), so a byte holds each.
    private byte[] _repLevels = [];
    private byte[] _defLevels = [];
    private uint[] _indices = [];
    private bool _disposed;

    /// <summary>Opens <paramref name="path"/> and validates its footer.</summary>
    /// <exception cref="ParquetFormatException">The file is not a readable Parquet file of the snapshot schema.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static ParquetVectorReader Open(string path, ParquetReaderOptions? options = null)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        return new ParquetVectorReader(stream, path, options, leaveOpen: false);
    }

    /// <summary>Reads the file held by the seekable <paramref name="stream"/> (from offset 0 to its length);
    /// <paramref name="sourceName"/> names it in errors. Unless <paramref name="leaveOpen"/>, the reader owns the
    /// stream from this call on: it is disposed when the reader is, or when this constructor throws.</summary>
    /// <exception cref="ParquetFormatException">The file is not a readable Parquet file of the snapshot schema.</exception>
    /// <exception cref="ArgumentException">The stream cannot seek or read.</exception>
    /// <exception cref="IOException">The stream fails.</exception>
    public ParquetVectorReader(Stream stream, string sourceName, ParquetReaderOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _source = sourceName;
        _options = options ?? new ParquetReaderOptions();
        try
        {
            if (!stream.CanSeek || !stream.CanRead) throw new ArgumentException("the stream must be readable and seekable", nameof(stream));
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the PLAIN encoding is read into little-endian memory");
            FileLength = stream.Length;
            _footerOffset = ReadFooter(out _meta);
            ResolveSchema();
            Dimension = ResolveDimension();
            ValidateRowGroups();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    // Checks the magics and the footer length, parses the footer into meta and returns its offset.
    private long ReadFooter(out FileMetaData meta)
    {
        // "PAR1" <data> <FileMetaData> <4-byte LE length> "PAR1" (parquet-format README "File Format").
        if (FileLength < 12) throw Error(0, $"file is {FileLength} bytes, shorter than the 12 of an empty Parquet file");
        Span<byte> head = stackalloc byte[4];
        Span<byte> tail = stackalloc byte[8];
        ReadAt(0, head);
        ReadAt(FileLength - 8, tail);
        if (!head.SequenceEqual("PAR1"u8)) throw Error(0, "leading magic is not PAR1");
        if (!tail[4..].SequenceEqual("PAR1"u8)) throw Error(FileLength - 4, "trailing magic is not PAR1 (truncated or not Parquet)");
        uint footerLength = BinaryPrimitives.ReadUInt32LittleEndian(tail);
        if (footerLength > FileLength - 12)
            throw Error(FileLength - 8, $"footer length {footerLength} exceeds the {FileLength - 12} bytes between the magics");
        if (footerLength > _options.MaxFooterSize)
            throw Error(FileLength - 8, $"footer length {footerLength} exceeds the limit of {_options.MaxFooterSize}");
        long footerOffset = FileLength - 8 - footerLength;

        _chunk.Reset();
        Span<byte> footer = _chunk.GetSpan((int)footerLength)[..(int)footerLength];
        ReadAt(footerOffset, footer);
        Span<short> ids = stackalloc short[CompactReader.MaxDepth];
        var reader = new CompactReader(footer, footerOffset, ids);
        try
        {
            meta = FooterCodec.ReadFileMetaData(ref reader);
        }
        catch (CompactProtocolException e)
        {
            throw Error(e.Offset, $"footer: {e.Message}");
        }
        if (reader.Position != footerLength)
            throw Error(footerOffset + reader.Position, $"footer ends {footerLength - reader.Position} bytes before its declared length");
        if (meta.Version is not (1 or 2)) throw Error(footerOffset, $"FileMetaData.version is {meta.Version}, expected 1 or 2");
        return footerOffset;
    }

    /// <summary>Size of the file in bytes.</summary>
    public long FileLength { get; }

    /// <summary>Rows in the file (<c>FileMetaData.num_rows</c>, checked against the row groups).</summary>
    public long RowCount => _meta.NumRows;

    /// <summary>Row groups in the file.</summary>
    public int RowGroupCount => _meta.RowGroups.Count;

    /// <summary>Floats per vector: from the <see cref="VectorSchema.DimensionKey"/> entry, else from the value
    /// and row counts of the first non-empty row group; 0 for a file without rows or that entry.</summary>
    public int Dimension { get; }

    /// <summary><c>FileMetaData.created_by</c>, if the writer recorded one.</summary>
    public string? CreatedBy => _meta.CreatedBy;

    /// <summary>Rows in row group <paramref name="index"/>.</summary>
    public int GetRowGroupRowCount(int index) => (int)_meta.RowGroups[index].NumRows;

    /// <summary>Key/value metadata of the file.</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> KeyValueMetadata => _meta.KeyValueMetadata;

    /// <summary>Decodes row group <paramref name="index"/> into <paramref name="destination"/> (cleared first) or a
    /// new buffer, and returns it. The buffer grows as pages decode: the footer's row count sizes it only as far as
    /// the vector column chunk's bytes could hold that many PLAIN rows.</summary>
    /// <exception cref="ParquetFormatException">A page is corrupt, truncated or inconsistent with the footer, or the
    /// row group's metadata passes <see cref="ParquetReaderOptions.MaxRowGroupMetadataBytes"/>.</exception>
    public VectorBatchBuffer ReadRowGroup(int index, VectorBatchBuffer? destination = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, RowGroupCount);
        if (Dimension == 0) throw Error(_footerOffset, "the file records no vector dimension and has no rows to infer it from");
        destination ??= new VectorBatchBuffer(Dimension);
        if (destination.Dimension != Dimension)
            throw new ArgumentException($"buffer dimension {destination.Dimension}, file dimension {Dimension}", nameof(destination));
        destination.Clear();
        RowGroup group = _meta.RowGroups[index];
        int rows = (int)group.NumRows;
        // One allocation for a file of PLAIN vectors, never more than the chunk's bytes would hold (a compressed or
        // dictionary-encoded chunk may hold more; the buffer then grows as its pages decode).
        destination.Reserve((int)Math.Min(rows, group.Columns[_leaves[VectorColumn].Index].MetaData!.TotalCompressedSize / (4L * Dimension)), rows);
        for (int column = 0; column < 4; column++) ReadColumnChunk(group.Columns[_leaves[column].Index].MetaData!, index, column, rows, destination);
        destination.SetCount(rows);
        return destination;
    }

    /// <summary>Closes the stream unless it was opened with <c>leaveOpen</c>; returns pooled buffers.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _chunk.Dispose();
        _page.Dispose();
        if (!_leaveOpen) _stream.Dispose();
    }

    // ---- schema ----

    /// <summary>A leaf column: where it sits in each row group, its path, type and maximum levels
    /// (parquet-format README "Nested Encoding").</summary>
    private struct Leaf
    {
        public int Index;
        public string[] Path;
        public PhysicalType Type;
        public int MaxDefinition;
        public int MaxRepetition;
    }

    private void ResolveSchema()
    {
        List<SchemaElement> schema = _meta.Schema;
        if (schema.Count == 0) throw Error(_footerOffset, "schema is empty");
        var leaves = new List<(Leaf Leaf, List<SchemaElement> Chain)>();
        int next = 1;
        int rootChildren = schema[0].NumChildren ?? throw Error(_footerOffset, "schema root has no num_children");
        for (int i = 0; i < rootChildren; i++) Walk(schema, ref next, [], 0, 0, 1, leaves);
        if (next != schema.Count) throw Error(_footerOffset, $"schema lists {schema.Count} elements but the tree holds {next}");

        for (int c = 0; c < 4; c++) _leaves[c].Index = -1;
        for (int i = 0; i < leaves.Count; i++)
        {
            (Leaf leaf, List<SchemaElement> chain) = leaves[i];
            leaf.Index = i;
            string top = leaf.Path[0];
            int column = top switch
            {
                VectorSchema.Id => IdColumn,
                VectorSchema.Vector => VectorColumn,
                VectorSchema.Metadata => MetadataColumn,
                VectorSchema.Timestamp => TimestampColumn,
                _ => throw Error(_footerOffset, $"schema has column '{string.Join('.', leaf.Path)}', which is not in the vector snapshot schema"),
            };
            if (_leaves[column].Index >= 0) throw Error(_footerOffset, $"schema has column '{top}' twice");
            string? problem = column switch
            {
                IdColumn => CheckFlat(chain, PhysicalType.Int64),
                MetadataColumn => CheckFlat(chain, PhysicalType.ByteArray),
                TimestampColumn => CheckFlat(chain, PhysicalType.Int64) ?? CheckTimestamp(chain[0]),
                _ => CheckList(chain),
            };
            if (problem is not null) throw Error(_footerOffset, $"schema column '{top}': {problem}");
            _leaves[column] = leaf;
        }
        for (int c = 0; c < 4; c++)
        {
            if (_leaves[c].Index < 0)
                throw Error(_footerOffset, $"schema has no column '{(c switch { IdColumn => VectorSchema.Id, VectorColumn => VectorSchema.Vector, MetadataColumn => VectorSchema.Metadata, _ => VectorSchema.Timestamp })}'");
        }
    }

    private void Walk(List<SchemaElement> schema, ref int next, string[] parent, int def, int rep, int depth,
        List<(Leaf, List<SchemaElement>)> leaves, List<SchemaElement>? chain = null)
    {
        if (depth > 16) throw Error(_footerOffset, "schema nests deeper than 16 levels");
        if (next >= schema.Count) throw Error(_footerOffset, "schema's num_children point past its elements");
        SchemaElement e = schema[next++];
        Repetition repetition = e.Repetition ?? throw Error(_footerOffset, $"schema element '{e.Name}' has no repetition_type");
        if (repetition is not (Repetition.Required or Repetition.Optional or Repetition.Repeated))
            throw Error(_footerOffset, $"schema element '{e.Name}' has repetition_type {(int)repetition}");
        if (repetition != Repetition.Required) def++;
        if (repetition == Repetition.Repeated) rep++;
        string[] path = [.. parent, e.Name];
        List<SchemaElement> links = chain is null ? [e] : [.. chain, e];
        if (e.NumChildren is { } children)
        {
            if (e.Type is not null) throw Error(_footerOffset, $"schema element '{e.Name}' has both a type and children");
            if (children < 1 || children > schema.Count - next) throw Error(_footerOffset, $"schema group '{e.Name}' declares {children} children");
            for (int i = 0; i < children; i++) Walk(schema, ref next, path, def, rep, depth + 1, leaves, links);
        }
        else
        {
            PhysicalType type = e.Type ?? throw Error(_footerOffset, $"schema leaf '{e.Name}' has no type");
            leaves.Add((new Leaf { Path = path, Type = type, MaxDefinition = def, MaxRepetition = rep }, links));
        }
    }

    private static string? CheckFlat(List<SchemaElement> chain, PhysicalType type)
    {
        if (chain.Count != 1) return "expected a primitive column, found a group";
        if (chain[0].Type != type) return $"type is {chain[0].Type}, expected {type}";
        if (chain[0].Repetition == Repetition.Repeated) return "is REPEATED";
        return null;
    }

    private static string? CheckTimestamp(SchemaElement e)
    {
        if (e.LogicalType is not { Kind: LogicalKind.Timestamp } t) return "is not annotated TIMESTAMP";
        return t.TimeUnit == LogicalKind.UnitNanos ? null : $"TIMESTAMP unit is {(t.TimeUnit == LogicalKind.UnitMicros ? "MICROS" : "MILLIS")}, expected NANOS";
    }

    // <required|optional> group vector (LIST) { repeated group list { <required|optional> float element; } }
    private static string? CheckList(List<SchemaElement> chain)
    {
        if (chain.Count != 3) return "expected the 3-level LIST structure (group, repeated group, element)";
        SchemaElement outer = chain[0], middle = chain[1], element = chain[2];
        if (outer.ConvertedType != ConvertedType.List && outer.LogicalType?.Kind != LogicalKind.List) return "group is not annotated LIST";
        if (outer.Repetition == Repetition.Repeated) return "LIST group is REPEATED";
        if (outer.NumChildren != 1 || middle.Repetition != Repetition.Repeated || middle.NumChildren != 1)
            return "LIST group must hold one repeated group of one element";
        if (element.Type != PhysicalType.Float) return $"element type is {element.Type}, expected Float";
        if (element.Repetition == Repetition.Repeated) return "element is REPEATED";
        return null;
    }

    private int ResolveDimension()
    {
        foreach (KeyValuePair<string, string?> kv in _meta.KeyValueMetadata)
        {
            if (kv.Key != VectorSchema.DimensionKey) continue;
            if (!int.TryParse(kv.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int d) || d < 1 || d > _options.MaxDimension)
                throw Error(_footerOffset, $"key/value '{VectorSchema.DimensionKey}' is '{kv.Value}', not a dimension in 1..{_options.MaxDimension}");
            return d;
        }
        foreach (RowGroup g in _meta.RowGroups)
        {
            if (g.NumRows <= 0 || g.Columns.Count != 4 || g.Columns[_leaves[VectorColumn].Index].MetaData is not { } m) continue;
            long d = m.NumValues / g.NumRows;
            if (m.NumValues % g.NumRows != 0 || d < 1 || d > _options.MaxDimension)
                throw Error(_footerOffset, $"vector column holds {m.NumValues} values for {g.NumRows} rows: not one dimension in 1..{_options.MaxDimension}");
            return (int)d;
        }
        return 0;
    }

    private void ValidateRowGroups()
    {
        long total = 0;
        for (int g = 0; g < _meta.RowGroups.Count; g++)
        {
            RowGroup group = _meta.RowGroups[g];
            string where = $"row group {g}";
            if (group.NumRows < 0 || group.NumRows > _options.MaxRowGroupRows)
                throw Error(_footerOffset, $"{where} declares {group.NumRows} rows (limit {_options.MaxRowGroupRows})");
            if ((long)group.NumRows * Math.Max(Dimension, 1) > Array.MaxLength)
                throw Error(_footerOffset, $"{where}: {group.NumRows} rows of dimension {Dimension} exceed the largest array");
            total += group.NumRows;
            if (group.Columns.Count != 4) throw Error(_footerOffset, $"{where} has {group.Columns.Count} column chunks, the schema 4 leaves");
            for (int column = 0; column < 4; column++)
            {
                Leaf leaf = _leaves[column];
                ColumnChunk chunk = group.Columns[leaf.Index];
                string name = string.Join('.', leaf.Path);
                if (chunk.FilePath is not null) throw Error(_footerOffset, $"{where} column '{name}' lives in another file ('{chunk.FilePath}')");
                ColumnMetaData m = chunk.MetaData ?? throw Error(_footerOffset, $"{where} column '{name}' has no meta_data");
                if (m.Type != leaf.Type) throw Error(_footerOffset, $"{where} column '{name}' has type {m.Type}, the schema {leaf.Type}");
                if (!m.PathInSchema.AsSpan().SequenceEqual(leaf.Path))
                    throw Error(_footerOffset, $"{where} column {leaf.Index} has path '{string.Join('.', m.PathInSchema)}', the schema '{name}'");
                if (m.Codec is not ((int)ParquetCompression.Uncompressed or (int)ParquetCompression.Snappy or (int)ParquetCompression.Gzip))
                    throw Error(_footerOffset, $"{where} column '{name}' uses compression codec {m.Codec}; UNCOMPRESSED, SNAPPY and GZIP are supported");
                long expected = column == VectorColumn ? group.NumRows * Dimension : group.NumRows;
                if (m.NumValues != expected)
                    throw Error(_footerOffset, $"{where} column '{name}' holds {m.NumValues} values, expected {expected} for {group.NumRows} rows");
                long start = ChunkStart(m);
                if (start < 4 || m.TotalCompressedSize <= 0 || m.TotalCompressedSize > _footerOffset - start)
                    throw Error(_footerOffset, $"{where} column '{name}': bytes {start}..{start + m.TotalCompressedSize} are not between the leading magic and the footer at {_footerOffset}");
                if (m.DataPageOffset - start >= m.TotalCompressedSize)
                    throw Error(_footerOffset, $"{where} column '{name}': data page offset {m.DataPageOffset} lies outside the chunk");
            }
        }
        if (total != _meta.NumRows) throw Error(_footerOffset, $"FileMetaData.num_rows is {_meta.NumRows} but the row groups hold {total}");
    }

    // Where a column chunk's pages begin: at the dictionary page when its offset lies before the first data page,
    // else at that data page. An offset of 0 (older parquet-mr writes it for "no dictionary offset", with the
    // dictionary page at data_page_offset) or one at or past the data page is ignored, as parquet-java's
    // ColumnChunkMetaData.getStartingPos and Arrow's ComputeColumnChunkRange ignore it (PARQUET-1402,
    // ARROW-5322); a dictionary page is recognised by its page type wherever the chunk begins.
    private static long ChunkStart(ColumnMetaData m) =>
        m.DictionaryPageOffset is { } dictionary && dictionary > 0 && dictionary < m.DataPageOffset ? dictionary : m.DataPageOffset;

    // ---- pages ----

    /// <summary>Per-chunk decoding state.</summary>
    private struct ChunkState
    {
        public int RowGroup;
        public int Rows;            // rows completed (flat columns: values including nulls)
        public long Values;         // level entries seen
        public int Elements;        // vector: floats written; current row's length in RowLength
        public int RowLength;
        public bool InRow;
        public bool HasDictionary;
        public int DictionaryCount;
        public long[] DictionaryLongs;
        public float[] DictionaryFloats;
        public byte[] DictionaryBytes;
        public int[] DictionaryOffsets;
    }

    private void ReadColumnChunk(ColumnMetaData m, int group, int column, int rows, VectorBatchBuffer destination)
    {
        Leaf leaf = _leaves[column];
        string name = string.Join('.', leaf.Path);
        long start = ChunkStart(m);
        int length = m.TotalCompressedSize <= int.MaxValue ? (int)m.TotalCompressedSize
            : throw Error(start, $"column '{name}' chunk of {m.TotalCompressedSize} bytes is too large");
        _chunk.Reset();
        _chunk.Advance(length);
        ReadAt(start, _chunk.Written);
        if (column == MetadataColumn) destination.ResetMetadata();

        var state = new ChunkState { RowGroup = group, DictionaryLongs = [], DictionaryFloats = [], DictionaryBytes = [], DictionaryOffsets = [] };
        long uncompressedTotal = 0;
        int pos = 0;
        int pages = 0;
        Span<short> ids = stackalloc short[CompactReader.MaxDepth];
        while (pos < length)
        {
            long pageOffset = start + pos;
            var reader = new CompactReader(_chunk.Written[pos..], pageOffset, ids);
            PageHeader h;
            try
            {
                h = FooterCodec.ReadPageHeader(ref reader);
            }
            catch (CompactProtocolException e)
            {
                throw Error(e.Offset, $"column '{name}' page header: {e.Message}");
            }
            int headerLength = reader.Position;
            pos += headerLength;
            long bodyOffset = start + pos;
            if (h.CompressedPageSize < 0 || h.CompressedPageSize > length - pos)
                throw Error(pageOffset, $"column '{name}': page of {h.CompressedPageSize} bytes runs past the column chunk ({length - pos} bytes left)");
            if (h.UncompressedPageSize < 0 || h.UncompressedPageSize > _options.MaxPageSize || h.CompressedPageSize > _options.MaxPageSize)
                throw Error(pageOffset, $"column '{name}': page size {h.UncompressedPageSize} (compressed {h.CompressedPageSize}) outside 0..{_options.MaxPageSize}");
            ReadOnlySpan<byte> stored = _chunk.Written.Slice(pos, h.CompressedPageSize);
            if (h.Crc is { } crc && _options.VerifyPageChecksums && unchecked((int)PageChecksum.Compute(stored)) != crc)
                throw Error(bodyOffset, $"column '{name}': page CRC mismatch (stored {crc:X8}, computed {PageChecksum.Compute(stored):X8}): the page is corrupt");

            var codec = (ParquetCompression)m.Codec;
            _page.Reset();
            _page.Advance(h.UncompressedPageSize);
            string? problem = PageCodec.Decompress(codec, _chunk.Array, pos, h.CompressedPageSize, _page.Written);
            if (problem is not null) throw Error(bodyOffset, $"column '{name}': {problem}");

            switch (h.Type)
            {
                case PageType.DictionaryPage:
                    if (!h.HasDictionaryPageHeader) throw Error(pageOffset, $"column '{name}': dictionary page without a dictionary_page_header");
                    if (pages != 0 || state.HasDictionary) throw Error(pageOffset, $"column '{name}': dictionary page is not the chunk's first page");
                    ReadDictionary(h.Values, leaf.Type, ref state, bodyOffset, name);
                    break;
                case PageType.DataPage:
                    if (!h.HasDataPageHeader) throw Error(pageOffset, $"column '{name}': data page without a data_page_header");
                    ReadDataPage(h.Values, column, leaf, rows, destination, ref state, bodyOffset, name);
                    break;
                case PageType.DataPageV2:
                    throw Error(pageOffset, $"column '{name}': DATA_PAGE_V2 pages are not supported");
                default:
                    throw Error(pageOffset, $"column '{name}': page type {(int)h.Type} is not a data or dictionary page");
            }
            pos += h.CompressedPageSize;
            uncompressedTotal += headerLength + h.UncompressedPageSize;
            pages++;
        }
        if (state.Values != m.NumValues)
            throw Error(start, $"column '{name}': pages hold {state.Values} values, the column chunk declares {m.NumValues}");
        if (column == VectorColumn) FinishRow(ref state, rows, start + length, name);
        if (state.Rows != rows) throw Error(start, $"column '{name}': pages hold {state.Rows} rows, the row group declares {rows}");
        if (uncompressedTotal != m.TotalUncompressedSize)
            throw Error(start, $"column '{name}': pages total {uncompressedTotal} uncompressed bytes, the column chunk declares {m.TotalUncompressedSize}");
    }

    private void ReadDictionary(in PageValuesHeader header, PhysicalType type, ref ChunkState state, long offset, string name)
    {
        if (header.Encoding is not ((int)ParquetEncoding.Plain or (int)ParquetEncoding.PlainDictionary))
            throw Error(offset, $"column '{name}': dictionary page encoding {header.Encoding} is not PLAIN");
        int count = header.NumValues;
        ReadOnlySpan<byte> body = _page.Written;
        if (count < 0) throw Error(offset, $"column '{name}': dictionary page declares {count} values");
        switch (type)
        {
            case PhysicalType.Int64:
                if ((long)count * 8 != body.Length) throw Error(offset, $"column '{name}': dictionary of {count} INT64 values has {body.Length} bytes");
                state.DictionaryLongs = MemoryMarshal.Cast<byte, long>(body).ToArray();
                break;
            case PhysicalType.Float:
                if ((long)count * 4 != body.Length) throw Error(offset, $"column '{name}': dictionary of {count} FLOAT values has {body.Length} bytes");
                state.DictionaryFloats = MemoryMarshal.Cast<byte, float>(body).ToArray();
                break;
            default:
            {
                if (count > body.Length / 4) throw Error(offset, $"column '{name}': dictionary of {count} byte arrays cannot fit in {body.Length} bytes");
                var offsets = new int[count + 1];
                int p = 0;
                for (int i = 0; i < count; i++)
                {
                    if (body.Length - p < 4) throw Error(offset + p, $"column '{name}': dictionary entry {i} length is truncated");
                    uint len = BinaryPrimitives.ReadUInt32LittleEndian(body[p..]);
                    if (len > (uint)(body.Length - p - 4)) throw Error(offset + p, $"column '{name}': dictionary entry {i} of {len} bytes runs past the page");
                    p += 4 + (int)len;
                    offsets[i + 1] = p;
                }
                if (p != body.Length) throw Error(offset + p, $"column '{name}': dictionary page has {body.Length - p} trailing bytes");
                state.DictionaryBytes = body.ToArray();
                state.DictionaryOffsets = offsets;
                break;
            }
        }
        state.HasDictionary = true;
        state.DictionaryCount = count;
    }

    private void ReadDataPage(in PageValuesHeader header, int column, in Leaf leaf, int rows, VectorBatchBuffer destination,
        ref ChunkState state, long offset, string name)
    {
        int numValues = header.NumValues;
        long capacity = column == VectorColumn ? (long)rows * Dimension - state.Elements : rows - state.Rows;
        if (numValues < 0 || numValues > capacity)
            throw Error(offset, $"column '{name}': data page declares {numValues} values, at most {capacity} remain for the row group");
        // Levels are RLE or the deprecated BIT_PACKED (parquet.thrift Encoding); anything else is damage, even for a
        // column that has no levels of that kind.
        if (header.RepetitionLevelEncoding is not ((int)ParquetEncoding.Rle or (int)ParquetEncoding.BitPacked)
            || header.DefinitionLevelEncoding is not ((int)ParquetEncoding.Rle or (int)ParquetEncoding.BitPacked))
            throw Error(offset, $"column '{name}': level encodings {header.RepetitionLevelEncoding}/{header.DefinitionLevelEncoding} are not RLE or BIT_PACKED");
        ReadOnlySpan<byte> body = _page.Written;
        int p = 0;
        Span<byte> rep = default, def = default;
        if (leaf.MaxRepetition > 0)
            p = ReadLevels(body, p, header.RepetitionLevelEncoding, leaf.MaxRepetition, ref _repLevels, numValues, out rep, offset, name, "repetition");
        if (leaf.MaxDefinition > 0)
            p = ReadLevels(body, p, header.DefinitionLevelEncoding, leaf.MaxDefinition, ref _defLevels, numValues, out def, offset, name, "definition");
        ReadOnlySpan<byte> values = body[p..];
        long valuesOffset = offset + p;
        int present = numValues;
        if (leaf.MaxDefinition > 0) present = def.Count((byte)leaf.MaxDefinition);

        switch (column)
        {
            case IdColumn or TimestampColumn:
            {
                if (present != numValues)
                {
                    int firstNull = 0;
                    while (def[firstNull] == leaf.MaxDefinition) firstNull++;
                    throw Error(offset, $"column '{name}': row {state.Rows + firstNull} is null; the snapshot schema has no null {name}");
                }
                // The values are checked before the buffer grows to hold them.
                if (header.Encoding == (int)ParquetEncoding.Plain)
                {
                    CheckPlainLength(values.Length, (long)numValues * 8, valuesOffset, name);
                    MemoryMarshal.Cast<byte, long>(values).CopyTo(OutputFor(column, destination, state.Rows, numValues));
                }
                else
                {
                    Span<uint> indices = ReadIndices(header.Encoding, values, numValues, ref state, valuesOffset, name);
                    Span<long> output = OutputFor(column, destination, state.Rows, numValues);
                    for (int i = 0; i < indices.Length; i++) output[i] = state.DictionaryLongs[indices[i]];
                }
                state.Rows += numValues;
                break;
            }
            case MetadataColumn:
            {
                int v = 0;
                Span<uint> indices = header.Encoding == (int)ParquetEncoding.Plain ? default
                    : ReadIndices(header.Encoding, values, present, ref state, valuesOffset, name);
                int q = 0;
                for (int i = 0; i < numValues; i++)
                {
                    int row = state.Rows + i;
                    if (leaf.MaxDefinition > 0 && def[i] != leaf.MaxDefinition)
                    {
                        destination.AppendMetadataNull(row);
                        continue;
                    }
                    ReadOnlySpan<byte> value;
                    if (header.Encoding == (int)ParquetEncoding.Plain)
                    {
                        if (values.Length - q < 4) throw Error(valuesOffset + q, $"column '{name}': value length of row {row} is truncated");
                        uint len = BinaryPrimitives.ReadUInt32LittleEndian(values[q..]);
                        if (len > (uint)(values.Length - q - 4)) throw Error(valuesOffset + q, $"column '{name}': value of {len} bytes in row {row} runs past the page");
                        value = values.Slice(q + 4, (int)len);
                        q += 4 + (int)len;
                    }
                    else
                    {
                        uint k = indices[v];
                        // Entry k is a 4-byte length then its bytes, between offsets k and k + 1.
                        int from = state.DictionaryOffsets[k] + 4;
                        value = state.DictionaryBytes.AsSpan(from, state.DictionaryOffsets[k + 1] - from);
                    }
                    int limit = _options.MaxRowGroupMetadataBytes;
                    if (value.Length > limit - destination.MetadataByteCount)
                    {
                        string fix = limit < Array.MaxLength
                            ? $"raise ParquetReaderOptions.MaxRowGroupMetadataBytes (at most {Array.MaxLength}) or rewrite the file with smaller row groups"
                            : "rewrite the file with smaller row groups (one row group's metadata must fit in one array)";
                        throw Error(offset, $"row group {state.RowGroup} column '{name}': row {row} takes the metadata past {limit} bytes; {fix}");
                    }
                    destination.AppendMetadata(row, value);
                    v++;
                }
                if (header.Encoding == (int)ParquetEncoding.Plain && q != values.Length)
                    throw Error(valuesOffset + q, $"column '{name}': page has {values.Length - q} bytes after its values");
                state.Rows += numValues;
                break;
            }
            default:
                ReadVectorPage(header, rep, def, values, present, leaf, rows, destination, ref state, offset, valuesOffset, name);
                break;
        }
        state.Values += numValues;
    }

    private void ReadVectorPage(in PageValuesHeader header, Span<byte> rep, Span<byte> def, ReadOnlySpan<byte> values, int present,
        in Leaf leaf, int rows, VectorBatchBuffer destination, ref ChunkState state, long offset, long valuesOffset, string name)
    {
        // Every entry must be a present element (LogicalTypes.md "Lists": a lower definition level is a null
        // element, an empty list or a null list, none of which a vector can be).
        int bad = def.IndexOfAnyExcept((byte)leaf.MaxDefinition);
        if (bad >= 0)
        {
            int row = state.Rows + (state.InRow ? 0 : -1) + rep[..(bad + 1)].Count((byte)0);
            throw Error(offset, $"column '{name}': row {row} has a null or empty vector (definition level {def[bad]} of {leaf.MaxDefinition})");
        }
        // Rows start at repetition level 0 and run until the next 0; each must be Dimension long.
        int i = 0;
        while (i < rep.Length)
        {
            if (rep[i] == 0)
            {
                FinishRow(ref state, rows, offset, name);
                state.InRow = true;
            }
            else if (!state.InRow)
            {
                throw Error(offset, $"column '{name}': the chunk's first level entry continues a row (repetition level {rep[i]})");
            }
            int next = rep[(i + 1)..].IndexOf((byte)0);
            int end = next < 0 ? rep.Length : i + 1 + next;
            state.RowLength += end - i;
            i = end;
        }
        // The values are checked before the buffer grows to hold them.
        if (header.Encoding == (int)ParquetEncoding.Plain)
        {
            CheckPlainLength(values.Length, (long)present * 4, valuesOffset, name);
            MemoryMarshal.Cast<byte, float>(values).CopyTo(destination.VectorsFor(state.Elements, present));
        }
        else
        {
            Span<uint> indices = ReadIndices(header.Encoding, values, present, ref state, valuesOffset, name);
            Span<float> output = destination.VectorsFor(state.Elements, present);
            float[] dictionary = state.DictionaryFloats;
            for (int k = 0; k < indices.Length; k++) output[k] = dictionary[indices[k]];
        }
        state.Elements += present;
    }

    // Closes the current vector row, checking its length.
    private void FinishRow(ref ChunkState state, int rows, long offset, string name)
    {
        if (!state.InRow) return;
        if (state.RowLength != Dimension)
            throw Error(offset, $"column '{name}': row {state.Rows} has {state.RowLength} elements, the file's dimension is {Dimension}");
        if (state.Rows >= rows) throw Error(offset, $"column '{name}': more than the row group's {rows} rows");
        state.Rows++;
        state.RowLength = 0;
        state.InRow = false;
    }

    // Decodes count levels into scratch (grown only once the runs are seen to hold them) and returns where the
    // page continues.
    private int ReadLevels(ReadOnlySpan<byte> body, int p, int encoding, int max, ref byte[] scratch, int count, out Span<byte> output,
        long offset, string name, string kind)
    {
        if (encoding != (int)ParquetEncoding.Rle)
            throw Error(offset, $"column '{name}': {kind} levels use encoding {encoding}; only RLE is supported");
        if (body.Length - p < 4) throw Error(offset + p, $"column '{name}': {kind} levels' length is truncated");
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(body[p..]);
        if (length > (uint)(body.Length - p - 4))
            throw Error(offset + p, $"column '{name}': {kind} levels of {length} bytes run past the page ({body.Length - p - 4} bytes left)");
        ReadOnlySpan<byte> runs = body.Slice(p + 4, (int)length);
        int width = RleBitPackedHybrid.BitWidth(max);
        string? problem = RleBitPackedHybrid.CheckRuns(runs, width, count);
        output = problem is null ? Grow(ref scratch, count) : default;
        problem ??= RleBitPackedHybrid.Decode(runs, width, (uint)max, output);
        if (problem is not null) throw Error(offset + p, $"column '{name}': {kind} levels: {problem}");
        return p + 4 + (int)length;
    }

    private Span<uint> ReadIndices(int encoding, ReadOnlySpan<byte> values, int count, ref ChunkState state, long offset, string name)
    {
        if (encoding is not ((int)ParquetEncoding.RleDictionary or (int)ParquetEncoding.PlainDictionary))
            throw Error(offset, $"column '{name}': value encoding {encoding} is not supported (PLAIN, PLAIN_DICTIONARY, RLE_DICTIONARY are)");
        if (!state.HasDictionary) throw Error(offset, $"column '{name}': dictionary-encoded page without a dictionary page");
        if (count == 0) return default;
        if (values.Length < 1) throw Error(offset, $"column '{name}': dictionary indices' bit width is missing");
        int width = values[0];
        if (width > 32) throw Error(offset, $"column '{name}': dictionary index bit width {width} exceeds 32");
        if (state.DictionaryCount == 0) throw Error(offset, $"column '{name}': indices into an empty dictionary");
        // The runs must hold count indices before room for them is made.
        string? problem = RleBitPackedHybrid.CheckRuns(values[1..], width, count);
        Span<uint> indices = problem is null ? Grow(ref _indices, count) : default;
        problem ??= RleBitPackedHybrid.Decode(values[1..], width, (uint)(state.DictionaryCount - 1), indices);
        if (problem is not null) throw Error(offset + 1, $"column '{name}': dictionary indices: {problem}");
        return indices;
    }

    private static Span<long> OutputFor(int column, VectorBatchBuffer destination, int start, int count) =>
        column == IdColumn ? destination.IdsFor(start, count) : destination.TimestampsFor(start, count);

    private void CheckPlainLength(int actual, long expected, long offset, string name)
    {
        if (actual != expected)
            throw Error(offset, $"column '{name}': PLAIN values take {actual} bytes, expected {expected}");
    }

    private static Span<T> Grow<T>(ref T[] array, int count)
    {
        if (array.Length < count) array = new T[(int)Math.Min(Array.MaxLength, Math.Max(count, 2L * array.Length))];
        return array.AsSpan(0, count);
    }

    private void ReadAt(long offset, Span<byte> buffer)
    {
        try
        {
            _stream.Position = offset;
            _stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw Error(offset, $"file ends before the {buffer.Length} bytes at this offset (it changed while being read?)", e);
        }
    }

    private ParquetFormatException Error(long offset, string problem, Exception? inner = null) => new(_source, offset, problem, inner);
}

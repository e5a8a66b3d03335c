// Maps the parquet.thrift structs in FormatModel to and from the Thrift compact protocol: the footer
// (FileMetaData) and page headers. Unknown fields are skipped (forward compatibility); missing required
// fields and values of the wrong type are errors.
using Numa.Storage.Parquet.Thrift;

namespace Numa.Storage.Parquet;

/// <summary>Serialises and parses <see cref="FileMetaData"/> and <see cref="PageHeader"/> (parquet.thrift field
/// ids; "All thrift structures are serialized using the TCompactProtocol", parquet-format README "Metadata").</summary>
internal static class FooterCodec
{
    // ---- writing ----

    public static void Write(CompactWriter w, FileMetaData m)
    {
        w.BeginStruct();
        w.FieldI32(1, m.Version);
        w.FieldListBegin(2, CompactType.Struct, m.Schema.Count);
        foreach (SchemaElement e in m.Schema) Write(w, e);
        w.FieldI64(3, m.NumRows);
        w.FieldListBegin(4, CompactType.Struct, m.RowGroups.Count);
        foreach (RowGroup g in m.RowGroups) Write(w, g);
        if (m.KeyValueMetadata.Count > 0)
        {
            w.FieldListBegin(5, CompactType.Struct, m.KeyValueMetadata.Count);
            foreach (KeyValuePair<string, string?> kv in m.KeyValueMetadata)
            {
                w.BeginStruct();
                w.FieldString(1, kv.Key);
                if (kv.Value is not null) w.FieldString(2, kv.Value);
                w.EndStruct();
            }
        }
        if (m.CreatedBy is not null) w.FieldString(6, m.CreatedBy);
        if (m.TypeDefinedColumnOrders > 0)
        {
            w.FieldListBegin(7, CompactType.Struct, m.TypeDefinedColumnOrders);
            for (int i = 0; i < m.TypeDefinedColumnOrders; i++)
            {
                w.BeginStruct();          // ColumnOrder union
                w.FieldStructBegin(1);    // TYPE_ORDER: TypeDefinedOrder {}
                w.EndStruct();
                w.EndStruct();
            }
        }
        w.EndStruct();
    }

    private static void Write(CompactWriter w, SchemaElement e)
    {
        w.BeginStruct();
        if (e.Type is { } type) w.FieldI32(1, (int)type);
        if (e.TypeLength is { } length) w.FieldI32(2, length);
        if (e.Repetition is { } repetition) w.FieldI32(3, (int)repetition);
        w.FieldString(4, e.Name);
        if (e.NumChildren is { } children) w.FieldI32(5, children);
        if (e.ConvertedType is { } converted) w.FieldI32(6, converted);
        if (e.LogicalType is { } logical)
        {
            w.FieldStructBegin(10);
            w.FieldStructBegin((short)logical.Kind);
            if (logical.Kind == LogicalKind.Timestamp)
            {
                w.FieldBool(1, logical.IsAdjustedToUtc);
                w.FieldStructBegin(2);                       // TimeUnit union
                w.FieldStructBegin((short)logical.TimeUnit); // MilliSeconds / MicroSeconds / NanoSeconds {}
                w.EndStruct();
                w.EndStruct();
            }
            w.EndStruct();
            w.EndStruct();
        }
        w.EndStruct();
    }

    private static void Write(CompactWriter w, RowGroup g)
    {
        w.BeginStruct();
        w.FieldListBegin(1, CompactType.Struct, g.Columns.Count);
        foreach (ColumnChunk c in g.Columns)
        {
            w.BeginStruct();
            w.FieldI64(2, c.FileOffset);
            w.FieldStructBegin(3);
            Write(w, c.MetaData!);
            w.EndStruct();
            w.EndStruct();
        }
        w.FieldI64(2, g.TotalByteSize);
        w.FieldI64(3, g.NumRows);
        if (g.FileOffset is { } offset) w.FieldI64(5, offset);
        if (g.TotalCompressedSize is { } compressed) w.FieldI64(6, compressed);
        if (g.Ordinal is { } ordinal) w.FieldI16(7, ordinal);
        w.EndStruct();
    }

    private static void Write(CompactWriter w, ColumnMetaData c)
    {
        // The caller has opened the struct.
        w.FieldI32(1, (int)c.Type);
        w.FieldListBegin(2, CompactType.I32, c.Encodings.Count);
        foreach (int e in c.Encodings) w.I32(e);
        w.FieldListBegin(3, CompactType.Binary, c.PathInSchema.Length);
        foreach (string p in c.PathInSchema) w.String(p);
        w.FieldI32(4, c.Codec);
        w.FieldI64(5, c.NumValues);
        w.FieldI64(6, c.TotalUncompressedSize);
        w.FieldI64(7, c.TotalCompressedSize);
        w.FieldI64(9, c.DataPageOffset);
        if (c.DictionaryPageOffset is { } dictionary) w.FieldI64(11, dictionary);
        if (c.Statistics is { } s)
        {
            w.FieldStructBegin(12);
            if (s.Max is not null) w.FieldBinary(1, s.Max);
            if (s.Min is not null) w.FieldBinary(2, s.Min);
            if (s.NullCount is { } nulls) w.FieldI64(3, nulls);
            if (s.MaxValue is not null) w.FieldBinary(5, s.MaxValue);
            if (s.MinValue is not null) w.FieldBinary(6, s.MinValue);
            w.EndStruct();
        }
    }

    public static void Write(CompactWriter w, in PageHeader h)
    {
        w.BeginStruct();
        w.FieldI32(1, (int)h.Type);
        w.FieldI32(2, h.UncompressedPageSize);
        w.FieldI32(3, h.CompressedPageSize);
        if (h.Crc is { } crc) w.FieldI32(4, crc);
        if (h.HasDataPageHeader)
        {
            w.FieldStructBegin(5);
            w.FieldI32(1, h.Values.NumValues);
            w.FieldI32(2, h.Values.Encoding);
            w.FieldI32(3, h.Values.DefinitionLevelEncoding);
            w.FieldI32(4, h.Values.RepetitionLevelEncoding);
            w.EndStruct();
        }
        w.EndStruct();
    }

    // ---- reading ----

    public static FileMetaData ReadFileMetaData(ref CompactReader r)
    {
        var m = new FileMetaData();
        bool version = false, schema = false, numRows = false, rowGroups = false;
        r.BeginStruct();
        while (r.ReadFieldHeader(out short id, out CompactType t))
        {
            switch (id)
            {
                case 1: Expect(ref r, t, CompactType.I32, "FileMetaData.version"); m.Version = r.ReadI32(); version = true; break;
                case 2:
                {
                    int n = ReadStructList(ref r, t, "FileMetaData.schema");
                    for (int i = 0; i < n; i++) m.Schema.Add(ReadSchemaElement(ref r));
                    schema = true;
                    break;
                }
                case 3: Expect(ref r, t, CompactType.I64, "FileMetaData.num_rows"); m.NumRows = r.ReadI64(); numRows = true; break;
                case 4:
                {
                    int n = ReadStructList(ref r, t, "FileMetaData.row_groups");
                    for (int i = 0; i < n; i++) m.RowGroups.Add(ReadRowGroup(ref r));
                    rowGroups = true;
                    break;
                }
                case 5:
                {
                    int n = ReadStructList(ref r, t, "FileMetaData.key_value_metadata");
                    for (int i = 0; i < n; i++) m.KeyValueMetadata.Add(ReadKeyValue(ref r));
                    break;
                }
                case 6: Expect(ref r, t, CompactType.Binary, "FileMetaData.created_by"); m.CreatedBy = r.ReadString(); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        Require(ref r, version, "FileMetaData.version (1)");
        Require(ref r, schema, "FileMetaData.schema (2)");
        Require(ref r, numRows, "FileMetaData.num_rows (3)");
        Require(ref r, rowGroups, "FileMetaData.row_groups (4)");
        return m;
    }

    private static KeyValuePair<string, string?> ReadKeyValue(ref CompactReader r)
    {
        string? key = null, value = null;
        r.BeginStruct();
        while (r.ReadFieldHeader(out short id, out CompactType t))
        {
            switch (id)
            {
                case 1: Expect(ref r, t, CompactType.Binary, "KeyValue.key"); key = r.ReadString(); break;
                case 2: Expect(ref r, t, CompactType.Binary, "KeyValue.value"); value = r.ReadString(); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        Require(ref r, key is not null, "KeyValue.key (1)");
        return new(key!, value);
    }

    private static SchemaElement ReadSchemaElement(ref CompactReader r)
    {
        var e = new SchemaElement();
        bool name = false;
        r.BeginStruct();
        while (r.ReadFieldHeader(out short id, out CompactType t))
        {
            switch (id)
            {
                case 1: Expect(ref r, t, CompactType.I32, "SchemaElement.type"); e.Type = (PhysicalType)r.ReadI32(); break;
                case 2: Expect(ref r, t, CompactType.I32, "SchemaElement.type_length"); e.TypeLength = r.ReadI32(); break;
                case 3: Expect(ref r, t, CompactType.I32, "SchemaElement.repetition_type"); e.Repetition = (Repetition)r.ReadI32(); break;
                case 4: Expect(ref r, t, CompactType.Binary, "SchemaElement.name"); e.Name = r.ReadString(); name = true; break;
                case 5: Expect(ref r, t, CompactType.I32, "SchemaElement.num_children"); e.NumChildren = r.ReadI32(); break;
                case 6: Expect(ref r, t, CompactType.I32, "SchemaElement.converted_type"); e.ConvertedType = r.ReadI32(); break;
                case 10: Expect(ref r, t, CompactType.Struct, "SchemaElement.logicalType"); e.LogicalType = ReadLogicalType(ref r); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        Require(ref r, name, "SchemaElement.name (4)");
        return e;
    }

    private static LogicalType? ReadLogicalType(ref CompactReader r)
    {
        LogicalType? result = null;
        r.BeginStruct();
        while (r.ReadFieldHeader(out short id, out CompactType t))
        {
            Expect(ref r, t, CompactType.Struct, "LogicalType member");
            if (id == LogicalKind.Timestamp)
            {
                bool utc = false;
                int unit = 0;
                r.BeginStruct();
                while (r.ReadFieldHeader(out short fid, out CompactType ft))
                {
                    if (fid == 1) utc = r.ReadBool(ft);
                    else if (fid == 2)
                    {
                        Expect(ref r, ft, CompactType.Struct, "TimestampType.unit");
                        r.BeginStruct();
                        while (r.ReadFieldHeader(out short uid, out CompactType ut))
                        {
                            unit = uid;
                            r.Skip(ut);
                        }
                        r.EndStruct();
                    }
                    else r.Skip(ft);
                }
                r.EndStruct();
                result = new LogicalType(id, utc, unit);
            }
            else
            {
                r.Skip(t);
                result = new LogicalType(id);
            }
        }
        r.EndStruct();
        return result;
    }

    private static RowGroup ReadRowGroup(ref CompactReader r)
    {
        var g = new RowGroup();
        bool columns = false, totalByteSize = false, numRows = false;
        r.BeginStruct();
        while (r.ReadFieldHeader(out short id, out CompactType t))
        {
            switch (id)
            {
                case 1:
                {
                    int n = ReadStructList(ref r, t, "RowGroup.columns");
                    for (int i = 0; i < n; i++) g.Columns.Add(ReadColumnChunk(ref r));
                    columns = true;
                    break;
                }
                case 2: Expect(ref r, t, CompactType.I64, "RowGroup.total_byte_size"); g.TotalByteSize = r.ReadI64(); totalByteSize = true; break;
                case 3: Expect(ref r, t, CompactType.I64, "RowGroup.num_rows"); g.NumRows = r.ReadI64(); numRows = true; break;
                case 5: Expect(ref r, t, CompactType.I64, "RowGroup.file_offset"); g.FileOffset = r.ReadI64(); break;
                case 6: Expect(ref r, t, CompactType.I64, "RowGroup.total_compressed_size"); g.TotalCompressedSize = r.ReadI64(); break;
                case 7: Expect(ref r, t, CompactType.I16, "RowGroup.ordinal"); g.Ordinal = r.ReadI16(); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        Require(ref r, columns, "RowGroup.columns (1)");
        Require(ref r, totalByteSize, "RowGroup.total_byte_size (2)");
        Require(ref r, numRows, "RowGroup.num_rows (3)");
        return g;
    }

    private static ColumnChunk ReadColumnChunk(ref CompactReader r)
    {
        var c = new ColumnChunk();
        bool fileOffset = false;
        r.BeginStruct();
        while (r.ReadFieldHeader(out short id, out CompactType t))
        {
            switch (id)
            {
                case 1: Expect(ref r, t, CompactType.Binary, "ColumnChunk.file_path"); c.FilePath = r.ReadString(); break;
                case 2: Expect(ref r, t, CompactType.I64, "ColumnChunk.file_offset"); c.FileOffset = r.ReadI64(); fileOffset = true; break;
                case 3: Expect(ref r, t, CompactType.Struct, "ColumnChunk.meta_data"); c.MetaData = ReadColumnMetaData(ref r); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        Require(ref r, fileOffset, "ColumnChunk.file_offset (2)");
        return c;
    }

    private static ColumnMetaData ReadColumnMetaData(ref CompactReader r)
    {
        var c = new ColumnMetaData();
        int seen = 0; // bits 1..9 of the required fields
        r.BeginStruct();
        while (r.ReadFieldHeader(out short id, out CompactType t))
        {
            switch (id)
            {
                case 1: Expect(ref r, t, CompactType.I32, "ColumnMetaData.type"); c.Type = (PhysicalType)r.ReadI32(); break;
                case 2:
                {
                    if (t != CompactType.List) throw Wrong(ref r, "ColumnMetaData.encodings", "a list");
                    int n = r.ReadListHeader(out CompactType element);
                    if (element != CompactType.I32) throw Wrong(ref r, "ColumnMetaData.encodings", "a list of i32");
                    for (int i = 0; i < n; i++) c.Encodings.Add(r.ReadI32());
                    break;
                }
                case 3:
                {
                    if (t != CompactType.List) throw Wrong(ref r, "ColumnMetaData.path_in_schema", "a list");
                    int n = r.ReadListHeader(out CompactType element);
                    if (element != CompactType.Binary) throw Wrong(ref r, "ColumnMetaData.path_in_schema", "a list of strings");
                    c.PathInSchema = new string[n];
                    for (int i = 0; i < n; i++) c.PathInSchema[i] = r.ReadString();
                    break;
                }
                case 4: Expect(ref r, t, CompactType.I32, "ColumnMetaData.codec"); c.Codec = r.ReadI32(); break;
                case 5: Expect(ref r, t, CompactType.I64, "ColumnMetaData.num_values"); c.NumValues = r.ReadI64(); break;
                case 6: Expect(ref r, t, CompactType.I64, "ColumnMetaData.total_uncompressed_size"); c.TotalUncompressedSize = r.ReadI64(); break;
                case 7: Expect(ref r, t, CompactType.I64, "ColumnMetaData.total_compressed_size"); c.TotalCompressedSize = r.ReadI64(); break;
                case 9: Expect(ref r, t, CompactType.I64, "ColumnMetaData.data_page_offset"); c.DataPageOffset = r.ReadI64(); break;
                case 11: Expect(ref r, t, CompactType.I64, "ColumnMetaData.dictionary_page_offset"); c.DictionaryPageOffset = r.ReadI64(); break;
                case 12: Expect(ref r, t, CompactType.Struct, "ColumnMetaData.statistics"); c.Statistics = ReadStatistics(ref r); break;
                default: r.Skip(t); break;
            }
            if (id is >= 1 and <= 9) seen |= 1 << id;
        }
        r.EndStruct();
        foreach ((int id, string name) in s_requiredColumnFields)
            Require(ref r, (seen & (1 << id)) != 0, $"ColumnMetaData.{name} ({id})");
        return c;
    }

    private static readonly (int, string)[] s_requiredColumnFields =
    [
        (1, "type"), (2, "encodings"), (3, "path_in_schema"), (4, "codec"), (5, "num_values"),
        (6, "total_uncompressed_size"), (7, "total_compressed_size"), (9, "data_page_offset"),
    ];

    private static Statistics ReadStatistics(ref CompactReader r)
    {
        var s = new Statistics();
        r.BeginStruct();
        while (r.ReadFieldHeader(out short id, out CompactType t))
        {
            switch (id)
            {
                case 1: Expect(ref r, t, CompactType.Binary, "Statistics.max"); s.Max = r.ReadBinary().ToArray(); break;
                case 2: Expect(ref r, t, CompactType.Binary, "Statistics.min"); s.Min = r.ReadBinary().ToArray(); break;
                case 3: Expect(ref r, t, CompactType.I64, "Statistics.null_count"); s.NullCount = r.ReadI64(); break;
                case 5: Expect(ref r, t, CompactType.Binary, "Statistics.max_value"); s.MaxValue = r.ReadBinary().ToArray(); break;
                case 6: Expect(ref r, t, CompactType.Binary, "Statistics.min_value"); s.MinValue = r.ReadBinary().ToArray(); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return s;
    }

    public static PageHeader ReadPageHeader(ref CompactReader r)
    {
        var h = new PageHeader();
        bool type = false, uncompressed = false, compressed = false;
        r.BeginStruct();
        while (r.ReadFieldHeader(out short id, out CompactType t))
        {
            switch (id)
            {
                case 1: Expect(ref r, t, CompactType.I32, "PageHeader.type"); h.Type = (PageType)r.ReadI32(); type = true; break;
                case 2: Expect(ref r, t, CompactType.I32, "PageHeader.uncompressed_page_size"); h.UncompressedPageSize = r.ReadI32(); uncompressed = true; break;
                case 3: Expect(ref r, t, CompactType.I32, "PageHeader.compressed_page_size"); h.CompressedPageSize = r.ReadI32(); compressed = true; break;
                case 4: Expect(ref r, t, CompactType.I32, "PageHeader.crc"); h.Crc = r.ReadI32(); break;
                case 5:
                    Expect(ref r, t, CompactType.Struct, "PageHeader.data_page_header");
                    h.Values = ReadValuesHeader(ref r, dictionary: false);
                    h.HasDataPageHeader = true;
                    break;
                case 7:
                    Expect(ref r, t, CompactType.Struct, "PageHeader.dictionary_page_header");
                    h.Values = ReadValuesHeader(ref r, dictionary: true);
                    h.HasDictionaryPageHeader = true;
                    break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        Require(ref r, type, "PageHeader.type (1)");
        Require(ref r, uncompressed, "PageHeader.uncompressed_page_size (2)");
        Require(ref r, compressed, "PageHeader.compressed_page_size (3)");
        return h;
    }

    private static PageValuesHeader ReadValuesHeader(ref CompactReader r, bool dictionary)
    {
        var v = new PageValuesHeader();
        int seen = 0;
        string name = dictionary ? "DictionaryPageHeader" : "DataPageHeader";
        r.BeginStruct();
        while (r.ReadFieldHeader(out short id, out CompactType t))
        {
            if (id is >= 1 and <= 4 && !(dictionary && id > 2))
            {
                Expect(ref r, t, CompactType.I32, $"{name} field {id}");
                int value = r.ReadI32();
                seen |= 1 << id;
                switch (id)
                {
                    case 1: v.NumValues = value; break;
                    case 2: v.Encoding = value; break;
                    case 3: v.DefinitionLevelEncoding = value; break;
                    default: v.RepetitionLevelEncoding = value; break;
                }
            }
            else r.Skip(t);
        }
        r.EndStruct();
        Require(ref r, (seen & 0b110) == 0b110, $"{name}.num_values (1) and encoding (2)");
        if (!dictionary) Require(ref r, (seen & 0b11000) == 0b11000, $"{name}.definition_level_encoding (3) and repetition_level_encoding (4)");
        return v;
    }

    private static int ReadStructList(ref CompactReader r, CompactType fieldType, string what)
    {
        if (fieldType != CompactType.List) throw Wrong(ref r, what, "a list");
        int n = r.ReadListHeader(out CompactType element);
        if (element != CompactType.Struct) throw Wrong(ref r, what, "a list of structs");
        return n;
    }

    private static void Expect(ref CompactReader r, CompactType actual, CompactType expected, string what)
    {
        if (actual != expected) throw Wrong(ref r, what, expected.ToString());
    }

    private static CompactProtocolException Wrong(ref CompactReader r, string what, string expected) =>
        new(r.Offset, $"{what} is not {expected}");

    private static void Require(ref CompactReader r, bool present, string what)
    {
        if (!present) throw new CompactProtocolException(r.Offset, $"required field {what} is missing");
    }
}

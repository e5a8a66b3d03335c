// Maps Numa.Arrow's schema and message model to and from the FlatBuffer tables of Arrow's Schema.fbs, Message.fbs
// and File.fbs (apache/arrow format/). Slot numbers are the tables' field order; a union takes two slots (its
// ubyte type tag, then the table). Reading checks every value it accepts and names what it rejects.
using Numa.Arrow.FlatBuffers;

namespace Numa.Arrow;

internal static class ArrowMetadata
{
    // Schema.fbs MetadataVersion: V1..V5 = 0..4. V4 and V5 agree for every type supported here.
    public const short VersionV4 = 3;
    public const short VersionV5 = 4;

    // Message.fbs Message
    public const int MessageVersion = 0, MessageHeaderType = 1, MessageHeader = 2, MessageBodyLength = 3;
    // Message.fbs RecordBatch; FieldNode and Buffer are 16-byte structs of two longs.
    public const int BatchLength = 0, BatchNodes = 1, BatchBuffers = 2, BatchCompression = 3, BatchVariadicCounts = 4;
    // File.fbs Footer; Block is a 24-byte struct {offset: long; metaDataLength: int; (pad); bodyLength: long}.
    public const int FooterVersion = 0, FooterSchema = 1, FooterDictionaries = 2, FooterRecordBatches = 3;
    private const int SchemaEndianness = 0, SchemaFields = 1, SchemaMetadata = 2;
    private const int FieldName = 0, FieldNullable = 1, FieldTypeType = 2, FieldType = 3, FieldDictionary = 4, FieldChildren = 5, FieldMetadata = 6;

    // Schema.fbs union Type tags.
    private const byte TypeInt = 2, TypeFloatingPoint = 3, TypeBinary = 4, TypeUtf8 = 5, TypeBool = 6, TypeTimestamp = 10, TypeList = 12, TypeFixedSizeList = 16;

    private static readonly string[] s_typeNames =
    [
        "NONE", "Null", "Int", "FloatingPoint", "Binary", "Utf8", "Bool", "Decimal", "Date", "Time", "Timestamp",
        "Interval", "List", "Struct_", "Union", "FixedSizeBinary", "FixedSizeList", "Map", "Duration", "LargeBinary",
        "LargeUtf8", "LargeList", "RunEndEncoded", "BinaryView", "Utf8View", "ListView", "LargeListView",
    ];

    private static readonly string[] s_compressionNames = ["LZ4_FRAME", "ZSTD"];

    public static string TypeName(byte tag) => tag < s_typeNames.Length ? s_typeNames[tag] : $"unknown type {tag}";

    public static string CompressionName(byte codec) => codec < s_compressionNames.Length ? s_compressionNames[codec] : $"codec {codec}";

    // ---- writing --------------------------------------------------------------------------------------------

    /// <summary>Writes a Schema table; returns its offset.</summary>
    public static int WriteSchema(FlatBufferBuilder b, ArrowSchema schema)
    {
        var fields = new int[schema.Fields.Count];
        for (int i = 0; i < fields.Length; i++) fields[i] = WriteField(b, schema.Fields[i]);
        int fieldVector = b.CreateOffsetVector(fields);
        int metadata = WriteKeyValues(b, schema.Metadata);
        b.StartTable(4);
        b.AddField(SchemaEndianness, (short)0);
        b.AddOffsetField(SchemaFields, fieldVector);
        if (metadata != 0) b.AddOffsetField(SchemaMetadata, metadata);
        return b.EndTable();
    }

    private static int WriteField(FlatBufferBuilder b, ArrowField field)
    {
        int children = field.Type.ValueField is { } item
            ? b.CreateOffsetVector([WriteField(b, item)])
            : b.CreateOffsetVector([]);
        int name = b.CreateString(field.Name);
        int metadata = WriteKeyValues(b, field.Metadata);
        var (tag, type) = WriteType(b, field.Type);
        b.StartTable(7);
        b.AddOffsetField(FieldName, name);
        b.AddField(FieldNullable, field.Nullable);
        b.AddField(FieldTypeType, tag);
        b.AddOffsetField(FieldType, type);
        b.AddOffsetField(FieldChildren, children);
        if (metadata != 0) b.AddOffsetField(FieldMetadata, metadata);
        return b.EndTable();
    }

    private static (byte Tag, int Table) WriteType(FlatBufferBuilder b, ArrowType type)
    {
        switch (type.Id)
        {
            case ArrowTypeId.Int32: return (TypeInt, IntTable(b, 32, true));
            case ArrowTypeId.Int64: return (TypeInt, IntTable(b, 64, true));
            case ArrowTypeId.UInt64: return (TypeInt, IntTable(b, 64, false));
            case ArrowTypeId.Float32: return (TypeFloatingPoint, PrecisionTable(b, 1));
            case ArrowTypeId.Float64: return (TypeFloatingPoint, PrecisionTable(b, 2));
            case ArrowTypeId.Bool: return (TypeBool, EmptyTable(b));
            case ArrowTypeId.Utf8: return (TypeUtf8, EmptyTable(b));
            case ArrowTypeId.Binary: return (TypeBinary, EmptyTable(b));
            case ArrowTypeId.List: return (TypeList, EmptyTable(b));
            case ArrowTypeId.FixedSizeList:
                b.StartTable(1);
                b.AddField(0, type.ListSize);
                return (TypeFixedSizeList, b.EndTable());
            case ArrowTypeId.Timestamp:
                int timezone = type.Timezone is null ? 0 : b.CreateString(type.Timezone);
                b.StartTable(2);
                b.AddField(0, (short)type.Unit);
                if (timezone != 0) b.AddOffsetField(1, timezone);
                return (TypeTimestamp, b.EndTable());
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type.Id, null);
        }
    }

    private static int IntTable(FlatBufferBuilder b, int bitWidth, bool signed)
    {
        b.StartTable(2);
        b.AddField(0, bitWidth);
        b.AddField(1, signed);
        return b.EndTable();
    }

    private static int PrecisionTable(FlatBufferBuilder b, short precision)
    {
        b.StartTable(1);
        b.AddField(0, precision);
        return b.EndTable();
    }

    private static int EmptyTable(FlatBufferBuilder b)
    {
        b.StartTable(0);
        return b.EndTable();
    }

    /// <summary>A vector of KeyValue tables, or 0 (absent) when there are none.</summary>
    private static int WriteKeyValues(FlatBufferBuilder b, IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        if (pairs.Count == 0) return 0;
        var tables = new int[pairs.Count];
        for (int i = 0; i < tables.Length; i++)
        {
            int key = b.CreateString(pairs[i].Key);
            int value = b.CreateString(pairs[i].Value);
            b.StartTable(2);
            b.AddOffsetField(0, key);
            b.AddOffsetField(1, value);
            tables[i] = b.EndTable();
        }
        return b.CreateOffsetVector(tables);
    }

    /// <summary>Writes the root Message table and finishes the buffer.</summary>
    public static void FinishMessage(FlatBufferBuilder b, ArrowMessageType type, int header, long bodyLength)
    {
        b.StartTable(5);
        b.AddField(MessageBodyLength, bodyLength);
        b.AddOffsetField(MessageHeader, header);
        b.AddField(MessageVersion, VersionV5);
        b.AddField(MessageHeaderType, (byte)type);
        b.Finish(b.EndTable());
    }

    // ---- reading --------------------------------------------------------------------------------------------

    /// <summary>Reads and checks the root Message table: version V4 or V5, a header, a body length within limits.</summary>
    public static (ArrowMessageType Type, FlatBufferTable Header, long BodyLength) ReadMessage(in FlatBufferReader r, ArrowReadOptions options)
    {
        var message = r.Root("Message");
        short version = r.GetInt16(message, MessageVersion, 0, "version");
        if (version is not (VersionV4 or VersionV5))
            throw new ArrowFormatException($"Message: metadata version V{version + 1} is not supported (V4 and V5 are).");
        byte tag = r.GetByte(message, MessageHeaderType, 0, "header_type");
        var type = (ArrowMessageType)tag;
        if (type is ArrowMessageType.None || tag > (byte)ArrowMessageType.SparseTensor)
            throw new ArrowFormatException($"Message: header type {tag} is not a Schema, DictionaryBatch, RecordBatch, Tensor or SparseTensor.");
        var header = r.GetTable(message, MessageHeader, "header")
            ?? throw new ArrowFormatException($"Message: the {type} header is missing.");
        long bodyLength = r.GetInt64(message, MessageBodyLength, 0, "bodyLength");
        if (bodyLength < 0) throw new ArrowFormatException($"Message: bodyLength {bodyLength} is negative.");
        if (bodyLength > options.MaxBodyLength || bodyLength > int.MaxValue)
            throw new ArrowFormatException($"Message: bodyLength {bodyLength} exceeds the limit of {Math.Min(options.MaxBodyLength, int.MaxValue)} bytes.");
        return (type, header, bodyLength);
    }

    public static ArrowSchema ReadSchema(in FlatBufferReader r, in FlatBufferTable schema, ArrowReadOptions options)
    {
        short endianness = r.GetInt16(schema, SchemaEndianness, 0, "endianness");
        if (endianness != 0) throw new ArrowFormatException("Schema: big-endian data is not supported.");
        var fieldVector = r.GetVector(schema, SchemaFields, 4, 4, "fields");
        var budget = new DecodeBudget(options.MaxFieldCount, TextBudgetPerByte * (long)r.Length);
        var fields = new ArrowField[fieldVector.Count];
        for (int i = 0; i < fields.Length; i++)
            fields[i] = ReadField(r, r.TableAt(fieldVector, i), 1, ref budget, options);
        return new ArrowSchema(fields, ReadKeyValues(r, schema, SchemaMetadata, ref budget));
    }

    // A FlatBuffer may point many tables at one string, so a small header can name ten thousand fields with the same
    // 100 KB string: gigabytes once decoded. Writers that do not share strings (Arrow C++, Java, Rust, Go) decode to at
    // most one character per metadata byte; four leave room for writers that share some.
    private const int TextBudgetPerByte = 4;

    // What is left to decode of one schema: fields (ArrowReadOptions.MaxFieldCount) and characters of names and metadata.
    private struct DecodeBudget(int fields, long characters)
    {
        public int Fields = fields;
        public long Characters = characters;
        public readonly long CharacterLimit = characters;
    }

    private static string? Text(in FlatBufferReader r, in FlatBufferTable table, int slot, string field, ref DecodeBudget budget)
    {
        string? text = r.GetString(table, slot, field);
        if (text is not null && (budget.Characters -= text.Length) < 0)
            throw new ArrowFormatException($"Schema: its names and metadata decode to more than {budget.CharacterLimit} characters " +
                $"({TextBudgetPerByte} per byte of its {budget.CharacterLimit / TextBudgetPerByte}-byte header); the header points many fields at the same strings.");
        return text;
    }

    private static ArrowField ReadField(in FlatBufferReader r, in FlatBufferTable table, int depth, ref DecodeBudget budget, ArrowReadOptions options)
    {
        string name = Text(r, table, FieldName, "name", ref budget) ?? "";
        if (depth > options.MaxNestingDepth)
            throw new ArrowFormatException($"Schema: field '{name}' is nested {depth} deep, past the limit of {options.MaxNestingDepth}.");
        if (--budget.Fields < 0)
            throw new ArrowFormatException($"Schema: more than {options.MaxFieldCount} fields (the limit).");
        if (r.Has(table, FieldDictionary, "dictionary"))
            throw new ArrowFormatException($"Schema: field '{name}' is dictionary-encoded, which is not supported.");
        bool nullable = r.GetBool(table, FieldNullable, false, "nullable");
        byte tag = r.GetByte(table, FieldTypeType, 0, "type_type");
        var children = r.GetVector(table, FieldChildren, 4, 4, "children");
        var typeTable = r.GetTable(table, FieldType, "type");
        bool nested = tag is TypeList or TypeFixedSizeList;
        if (typeTable is null && tag != 0)
            throw new ArrowFormatException($"Schema: field '{name}' has type tag {TypeName(tag)} but no type table.");
        if (nested && children.Count != 1)
            throw new ArrowFormatException($"Schema: field '{name}' of type {TypeName(tag)} has {children.Count} children; it needs exactly 1.");
        if (!nested && children.Count != 0)
            throw new ArrowFormatException($"Schema: field '{name}' of type {TypeName(tag)} has {children.Count} children; it takes none.");
        ArrowField? item = nested ? ReadField(r, r.TableAt(children, 0), depth + 1, ref budget, options) : null;
        var type = ReadType(r, typeTable, tag, item, name, ref budget);
        return new ArrowField(name, type, nullable, ReadKeyValues(r, table, FieldMetadata, ref budget));
    }

    private static ArrowType ReadType(in FlatBufferReader r, FlatBufferTable? typeTable, byte tag, ArrowField? item, string field, ref DecodeBudget budget)
    {
        switch (tag)
        {
            case TypeInt:
            {
                var t = typeTable!.Value;
                int bits = r.GetInt32(t, 0, 0, "bitWidth");
                bool signed = r.GetBool(t, 1, false, "is_signed");
                return (bits, signed) switch
                {
                    (32, true) => ArrowType.Int32,
                    (64, true) => ArrowType.Int64,
                    (64, false) => ArrowType.UInt64,
                    _ => throw Unsupported(field, $"Int(bitWidth={bits}, {(signed ? "signed" : "unsigned")})"),
                };
            }
            case TypeFloatingPoint:
                return r.GetInt16(typeTable!.Value, 0, 0, "precision") switch
                {
                    1 => ArrowType.Float32,
                    2 => ArrowType.Float64,
                    var p => throw Unsupported(field, p == 0 ? "FloatingPoint(HALF)" : $"FloatingPoint(precision {p})"),
                };
            case TypeBool: return ArrowType.Bool;
            case TypeUtf8: return ArrowType.Utf8;
            case TypeBinary: return ArrowType.Binary;
            case TypeTimestamp:
            {
                var t = typeTable!.Value;
                short unit = r.GetInt16(t, 0, 0, "unit");
                if (unit is < 0 or > 3) throw new ArrowFormatException($"Schema: field '{field}' has Timestamp unit {unit}, which is not a TimeUnit.");
                return ArrowType.Timestamp((ArrowTimeUnit)unit, Text(r, t, 1, "timezone", ref budget));
            }
            case TypeList: return ArrowType.List(item!);
            case TypeFixedSizeList:
            {
                int size = r.GetInt32(typeTable!.Value, 0, 0, "listSize");
                if (size < 0) throw new ArrowFormatException($"Schema: field '{field}' has FixedSizeList listSize {size}.");
                return ArrowType.FixedSizeList(item!, size);
            }
            default:
                throw Unsupported(field, TypeName(tag));
        }
    }

    private static ArrowFormatException Unsupported(string field, string type) =>
        new($"Schema: field '{field}' has type {type}, which Numa.Arrow does not support.");

    private static KeyValuePair<string, string>[] ReadKeyValues(in FlatBufferReader r, in FlatBufferTable table, int slot, ref DecodeBudget budget)
    {
        var vector = r.GetVector(table, slot, 4, 4, "custom_metadata");
        var pairs = new KeyValuePair<string, string>[vector.Count];
        for (int i = 0; i < pairs.Length; i++)
        {
            var kv = r.TableAt(vector, i);
            pairs[i] = new(Text(r, kv, 0, "key", ref budget) ?? "", Text(r, kv, 1, "value", ref budget) ?? "");
        }
        return pairs;
    }
}

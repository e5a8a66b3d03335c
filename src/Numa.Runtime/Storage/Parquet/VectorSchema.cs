// The snapshot schema's Parquet shape: column names, the schema elements the writer emits and the layout the
// reader expects.
namespace Numa.Storage.Parquet;

/// <summary>
/// Column names and the Parquet schema of a vector snapshot (parquet-format LogicalTypes.md "Lists",
/// "STRING", "TIMESTAMP"):
/// <code>
/// message schema {
///   required int64 id;
///   required group vector (LIST) { repeated group list { required float element; } }
///   optional binary metadata (STRING);
///   required int64 timestamp (TIMESTAMP(NANOS, true));
/// }
/// </code>
/// </summary>
public static class VectorSchema
{
    /// <summary>Column <c>id</c>: INT64.</summary>
    public const string Id = "id";

    /// <summary>Column <c>vector</c>: a 3-level LIST of FLOAT (DuckDB: <c>FLOAT[]</c>).</summary>
    public const string Vector = "vector";

    /// <summary>Column <c>metadata</c>: BYTE_ARRAY annotated STRING/UTF8, nullable.</summary>
    public const string Metadata = "metadata";

    /// <summary>Column <c>timestamp</c>: INT64 TIMESTAMP(isAdjustedToUTC = true, unit = NANOS).</summary>
    public const string Timestamp = "timestamp";

    /// <summary>Key of the key/value metadata entry that records the vector dimension.</summary>
    public const string DimensionKey = "numa.vector.dimension";

    internal static List<SchemaElement> Elements() =>
    [
        new() { Name = "schema", NumChildren = 4 },
        new() { Name = Id, Type = PhysicalType.Int64, Repetition = Repetition.Required },
        new()
        {
            Name = Vector, Repetition = Repetition.Required, NumChildren = 1,
            ConvertedType = ConvertedType.List, LogicalType = new LogicalType(LogicalKind.List),
        },
        new() { Name = "list", Repetition = Repetition.Repeated, NumChildren = 1 },
        new() { Name = "element", Type = PhysicalType.Float, Repetition = Repetition.Required },
        new()
        {
            Name = Metadata, Type = PhysicalType.ByteArray, Repetition = Repetition.Optional,
            ConvertedType = ConvertedType.Utf8, LogicalType = new LogicalType(LogicalKind.String),
        },
        // TIMESTAMP(NANOS) has no ConvertedType (parquet.thrift: only MILLIS and MICROS map to one).
        new()
        {
            Name = Timestamp, Type = PhysicalType.Int64, Repetition = Repetition.Required,
            LogicalType = new LogicalType(LogicalKind.Timestamp, IsAdjustedToUtc: true, TimeUnit: LogicalKind.UnitNanos),
        },
    ];
}

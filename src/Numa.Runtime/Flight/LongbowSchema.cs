// Longbow's DoPut schema in one place: the record batch schema of a vector collection, and the check of a put's
// schema against it (reference/vector-anchors.md §1; docs/flight.md), shared by every backend and client.
using Numa.Arrow;

namespace Numa.Flight;

/// <summary>The columns of a vector collection: <c>id int64</c> and <c>vector FixedSizeList&lt;float32&gt;[dim]</c>,
/// and optionally <c>metadata utf8</c> and <c>timestamp Timestamp</c>.</summary>
public static class LongbowSchema
{
    /// <summary>Largest dimension a put may carry.</summary>
    public const int MaxDimension = Vectors.VectorStore.MaxDimension;

    /// <summary><c>id int64 not null, vector FixedSizeList&lt;float32 not null&gt;[dimension] not null</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/> is not 1 to <see cref="MaxDimension"/>.</exception>
    public static ArrowSchema Rows(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimension, MaxDimension);
        return new ArrowSchema(
        [
            new ArrowField("id", ArrowType.Int64, nullable: false),
            new ArrowField("vector", ArrowType.FixedSizeList(new ArrowField("item", ArrowType.Float32, nullable: false), dimension), nullable: false),
        ]);
    }

    /// <summary>Checks a put's schema: an <c>id</c> Int64 and a <c>vector</c> FixedSizeList&lt;Float32&gt; column, and
    /// — only when <paramref name="storesMetadata"/> — optional <c>metadata</c> Utf8 and <c>timestamp</c> Timestamp.
    /// Returns the vector dimension.</summary>
    /// <exception cref="VectorBackendException">InvalidArgument naming the collection, the column and what is wrong.</exception>
    public static int Check(string collection, ArrowSchema schema, bool storesMetadata)
    {
        ArgumentNullException.ThrowIfNull(schema);
        int dimension = 0;
        bool hasId = false;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in schema.Fields)
        {
            var type = field.Type;
            // Two columns of one name would leave it open which one is the data (the dimension from one, rows from the other).
            if (!seen.Add(field.Name)) throw Invalid($"Collection '{collection}': the schema has two columns named '{field.Name}'; it has [{schema}].");
            switch (field.Name)
            {
                case "id" when type.Id == ArrowTypeId.Int64:
                    hasId = true;
                    break;
                case "vector" when type.Id == ArrowTypeId.FixedSizeList && type.ValueField!.Type.Id == ArrowTypeId.Float32 && type.ListSize is > 0 and <= MaxDimension:
                    dimension = type.ListSize;
                    break;
                case "metadata" when storesMetadata && type.Id == ArrowTypeId.Utf8:
                case "timestamp" when storesMetadata && type.Id == ArrowTypeId.Timestamp:
                    break;
                case "metadata" or "timestamp" when !storesMetadata:
                    throw Invalid($"Collection '{collection}': column '{field.Name}' is not stored by this server (its index keeps id and vector only); send id and vector.");
                case "id" or "vector" or "metadata" or "timestamp":
                    throw Invalid($"Collection '{collection}': column '{field.Name}' is {type}; expected {Expected(field.Name)}.");
                default:
                    throw Invalid($"Collection '{collection}': column '{field.Name}' is not supported (columns: id int64, vector FixedSizeList<float32>[dim]{(storesMetadata ? ", metadata utf8, timestamp" : "")}).");
            }
        }
        if (!hasId) throw Invalid($"Collection '{collection}': the schema has no 'id' column (int64); it has [{schema}].");
        if (dimension == 0) throw Invalid($"Collection '{collection}': the schema has no 'vector' column (FixedSizeList<float32>[dim]); it has [{schema}].");
        return dimension;

        static string Expected(string column) => column switch
        {
            "id" => "int64",
            "vector" => $"FixedSizeList<float32>[dim] with 1 ≤ dim ≤ {MaxDimension}",
            "metadata" => "utf8",
            _ => "timestamp",
        };
    }

    private static VectorBackendException Invalid(string message) => new(VectorBackendError.InvalidArgument, message);
}

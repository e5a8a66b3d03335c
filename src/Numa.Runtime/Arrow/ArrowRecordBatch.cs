// A schema and one equal-length array per field: the unit Arrow streams, files and Flight carry.
namespace Numa.Arrow;

/// <summary>
/// Message.fbs <c>RecordBatch</c> with its data: <see cref="Length"/> rows, one <see cref="ArrowArray"/> per field of
/// <see cref="Schema"/>. A decoded batch views the message body it came from, which must stay alive and unchanged
/// while the batch is used.
/// </summary>
public sealed class ArrowRecordBatch
{
    /// <exception cref="ArgumentException">The column count, a column's type or length differs from the schema, or
    /// a non-nullable field's column holds nulls.</exception>
    public ArrowRecordBatch(ArrowSchema schema, int length, IReadOnlyList<ArrowArray> columns)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (columns.Count != schema.Fields.Count)
            throw new ArgumentException($"The schema has {schema.Fields.Count} fields; {columns.Count} columns were given.", nameof(columns));
        for (int i = 0; i < columns.Count; i++)
        {
            var field = schema.Fields[i];
            var column = columns[i] ?? throw new ArgumentNullException(nameof(columns), $"Column {i} ({field.Name}) is null.");
            if (!column.Type.Equals(field.Type))
                throw new ArgumentException($"Column {i} ({field.Name}) is {column.Type}; the schema says {field.Type}.", nameof(columns));
            if (column.Length != length)
                throw new ArgumentException($"Column {i} ({field.Name}) has {column.Length} rows; the batch has {length}.", nameof(columns));
            if (!field.Nullable && column.NullCount != 0)
                throw new ArgumentException($"Column {i} ({field.Name}) is not nullable but holds {column.NullCount} nulls.", nameof(columns));
        }
        Schema = schema;
        Length = length;
        Columns = [.. columns];
    }

    /// <summary>For decoders, which have already checked the columns against the schema.</summary>
    internal ArrowRecordBatch(ArrowSchema schema, int length, ArrowArray[] columns, bool trusted)
    {
        System.Diagnostics.Debug.Assert(trusted);
        Schema = schema;
        Length = length;
        Columns = columns;
    }

    /// <summary>The schema the columns follow.</summary>
    public ArrowSchema Schema { get; }

    /// <summary>Number of rows.</summary>
    public int Length { get; }

    /// <summary>One array per schema field, in field order.</summary>
    public IReadOnlyList<ArrowArray> Columns { get; }

    /// <summary>The column of the first field named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No field has that name.</exception>
    public ArrowArray Column(string name)
    {
        int index = Schema.IndexOf(name);
        return index >= 0 ? Columns[index] : throw new KeyNotFoundException($"The schema has no field '{name}'.");
    }
}

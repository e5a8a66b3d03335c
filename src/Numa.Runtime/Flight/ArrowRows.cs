// Copies chosen rows of a collection batch into a new batch: how a scan leaves out deleted or filtered rows.
using Numa.Arrow;

namespace Numa.Flight;

/// <summary>Row selection for the collection column types (Int64, Timestamp, Utf8, FixedSizeList&lt;Float32&gt;).</summary>
internal static class ArrowRows
{
    /// <summary>A batch of <paramref name="batch"/>'s schema holding the rows <paramref name="rows"/>, in that order.</summary>
    internal static ArrowRecordBatch Take(ArrowRecordBatch batch, List<int> rows)
    {
        var columns = new ArrowArray[batch.Columns.Count];
        for (int c = 0; c < columns.Length; c++) columns[c] = Take(batch.Columns[c], rows);
        return new ArrowRecordBatch(batch.Schema, rows.Count, columns);
    }

    private static ArrowArray Take(ArrowArray column, List<int> rows)
    {
        var validity = ValidityOf(column, rows);
        switch (column.Type.Id)
        {
            case ArrowTypeId.Int64 or ArrowTypeId.Timestamp:
            {
                var source = column.GetValues<long>();
                var values = new long[rows.Count];
                for (int i = 0; i < values.Length; i++) values[i] = source[rows[i]];
                return column.Type.Id == ArrowTypeId.Int64 ? ArrowArray.Int64(values, validity) : ArrowArray.Timestamp(column.Type, values, validity);
            }
            case ArrowTypeId.Utf8:
            {
                var values = new string?[rows.Count];
                for (int i = 0; i < values.Length; i++) values[i] = column.GetString(rows[i]);
                return ArrowArray.Utf8(values);
            }
            case ArrowTypeId.FixedSizeList when column.Type.ValueField!.Type.Id == ArrowTypeId.Float32:
            {
                int size = column.Type.ListSize;
                var values = new float[rows.Count * size];
                for (int i = 0; i < rows.Count; i++) column.GetListValues<float>(rows[i]).CopyTo(values.AsSpan(i * size, size));
                return ArrowArray.FixedSizeList(column.Type, rows.Count, ArrowArray.Float32(values), validity);
            }
            default:
                throw new NotSupportedException($"Selecting rows of a {column.Type} column is not supported.");
        }
    }

    private static ReadOnlyMemory<byte> ValidityOf(ArrowArray column, List<int> rows)
    {
        if (column.NullCount == 0) return default;
        var valid = new bool[rows.Count];
        for (int i = 0; i < valid.Length; i++) valid[i] = column.IsValid(rows[i]);
        return ArrowBitmap.Pack(valid);
    }
}

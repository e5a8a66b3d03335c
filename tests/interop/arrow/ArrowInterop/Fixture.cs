// The data the C# side writes: every supported type, nulls in every nullable column (and inside lists), extreme
// values, non-ASCII strings, empty strings and lists, schema and field metadata, three batches.
using Numa.Arrow;

namespace Numa.Interop.Arrow;

internal static class Fixture
{
    private static readonly int[] s_batchRows = [4, 7, 3];

    public static (ArrowSchema Schema, List<ArrowRecordBatch> Batches) Build()
    {
        var vectorType = ArrowType.FixedSizeList(new ArrowField("item", ArrowType.Float32, nullable: false), 4);
        var listType = ArrowType.List(ArrowType.Float32);
        var schema = new ArrowSchema(
        [
            new ArrowField("i32", ArrowType.Int32),
            new ArrowField("i64", ArrowType.Int64, nullable: false),
            new ArrowField("u64", ArrowType.UInt64),
            new ArrowField("f32", ArrowType.Float32),
            new ArrowField("f64", ArrowType.Float64, nullable: false),
            new ArrowField("flag", ArrowType.Bool),
            new ArrowField("name", ArrowType.Utf8),
            new ArrowField("blob", ArrowType.Binary),
            new ArrowField("ts", ArrowType.Timestamp(ArrowTimeUnit.Nanosecond, "UTC")),
            new ArrowField("ts_local", ArrowType.Timestamp(), nullable: false),
            new ArrowField("vector", vectorType, metadata: [new("dim", "4"), new("metric", "l2")]),
            new ArrowField("list", listType),
        ], [new("collection", "interop"), new("writer", "Numa.Arrow")]);

        var batches = new List<ArrowRecordBatch>();
        int g0 = 0;
        foreach (int n in s_batchRows)
        {
            var rows = Enumerable.Range(g0, n).ToArray();
            g0 += n;
            var vectorValues = new float[n * 4];
            for (int r = 0; r < n; r++)
                for (int k = 0; k < 4; k++) vectorValues[r * 4 + k] = rows[r] + k * 0.5f;
            var listOffsets = new int[n + 1];
            var listValues = new List<float>();
            var listItemValid = new List<bool>();
            for (int r = 0; r < n; r++)
            {
                int g = rows[r];
                if (g % 6 != 1)
                {
                    for (int k = 0; k < g % 4; k++) { listValues.Add(g * 10 + k); listItemValid.Add((g + k) % 5 != 0); }
                }
                listOffsets[r + 1] = listValues.Count;
            }
            var columns = new[]
            {
                ArrowArray.Int32(rows.Select(I32).ToArray(), Valid(rows, g => g % 4 != 1)),
                ArrowArray.Int64(rows.Select(I64).ToArray()),
                ArrowArray.UInt64(rows.Select(g => g == 0 ? ulong.MaxValue : ((ulong)(uint)g << 60) | (uint)g).ToArray(), Valid(rows, g => g % 5 != 3)),
                ArrowArray.Float32(rows.Select(g => g * 0.25f - 1.5f).ToArray(), Valid(rows, g => g % 3 != 2)),
                ArrowArray.Float64(rows.Select(g => g == 4 ? 1e-300 : g * 1e10 + 0.125).ToArray()),
                ArrowArray.Bool(rows.Select(g => g % 3 == 0).ToArray(), Valid(rows, g => g % 7 != 6)),
                ArrowArray.Utf8(rows.Select(g => g % 4 == 3 ? null : g % 5 == 2 ? "" : $"row {g} ñ € 𝄞").ToArray()),
                ArrowArray.Binary(rows.Select(g => g % 6 == 5 ? null : new byte[] { (byte)g, 0, 255, (byte)(g * 3) }[..(g % 4)]).ToArray()),
                ArrowArray.Timestamp(schema.Fields[8].Type, rows.Select(g => 1_700_000_000_123_456_789L + g * 1_000_000_001L).ToArray(), Valid(rows, g => g % 4 != 2)),
                ArrowArray.Timestamp(schema.Fields[9].Type, rows.Select(g => -g * 86_400_000_000_000L - 1).ToArray()),
                ArrowArray.FixedSizeList(vectorType, n, ArrowArray.Float32(vectorValues), Valid(rows, g => g % 5 != 4)),
                ArrowArray.List(listType, listOffsets, ArrowArray.Float32(listValues.ToArray(), ArrowBitmap.Pack([.. listItemValid])), Valid(rows, g => g % 6 != 1)),
            };
            batches.Add(new ArrowRecordBatch(schema, n, columns));
        }
        return (schema, batches);
    }

    private static int I32(int g) => g switch { 0 => int.MinValue, 2 => int.MaxValue, _ => g * 7 - 20 };

    private static long I64(int g) => g switch
    {
        0 => long.MinValue,
        1 => long.MaxValue,
        _ => (g % 2 == 0 ? 1 : -1) * (g * 1_000_000_007L + (1L << 53) + 1),
    };

    private static byte[] Valid(int[] rows, Func<int, bool> valid) => ArrowBitmap.Pack(rows.Select(valid).ToArray());
}

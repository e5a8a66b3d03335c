// Sample schemas and batches covering every supported type with nulls, and a value-by-value comparison of batches.
using Numa.Arrow;

namespace Numa.Tests.Arrow;

internal static class ArrowTestData
{
    public static readonly ArrowType Vector4 = ArrowType.FixedSizeList(new ArrowField("item", ArrowType.Float32, nullable: false), 4);
    public static readonly ArrowType FloatList = ArrowType.List(ArrowType.Float32);

    public static ArrowSchema AllTypes() => new(
    [
        new ArrowField("i32", ArrowType.Int32),
        new ArrowField("i64", ArrowType.Int64, nullable: false),
        new ArrowField("u64", ArrowType.UInt64),
        new ArrowField("f32", ArrowType.Float32),
        new ArrowField("f64", ArrowType.Float64),
        new ArrowField("flag", ArrowType.Bool),
        new ArrowField("name", ArrowType.Utf8),
        new ArrowField("blob", ArrowType.Binary),
        new ArrowField("ts", ArrowType.Timestamp(ArrowTimeUnit.Nanosecond, "UTC")),
        new ArrowField("vector", Vector4, metadata: [new("dim", "4")]),
        new ArrowField("list", FloatList),
    ], [new("collection", "tests"), new("empty", "")]);

    /// <summary>A batch of <paramref name="n"/> rows starting at global row <paramref name="first"/>; every
    /// nullable column has nulls when n ≥ 3, lists have empty and null slots and null items.</summary>
    public static ArrowRecordBatch AllTypesBatch(ArrowSchema schema, int first, int n)
    {
        var rows = Enumerable.Range(first, n).ToArray();
        var vector = new float[n * 4];
        for (int i = 0; i < vector.Length; i++) vector[i] = first * 4 + i * 0.5f;
        var offsets = new int[n + 1];
        var items = new List<float>();
        var itemValid = new List<bool>();
        for (int r = 0; r < n; r++)
        {
            for (int k = 0; k < rows[r] % 3; k++) { items.Add(rows[r] + k); itemValid.Add(k != 1); }
            offsets[r + 1] = items.Count;
        }
        return new ArrowRecordBatch(schema, n,
        [
            ArrowArray.Int32(rows.Select(g => g * 3 - 5).ToArray(), Valid(rows, g => g % 3 != 1)),
            ArrowArray.Int64(rows.Select(g => long.MaxValue - g).ToArray()),
            ArrowArray.UInt64(rows.Select(g => ulong.MaxValue - (ulong)g).ToArray(), Valid(rows, g => g % 4 != 2)),
            ArrowArray.Float32(rows.Select(g => g / 8f).ToArray(), Valid(rows, g => g % 5 != 0)),
            ArrowArray.Float64(rows.Select(g => -g * 1e100).ToArray()),
            ArrowArray.Bool(rows.Select(g => g % 2 == 0).ToArray(), Valid(rows, g => g % 3 != 2)),
            ArrowArray.Utf8(rows.Select(g => g % 4 == 3 ? null : g % 4 == 1 ? "" : $"row {g} → ✓").ToArray()),
            ArrowArray.Binary(rows.Select(g => g % 5 == 4 ? null : Enumerable.Range(0, g % 6).Select(b => (byte)(b * g)).ToArray()).ToArray()),
            ArrowArray.Timestamp(schema.Fields[8].Type, rows.Select(g => 1_700_000_000_000_000_000L + g).ToArray(), Valid(rows, g => g % 3 != 0)),
            ArrowArray.FixedSizeList(Vector4, n, ArrowArray.Float32(vector), Valid(rows, g => g % 4 != 0)),
            ArrowArray.List(FloatList, offsets, ArrowArray.Float32(items.ToArray(), ArrowBitmap.Pack([.. itemValid])), Valid(rows, g => g % 5 != 2)),
        ]);
    }

    public static byte[] Valid(int[] rows, Func<int, bool> valid) => ArrowBitmap.Pack(rows.Select(valid).ToArray());

    public static void AssertSameSchema(ArrowSchema expected, ArrowSchema actual)
    {
        Assert.Equal(expected.Metadata, actual.Metadata);
        Assert.Equal(expected.Fields.Count, actual.Fields.Count);
        for (int i = 0; i < expected.Fields.Count; i++)
        {
            Assert.Equal(expected.Fields[i].Name, actual.Fields[i].Name);
            Assert.Equal(expected.Fields[i].Type, actual.Fields[i].Type);
            Assert.Equal(expected.Fields[i].Nullable, actual.Fields[i].Nullable);
            Assert.Equal(expected.Fields[i].Metadata, actual.Fields[i].Metadata);
            Assert.Equal(expected.Fields[i].Type.ValueField?.Name, actual.Fields[i].Type.ValueField?.Name);
        }
    }

    public static void AssertSameValues(ArrowRecordBatch expected, ArrowRecordBatch actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int c = 0; c < expected.Columns.Count; c++)
            AssertSameValues(expected.Columns[c], actual.Columns[c], expected.Schema.Fields[c].Name);
    }

    public static void AssertSameValues(ArrowArray expected, ArrowArray actual, string name)
    {
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.Length, actual.Length);
        Assert.Equal(expected.NullCount, actual.NullCount);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(expected.IsNull(i) == actual.IsNull(i), $"{name}[{i}] null mismatch");
            if (expected.IsNull(i)) continue;
            switch (expected.Type.Id)
            {
                case ArrowTypeId.Int32 or ArrowTypeId.Float32:
                    Assert.Equal(expected.GetValues<int>()[i], actual.GetValues<int>()[i]);
                    break;
                case ArrowTypeId.Int64 or ArrowTypeId.UInt64 or ArrowTypeId.Float64 or ArrowTypeId.Timestamp:
                    Assert.Equal(expected.GetValues<long>()[i], actual.GetValues<long>()[i]);
                    break;
                case ArrowTypeId.Bool:
                    Assert.Equal(expected.GetBool(i), actual.GetBool(i));
                    break;
                case ArrowTypeId.Utf8 or ArrowTypeId.Binary:
                    Assert.Equal(expected.GetBytes(i).ToArray(), actual.GetBytes(i).ToArray());
                    break;
                default:
                    var (es, el) = expected.GetListRange(i);
                    var (as_, al) = actual.GetListRange(i);
                    Assert.Equal(el, al);
                    for (int k = 0; k < el; k++)
                    {
                        Assert.Equal(expected.Values!.IsNull(es + k), actual.Values!.IsNull(as_ + k));
                        if (!expected.Values.IsNull(es + k))
                            Assert.Equal(expected.Values.GetValues<float>()[es + k], actual.Values.GetValues<float>()[as_ + k]);
                    }
                    break;
            }
        }
    }
}

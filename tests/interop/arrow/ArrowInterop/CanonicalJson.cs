// The canonical JSON both sides of the interop suite produce from a schema and its batches, so values can be compared
// across languages: integers and timestamps as decimal strings, floats as numbers, binary as lowercase hex, lists as
// arrays, nulls as null; types in a fixed spelling ("Timestamp(ns,UTC)", "FixedSizeList[4]<Float32 not null>").
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Numa.Arrow;

namespace Numa.Interop.Arrow;

internal static class CanonicalJson
{
    public static string Describe(ArrowSchema schema, IReadOnlyList<ArrowRecordBatch> batches) =>
        Node(schema, batches).ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>Null when the batches hold exactly the expected JSON; otherwise the first difference.</summary>
    public static string? Compare(string expectedJson, ArrowSchema schema, IReadOnlyList<ArrowRecordBatch> batches) =>
        Diff(JsonNode.Parse(expectedJson), Node(schema, batches), "$");

    private static JsonObject Node(ArrowSchema schema, IReadOnlyList<ArrowRecordBatch> batches)
    {
        var fields = new JsonArray();
        foreach (var f in schema.Fields)
            fields.Add(new JsonObject { ["name"] = f.Name, ["type"] = TypeName(f.Type), ["nullable"] = f.Nullable, ["metadata"] = Pairs(f.Metadata) });
        var batchNodes = new JsonArray();
        foreach (var b in batches)
        {
            var columns = new JsonArray();
            foreach (var c in b.Columns)
            {
                var values = new JsonArray();
                for (int i = 0; i < c.Length; i++) values.Add(Value(c, i));
                columns.Add(values);
            }
            batchNodes.Add(new JsonObject { ["length"] = b.Length, ["columns"] = columns });
        }
        return new JsonObject { ["metadata"] = Pairs(schema.Metadata), ["fields"] = fields, ["batches"] = batchNodes };
    }

    private static JsonArray Pairs(IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        var array = new JsonArray();
        foreach (var (k, v) in pairs) array.Add(new JsonArray(k, v));
        return array;
    }

    private static string TypeName(ArrowType t) => t.Id switch
    {
        ArrowTypeId.Timestamp => t.Timezone is null ? $"Timestamp({Unit(t.Unit)})" : $"Timestamp({Unit(t.Unit)},{t.Timezone})",
        ArrowTypeId.FixedSizeList => $"FixedSizeList[{t.ListSize}]<{Item(t.ValueField!)}>",
        ArrowTypeId.List => $"List<{Item(t.ValueField!)}>",
        _ => t.Id.ToString(),
    };

    private static string Item(ArrowField f) => TypeName(f.Type) + (f.Nullable ? "" : " not null");

    private static string Unit(ArrowTimeUnit u) => u switch
    {
        ArrowTimeUnit.Second => "s",
        ArrowTimeUnit.Millisecond => "ms",
        ArrowTimeUnit.Microsecond => "us",
        _ => "ns",
    };

    private static JsonNode? Value(ArrowArray a, int i)
    {
        if (a.IsNull(i)) return null;
        var inv = CultureInfo.InvariantCulture;
        switch (a.Type.Id)
        {
            case ArrowTypeId.Int32: return a.GetValues<int>()[i].ToString(inv);
            case ArrowTypeId.Int64 or ArrowTypeId.Timestamp: return a.GetValues<long>()[i].ToString(inv);
            case ArrowTypeId.UInt64: return a.GetValues<ulong>()[i].ToString(inv);
            case ArrowTypeId.Float32: return (double)a.GetValues<float>()[i];
            case ArrowTypeId.Float64: return a.GetValues<double>()[i];
            case ArrowTypeId.Bool: return a.GetBool(i);
            case ArrowTypeId.Utf8: return a.GetString(i);
            case ArrowTypeId.Binary: return Convert.ToHexStringLower(a.GetBytes(i));
            default:
            {
                var (start, length) = a.GetListRange(i);
                var items = new JsonArray();
                for (int k = start; k < start + length; k++) items.Add(Value(a.Values!, k));
                return items;
            }
        }
    }

    private static double Number(JsonValue v) => double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture);

    private static string? Diff(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected)
        {
            case null:
                return actual is null ? null : $"{path}: expected null, got {actual.ToJsonString()}";
            case JsonObject eo:
                if (actual is not JsonObject ao) return $"{path}: expected an object, got {actual?.ToJsonString() ?? "null"}";
                foreach (var (key, value) in eo)
                    if (Diff(value, ao[key], $"{path}.{key}") is { } d) return d;
                return ao.Count == eo.Count ? null : $"{path}: {ao.Count} keys, expected {eo.Count}";
            case JsonArray ea:
                if (actual is not JsonArray aa) return $"{path}: expected an array, got {actual?.ToJsonString() ?? "null"}";
                if (aa.Count != ea.Count) return $"{path}: {aa.Count} items, expected {ea.Count}";
                for (int i = 0; i < ea.Count; i++)
                    if (Diff(ea[i], aa[i], $"{path}[{i}]") is { } d) return d;
                return null;
            default:
                var ev = expected.AsValue();
                if (actual is not JsonValue av) return $"{path}: expected {expected.ToJsonString()}, got {actual?.ToJsonString() ?? "null"}";
                if (ev.GetValueKind() == JsonValueKind.Number && av.GetValueKind() == JsonValueKind.Number)
                    return Number(ev) == Number(av) ? null : $"{path}: expected {ev}, got {av}";
                return expected.ToJsonString() == actual.ToJsonString() ? null : $"{path}: expected {expected.ToJsonString()}, got {actual.ToJsonString()}";
        }
    }
}

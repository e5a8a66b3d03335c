// Reading the JSON bodies of tickets, actions and criteria, with errors that say which field is wrong.
using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;
using Numa.Grpc;

namespace Numa.Flight;

/// <summary>Typed access to JSON request fields; every problem is an <see cref="RpcException"/> INVALID_ARGUMENT.</summary>
internal static class FlightJson
{
    internal static JsonDocument Parse(ReadOnlyMemory<byte> json, string what)
    {
        // System.Text.Json checks a string's UTF-8 only when it is read (GetString throws InvalidOperationException):
        // refuse it here, as the INVALID_ARGUMENT every other bad body gets (RFC 8259 §8.1: JSON text is UTF-8).
        if (!Utf8.IsValid(json.Span)) throw Invalid($"The {what} is not valid UTF-8.");
        try
        {
            var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw Invalid($"The {what} must be a JSON object, not {document.RootElement.ValueKind}.");
            }
            return document;
        }
        catch (JsonException ex)
        {
            throw Invalid($"The {what} is not valid JSON: {ex.Message}");
        }
    }

    internal static string? String(JsonElement obj, string name, string what, bool required)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return required ? throw Invalid($"The {what} has no '{name}'.") : null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Invalid($"'{name}' in the {what} must be a string.");
    }

    internal static long Integer(JsonElement obj, string name, string what, long fallback)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return fallback;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long n) ? n : throw Invalid($"'{name}' in the {what} must be an integer.");
    }

    // HNSW efSearch ("ef"), optional: null when absent; 1 ≤ ef ≤ 1,000,000 otherwise.
    internal static int? Ef(JsonElement obj, string what)
    {
        if (!obj.TryGetProperty("ef", out var value) || value.ValueKind == JsonValueKind.Null) return null;
        long ef = Integer(obj, "ef", what, 0);
        return ef is >= 1 and <= 1_000_000 ? (int)ef : throw Invalid($"'ef' in the {what} is {ef}; it must be between 1 and 1000000.");
    }

    internal static bool Boolean(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    internal static float[] Vector(JsonElement value, string name, string what)
    {
        if (value.ValueKind != JsonValueKind.Array) throw Invalid($"'{name}' in the {what} must be an array of numbers.");
        var vector = new float[value.GetArrayLength()];
        int i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetSingle(out vector[i]) || !float.IsFinite(vector[i]))
                throw Invalid($"'{name}'[{i}] in the {what} is not a finite number.");
            i++;
        }
        return vector;
    }

    internal static List<VectorFilter> Filters(JsonElement obj, string what)
    {
        var filters = new List<VectorFilter>();
        if (!obj.TryGetProperty("filters", out var array) || array.ValueKind == JsonValueKind.Null) return filters;
        if (array.ValueKind != JsonValueKind.Array) throw Invalid($"'filters' in the {what} must be an array.");
        foreach (var f in array.EnumerateArray())
        {
            if (f.ValueKind != JsonValueKind.Object) throw Invalid($"Filter {filters.Count} in the {what} must be an object.");
            string field = String(f, "field", $"filter {filters.Count}", true)!;
            string op = String(f, "operator", $"filter {filters.Count}", false) ?? String(f, "op", $"filter {filters.Count}", true)!;
            if (!f.TryGetProperty("value", out var v)) throw Invalid($"Filter {filters.Count} in the {what} has no 'value'.");
            string value = v.ValueKind switch
            {
                JsonValueKind.String => v.GetString()!,
                JsonValueKind.Number => v.GetRawText(),
                _ => throw Invalid($"'value' of filter {filters.Count} in the {what} must be a string or a number."),
            };
            filters.Add(new VectorFilter(field, op, value));
        }
        return filters;
    }

    internal static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    internal static RpcException Invalid(string message) => new(GrpcStatusCode.InvalidArgument, message);
}

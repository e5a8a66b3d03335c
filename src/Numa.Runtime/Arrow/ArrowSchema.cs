// The fields of a stream or file, with the schema's custom metadata.
namespace Numa.Arrow;

/// <summary>Schema.fbs <c>Schema</c> (little-endian only): the top-level fields and custom key/value metadata.</summary>
public sealed class ArrowSchema
{
    /// <summary>A schema of <paramref name="fields"/>; <paramref name="metadata"/> pairs are kept in order.</summary>
    public ArrowSchema(IEnumerable<ArrowField> fields, IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(fields);
        Fields = [.. fields];
        foreach (var field in Fields) ArgumentNullException.ThrowIfNull(field, nameof(fields));
        Metadata = metadata is null ? [] : [.. metadata];
    }

    /// <summary>The top-level fields, in column order.</summary>
    public IReadOnlyList<ArrowField> Fields { get; }

    /// <summary>Custom metadata (<c>Schema.custom_metadata</c>), in wire order; empty when none.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Metadata { get; }

    /// <summary>The index of the first field named <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Fields.Count; i++)
            if (Fields[i].Name == name) return i;
        return -1;
    }

    /// <summary>The fields, comma-separated.</summary>
    public override string ToString() => string.Join(", ", Fields);
}

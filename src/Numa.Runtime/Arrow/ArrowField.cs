// A named, typed column (or list item) of a schema, with its nullability and custom metadata.
namespace Numa.Arrow;

/// <summary>Schema.fbs <c>Field</c>: a name, a type, whether nulls are allowed, and custom key/value metadata.</summary>
public sealed class ArrowField
{
    /// <summary>A field; <paramref name="metadata"/> pairs are kept in order.</summary>
    public ArrowField(string name, ArrowType type, bool nullable = true, IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(type);
        Name = name;
        Type = type;
        Nullable = nullable;
        Metadata = metadata is null ? [] : [.. metadata];
    }

    /// <summary>The name (may be empty, e.g. for list items).</summary>
    public string Name { get; }
    /// <summary>The data type.</summary>
    public ArrowType Type { get; }

    /// <summary>Whether the column may hold nulls. Readers reject a non-nullable top-level column with nulls; a list
    /// item may hold nulls under null list slots whatever it declares (apache-arrow writes them).</summary>
    public bool Nullable { get; }

    /// <summary>Custom metadata (<c>Field.custom_metadata</c>), in wire order; empty when none.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Metadata { get; }

    /// <summary>"name: type", with "not null" when not nullable.</summary>
    public override string ToString() => $"{Name}: {Type}{(Nullable ? "" : " not null")}";
}

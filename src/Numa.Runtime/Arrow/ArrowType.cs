// An Arrow data type: one of ArrowTypeId plus its parameters (timestamp unit and zone, list size, list item field).
namespace Numa.Arrow;

/// <summary>
/// An immutable Arrow data type (Arrow Columnar Format, "Data Types"; Schema.fbs). Equality is structural: the id,
/// the parameters and, for lists, the item field's type and nullability (not its name).
/// </summary>
public sealed class ArrowType : IEquatable<ArrowType>
{
    /// <summary>The Int32 type.</summary>
    public static readonly ArrowType Int32 = new(ArrowTypeId.Int32);
    /// <summary>The Int64 type.</summary>
    public static readonly ArrowType Int64 = new(ArrowTypeId.Int64);
    /// <summary>The UInt64 type.</summary>
    public static readonly ArrowType UInt64 = new(ArrowTypeId.UInt64);
    /// <summary>The Float32 type.</summary>
    public static readonly ArrowType Float32 = new(ArrowTypeId.Float32);
    /// <summary>The Float64 type.</summary>
    public static readonly ArrowType Float64 = new(ArrowTypeId.Float64);
    /// <summary>The Bool type.</summary>
    public static readonly ArrowType Bool = new(ArrowTypeId.Bool);
    /// <summary>The Utf8 type.</summary>
    public static readonly ArrowType Utf8 = new(ArrowTypeId.Utf8);
    /// <summary>The Binary type.</summary>
    public static readonly ArrowType Binary = new(ArrowTypeId.Binary);

    private ArrowType(ArrowTypeId id, ArrowTimeUnit unit = default, string? timezone = null, int listSize = 0, ArrowField? valueField = null)
    {
        Id = id;
        Unit = unit;
        Timezone = timezone;
        ListSize = listSize;
        ValueField = valueField;
    }

    /// <summary>Which type this is.</summary>
    public ArrowTypeId Id { get; }

    /// <summary>The unit of a <see cref="ArrowTypeId.Timestamp"/>.</summary>
    public ArrowTimeUnit Unit { get; }

    /// <summary>The time zone of a <see cref="ArrowTypeId.Timestamp"/> (an Olson name or ±HH:MM); null when naive.</summary>
    public string? Timezone { get; }

    /// <summary>Values per slot of a <see cref="ArrowTypeId.FixedSizeList"/>.</summary>
    public int ListSize { get; }

    /// <summary>The item field of a <see cref="ArrowTypeId.List"/> or <see cref="ArrowTypeId.FixedSizeList"/>.</summary>
    public ArrowField? ValueField { get; }

    /// <summary>Bytes per value of a fixed-width type (Int32, Int64, UInt64, Float32, Float64, Timestamp); 0 otherwise.</summary>
    public int ByteWidth => Id switch
    {
        ArrowTypeId.Int32 or ArrowTypeId.Float32 => 4,
        ArrowTypeId.Int64 or ArrowTypeId.UInt64 or ArrowTypeId.Float64 or ArrowTypeId.Timestamp => 8,
        _ => 0,
    };

    /// <summary>Whether this is a List or FixedSizeList (and has a <see cref="ValueField"/>).</summary>
    public bool IsList => Id is ArrowTypeId.List or ArrowTypeId.FixedSizeList;

    /// <summary>A timestamp: int64 counts of <paramref name="unit"/> since 1970-01-01T00:00:00 (Schema.fbs
    /// <c>Timestamp</c>); <paramref name="timezone"/> null or empty means zone-naive.</summary>
    public static ArrowType Timestamp(ArrowTimeUnit unit = ArrowTimeUnit.Nanosecond, string? timezone = null)
    {
        if (!Enum.IsDefined(unit)) throw new ArgumentOutOfRangeException(nameof(unit));
        return new ArrowType(ArrowTypeId.Timestamp, unit, string.IsNullOrEmpty(timezone) ? null : timezone);
    }

    /// <summary>A fixed-size list of <paramref name="listSize"/> values per slot (≥ 0).</summary>
    public static ArrowType FixedSizeList(ArrowField valueField, int listSize)
    {
        ArgumentNullException.ThrowIfNull(valueField);
        ArgumentOutOfRangeException.ThrowIfNegative(listSize);
        return new ArrowType(ArrowTypeId.FixedSizeList, listSize: listSize, valueField: valueField);
    }

    /// <summary>A fixed-size list whose item field is a nullable "item" of <paramref name="valueType"/>, as
    /// pyarrow and apache-arrow name it.</summary>
    public static ArrowType FixedSizeList(ArrowType valueType, int listSize) =>
        FixedSizeList(new ArrowField("item", valueType), listSize);

    /// <summary>A variable-size list (int32 offsets).</summary>
    public static ArrowType List(ArrowField valueField)
    {
        ArgumentNullException.ThrowIfNull(valueField);
        return new ArrowType(ArrowTypeId.List, valueField: valueField);
    }

    /// <summary>A list whose item field is a nullable "item" of <paramref name="valueType"/>.</summary>
    public static ArrowType List(ArrowType valueType) => List(new ArrowField("item", valueType));

    /// <summary>Structural equality (see the type's remarks).</summary>
    public bool Equals(ArrowType? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || other.Id != Id || other.Unit != Unit || other.ListSize != ListSize) return false;
        if (!string.Equals(other.Timezone, Timezone, StringComparison.Ordinal)) return false;
        if (ValueField is null) return other.ValueField is null;
        return other.ValueField is not null && ValueField.Nullable == other.ValueField.Nullable && ValueField.Type.Equals(other.ValueField.Type);
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ArrowType);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Id, Unit, ListSize, Timezone, ValueField?.Type);

    /// <summary>E.g. "FixedSizeList&lt;Float32&gt;[128]", "List&lt;Int64 not null&gt;" (an item field that is not
    /// nullable says so, as <see cref="ArrowField.ToString"/> does, since <see cref="Equals(ArrowType?)"/> tells the two
    /// apart), "Timestamp(Nanosecond, UTC)".</summary>
    public override string ToString() => Id switch
    {
        ArrowTypeId.Timestamp => Timezone is null ? $"Timestamp({Unit})" : $"Timestamp({Unit}, {Timezone})",
        ArrowTypeId.FixedSizeList => $"FixedSizeList<{Item}>[{ListSize}]",
        ArrowTypeId.List => $"List<{Item}>",
        _ => Id.ToString(),
    };

    private string Item => ValueField!.Nullable ? $"{ValueField.Type}" : $"{ValueField.Type} not null";
}

// The Arrow logical types Numa.Arrow reads and writes.
namespace Numa.Arrow;

/// <summary>The logical types this codec supports (Arrow Columnar Format, "Data Types"; Schema.fbs <c>Type</c>).</summary>
public enum ArrowTypeId
{
    /// <summary>Schema.fbs <c>Int{bitWidth: 32, is_signed: true}</c>; 4-byte values.</summary>
    Int32,
    /// <summary><c>Int{bitWidth: 64, is_signed: true}</c>; 8-byte values.</summary>
    Int64,
    /// <summary><c>Int{bitWidth: 64, is_signed: false}</c>; 8-byte values.</summary>
    UInt64,
    /// <summary><c>FloatingPoint{precision: SINGLE}</c>; 4-byte IEEE 754 values.</summary>
    Float32,
    /// <summary><c>FloatingPoint{precision: DOUBLE}</c>; 8-byte IEEE 754 values.</summary>
    Float64,
    /// <summary><c>Bool</c>; one bit per value, least significant bit first.</summary>
    Bool,
    /// <summary><c>Utf8</c>; int32 offsets and UTF-8 bytes.</summary>
    Utf8,
    /// <summary><c>Binary</c>; int32 offsets and bytes.</summary>
    Binary,
    /// <summary><c>Timestamp{unit, timezone}</c>; int64 counts of the unit since the Unix epoch.</summary>
    Timestamp,
    /// <summary><c>FixedSizeList{listSize}</c>; one child array holding <c>listSize</c> values per slot.</summary>
    FixedSizeList,
    /// <summary><c>List</c>; int32 offsets into one child array.</summary>
    List,
}

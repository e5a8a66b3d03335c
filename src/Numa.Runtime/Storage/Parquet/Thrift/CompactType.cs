// The element and field types of the Thrift compact protocol, as they appear on the wire.
namespace Numa.Storage.Parquet.Thrift;

/// <summary>Compact-protocol type codes (apache/thrift doc/specs/thrift-compact-protocol.md, "Struct
/// encoding"). In a field header, booleans carry their value in the type (<see cref="BooleanTrue"/>,
/// <see cref="BooleanFalse"/>); in a list, element type 1 or 2 means "bool" and each element is one byte.</summary>
internal enum CompactType : byte
{
    Stop = 0,
    BooleanTrue = 1,
    BooleanFalse = 2,
    I8 = 3,
    I16 = 4,
    I32 = 5,
    I64 = 6,
    Double = 7,
    Binary = 8,
    List = 9,
    Set = 10,
    Map = 11,
    Struct = 12,
}

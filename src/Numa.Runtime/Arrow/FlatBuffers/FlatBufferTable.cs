// A table located and bounds-checked by FlatBufferReader: where it starts, where its vtable is, and their sizes.
namespace Numa.Arrow.FlatBuffers;

/// <summary>A verified table position: <see cref="Position"/> holds the soffset to the vtable at
/// <see cref="VTable"/>; both the vtable (<see cref="VTableSize"/> bytes) and the table's inline part
/// (<see cref="InlineSize"/> bytes) lie inside the buffer. <see cref="Name"/> names it in errors.</summary>
internal readonly record struct FlatBufferTable(int Position, int VTable, int VTableSize, int InlineSize, string Name);

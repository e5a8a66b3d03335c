// A vector located and bounds-checked by FlatBufferReader.
namespace Numa.Arrow.FlatBuffers;

/// <summary>A verified vector: <see cref="Count"/> elements of <see cref="ElementSize"/> bytes from
/// <see cref="Start"/> (just after the uint32 length), all inside the buffer. An absent vector has Count 0.</summary>
internal readonly record struct FlatBufferVector(int Start, int Count, int ElementSize, string Name);

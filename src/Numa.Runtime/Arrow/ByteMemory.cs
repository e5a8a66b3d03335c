// Views typed memory (float[], long[], native slabs behind a MemoryManager<T>) as bytes without copying, so
// writers can hand user buffers straight to the output.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Numa.Arrow;

/// <summary>A <see cref="MemoryManager{T}"/> of bytes over a <see cref="ReadOnlyMemory{T}"/> of an unmanaged type.</summary>
internal sealed unsafe class ByteMemory<T> : MemoryManager<byte> where T : unmanaged
{
    private readonly ReadOnlyMemory<T> _source;

    private ByteMemory(ReadOnlyMemory<T> source) => _source = source;

    public static ReadOnlyMemory<byte> Wrap(ReadOnlyMemory<T> source) =>
        typeof(T) == typeof(byte) ? Unsafe.As<ReadOnlyMemory<T>, ReadOnlyMemory<byte>>(ref source)
        : source.IsEmpty ? ReadOnlyMemory<byte>.Empty
        : new ByteMemory<T>(source).Memory;

    public override Span<byte> GetSpan()
    {
        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(_source.Span);
        return MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(bytes), bytes.Length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        MemoryHandle inner = _source.Pin();
        return new MemoryHandle((byte*)inner.Pointer + elementIndex, default, new Unpinner(inner));
    }

    public override void Unpin() { }

    protected override void Dispose(bool disposing) { }

    private sealed class Unpinner(MemoryHandle inner) : IPinnable
    {
        private MemoryHandle _inner = inner;
        public MemoryHandle Pin(int elementIndex) => throw new NotSupportedException();
        public void Unpin() => _inner.Dispose();
    }
}

// A growable byte buffer from the shared array pool, reused for every page a writer or reader handles.
using System.Buffers;

namespace Numa.Storage.Parquet;

/// <summary>An append-only byte buffer over <see cref="ArrayPool{T}.Shared"/>; <see cref="Reset"/> keeps the
/// array, <see cref="Dispose"/> returns it.</summary>
internal sealed class PageBuffer : IDisposable
{
    private byte[] _array;
    private int _length;

    public PageBuffer(int initialCapacity = 64 * 1024) => _array = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int Length => _length;

    public Span<byte> Written => _array.AsSpan(0, _length);

    public byte[] Array => _array;

    public void Reset() => _length = 0;

    /// <summary>A span of at least <paramref name="size"/> bytes after the written ones.</summary>
    public Span<byte> GetSpan(int size)
    {
        Ensure(size);
        return _array.AsSpan(_length);
    }

    public void Advance(int count)
    {
        Ensure(count);
        _length += count;
    }

    public void Append(byte value)
    {
        Ensure(1);
        _array[_length++] = value;
    }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _length += bytes.Length;
    }

    private void Ensure(int extra)
    {
        if ((long)_length + extra <= _array.Length) return;
        long wanted = Math.Max((long)_length + extra, (long)_array.Length * 2);
        if (wanted > System.Array.MaxLength) wanted = (long)_length + extra;
        byte[] bigger = ArrayPool<byte>.Shared.Rent(checked((int)wanted));
        _array.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_array);
        _array = bigger;
    }

    public void Dispose()
    {
        byte[] array = _array;
        _array = [];
        _length = 0;
        if (array.Length > 0) ArrayPool<byte>.Shared.Return(array);
    }
}

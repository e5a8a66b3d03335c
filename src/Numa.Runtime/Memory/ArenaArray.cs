// A handle to an array in a NumaArena, storable in a field (a Span cannot be); generated Local and Interleaved arrays.
namespace Numa.Memory;

/// <summary><see cref="Length"/> elements of <typeparamref name="T"/> in a <see cref="NumaArena"/>, from
/// <see cref="NumaArena.AllocateArray{T}"/>. Valid until the arena is reset or disposed.</summary>
public readonly unsafe struct ArenaArray<T> where T : unmanaged
{
    private readonly T* _items;

    internal ArenaArray(T* items, int length)
    {
        _items = items;
        Length = length;
    }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>True once allocated.</summary>
    public bool IsAllocated => _items != null;

    /// <summary>The elements.</summary>
    /// <exception cref="InvalidOperationException">Not allocated yet (see <see cref="ArenaRef{T}.Value"/>).</exception>
    public Span<T> Span
    {
        get
        {
            if (_items == null) ArenaRef<T>.ThrowNotAllocated();
            return new Span<T>(_items, Length);
        }
    }

    /// <summary>The elements' bytes, for placement checks (<see cref="PagePlacement"/>).</summary>
    /// <exception cref="InvalidOperationException">The array is 2 GiB or larger, more than a span can hold; use
    /// <see cref="QueryPlacement"/>.</exception>
    public ReadOnlySpan<byte> AsBytes()
    {
        if (_items == null) return default;
        long bytes = (long)Length * sizeof(T);
        if (bytes > int.MaxValue)
            throw new InvalidOperationException($"The array holds {bytes} bytes, more than a span can; use QueryPlacement() for its pages.");
        return new ReadOnlySpan<byte>(_items, (int)bytes);
    }

    /// <summary>Which node holds each of the array's pages (move_pages(2); see <see cref="PagePlacement.Summarize(void*, nuint)"/>),
    /// whatever its size.</summary>
    /// <exception cref="InvalidOperationException">Not allocated yet.</exception>
    public PlacementSummary QueryPlacement()
    {
        if (_items == null) ArenaRef<T>.ThrowNotAllocated();
        return PagePlacement.Summarize(_items, (nuint)Length * (nuint)sizeof(T));
    }
}

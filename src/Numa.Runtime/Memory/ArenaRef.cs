// A handle to one value in a NumaArena, storable in a field (a ref cannot be); the generated Local state of workers.
namespace Numa.Memory;

/// <summary>One <typeparamref name="T"/> in a <see cref="NumaArena"/>, from <see cref="NumaArena.AllocateRef{T}"/>.
/// Valid until the arena is reset or disposed; the arena's owner decides who may touch it.</summary>
public readonly unsafe struct ArenaRef<T> where T : unmanaged
{
    private readonly T* _value;

    internal ArenaRef(T* value) => _value = value;

    /// <summary>True once allocated.</summary>
    public bool IsAllocated => _value != null;

    /// <summary>The value, by reference.</summary>
    /// <exception cref="InvalidOperationException">Not allocated yet: a worker's Local state exists only while the
    /// worker runs, after it has pinned itself.</exception>
    public ref T Value
    {
        get
        {
            if (_value == null) ThrowNotAllocated();
            return ref *_value;
        }
    }

    /// <summary>The value's bytes, for placement checks (<see cref="PagePlacement"/>).</summary>
    public ReadOnlySpan<byte> AsBytes() => _value == null ? default : new ReadOnlySpan<byte>(_value, sizeof(T));

    internal static void ThrowNotAllocated() => throw new InvalidOperationException(
        "This node-local state is not allocated: it is allocated in the worker's node arena when the worker starts " +
        "(after pinning) and released when it stops. Touch it only from the worker's own code while it runs.");
}

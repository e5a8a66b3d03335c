// Where vector storage and graph memory come from: 1 MiB slabs (and small blocks) carved from one NumaArena,
// so everything an index holds lives on the arena's node. The arena has one owner; this type serializes the
// index's inserting threads onto it.
using Numa.Memory;

namespace Numa.Vectors;

/// <summary>Hands out zeroed 1 MiB slabs and small blocks from a <see cref="NumaArena"/>, under a lock (the arena
/// itself is single-threaded). Owns the arena when it created it.</summary>
internal sealed unsafe class SlabSource : IDisposable
{
    /// <summary>Bytes per slab, as Longbow's SlabAllocator (shared/seeds 004, "Arena Allocation").</summary>
    public const int SlabBytes = 1 << 20;

    private readonly NumaArena _arena;
    private readonly bool _ownsArena;
    private readonly Lock _lock = new();
    private long _slabBytes;
    private long _blockBytes;

    public SlabSource(NumaArena? arena)
    {
        if (arena is null)
        {
            var platform = NumaPlatform.Current;
            _arena = platform.Node(platform.CurrentNode()).CreateArena();
            _ownsArena = true;
        }
        else
        {
            _arena = arena;
        }
    }

    /// <summary>The node the memory is placed on, when the arena names one.</summary>
    public int? HomeNode => _arena.HomeNode;

    /// <summary>Bytes handed out as slabs.</summary>
    public long SlabBytesAllocated => Volatile.Read(ref _slabBytes);

    /// <summary>Bytes handed out as small blocks.</summary>
    public long BlockBytesAllocated => Volatile.Read(ref _blockBytes);

    /// <summary>A zeroed, 64-byte aligned slab of <see cref="SlabBytes"/>.</summary>
    public byte* AllocateSlab()
    {
        lock (_lock)
        {
            var span = _arena.AllocateSpan<byte>(SlabBytes, 64);
            _slabBytes += SlabBytes;
            fixed (byte* p = span) return p;
        }
    }

    /// <summary>A zeroed, 16-byte aligned block of <paramref name="bytes"/>.</summary>
    public byte* AllocateBlock(int bytes)
    {
        lock (_lock)
        {
            var span = _arena.AllocateSpan<byte>(bytes, 16);
            _blockBytes += bytes;
            fixed (byte* p = span) return p;
        }
    }

    public void Dispose()
    {
        if (_ownsArena) _arena.Dispose();
    }
}

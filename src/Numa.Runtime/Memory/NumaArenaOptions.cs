// How a NumaArena maps and binds its chunks.
namespace Numa.Memory;

/// <summary>Options of a <see cref="NumaArena"/>.</summary>
public sealed class NumaArenaOptions
{
    /// <summary>One mebibyte.</summary>
    public const long MiB = 1024 * 1024;

    /// <summary>The memory policy of the arena's chunks. Default <see cref="MemoryPolicy.Preferred"/>.</summary>
    public MemoryPolicy Policy { get; init; } = MemoryPolicy.Preferred;

    /// <summary>The nodes the policy names: one node for Preferred, one or more for Bind and PreferredMany.
    /// For Interleave, null means every node that can hold memory.</summary>
    public IReadOnlyList<int>? Nodes { get; init; }

    /// <summary>Size of each chunk mapped from the kernel, in bytes; rounded up to the page size (2 MiB with
    /// huge pages). Default 2 MiB. Allocations larger than half a chunk get a mapping of their own.</summary>
    public long ChunkBytes { get; init; } = 2 * MiB;

    /// <summary>Huge page use. Default <see cref="HugePageMode.None"/>.</summary>
    public HugePageMode HugePages { get; init; } = HugePageMode.None;

    /// <summary>A directory on a hugetlbfs mount (for example <c>/dev/hugepages</c>) when
    /// <see cref="HugePages"/> is <see cref="HugePageMode.HugeTlbFs"/>.</summary>
    public string? HugeTlbFsPath { get; init; }

    /// <summary>The huge page size of <see cref="HugeTlbFsPath"/>'s mount in bytes. Default 2 MiB.</summary>
    public long HugePageBytes { get; init; } = 2 * MiB;
}

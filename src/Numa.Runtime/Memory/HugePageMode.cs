// Whether an arena asks for huge pages, and which kind.
namespace Numa.Memory;

/// <summary>How an arena's chunks use huge pages (Documentation/admin-guide/mm/transhuge.rst, hugetlbpage.rst).</summary>
public enum HugePageMode
{
    /// <summary>Base pages only.</summary>
    None,

    /// <summary>2 MiB-aligned chunks advised with <c>madvise(MADV_HUGEPAGE)</c>: transparent huge pages where the
    /// kernel has them (THP "madvise" or "always" mode); base pages otherwise.</summary>
    Transparent,

    /// <summary>Chunks are files on a hugetlbfs mount (<see cref="NumaArenaOptions.HugeTlbFsPath"/>), backed by
    /// the pre-reserved huge page pools; fails when the node's pool is empty.</summary>
    HugeTlbFs,
}

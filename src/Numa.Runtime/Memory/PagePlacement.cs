// Answers "which node holds each page of this memory?" with move_pages(2) in query mode (nodes = NULL).
using Numa.Native;

namespace Numa.Memory;

/// <summary>
/// Where the kernel put each page of a range: <c>move_pages(2)</c> with <c>nodes = NULL</c> moves nothing and
/// reports, per page, its node id or a negative errno (<c>-ENOENT</c>: never touched; <c>-EFAULT</c>: not mapped).
/// This is how Numa proves placement instead of assuming it.
/// </summary>
public static unsafe class PagePlacement
{
    private const int Batch = 4096;

    /// <summary>The status of each page overlapping <paramref name="memory"/>: a node id (≥ 0) or a negative
    /// errno. Entry i is the page containing byte <c>i * pageSize</c> of the page-aligned-down range.</summary>
    /// <exception cref="NumaNativeException">move_pages failed as a whole (ENOSYS without CONFIG_NUMA).</exception>
    public static int[] Query(ReadOnlySpan<byte> memory)
    {
        fixed (byte* p = memory) return Query(p, (nuint)memory.Length);
    }

    /// <summary>As <see cref="Query(ReadOnlySpan{byte})"/> for <paramref name="length"/> bytes at
    /// <paramref name="address"/>.</summary>
    public static int[] Query(void* address, nuint length)
    {
        if (length == 0) return [];
        nuint page = (nuint)Environment.SystemPageSize;
        nuint first = (nuint)address & ~(page - 1);
        nuint last = ((nuint)address + length - 1) & ~(page - 1);
        int count = checked((int)((last - first) / page + 1));
        var status = new int[count];
        var pages = new nint[Math.Min(count, Batch)];
        for (int done = 0; done < count; done += pages.Length)
        {
            int n = Math.Min(pages.Length, count - done);
            for (int i = 0; i < n; i++) pages[i] = (nint)(first + (nuint)(done + i) * page);
            NumaSyscalls.QueryPages(pages.AsSpan(0, n), status.AsSpan(done, n));
        }
        return status;
    }

    /// <summary>Counts the pages of <paramref name="memory"/> per node.</summary>
    public static PlacementSummary Summarize(ReadOnlySpan<byte> memory) => PlacementSummary.From(Query(memory));

    /// <summary>Counts the pages of the range per node.</summary>
    public static PlacementSummary Summarize(void* address, nuint length) => PlacementSummary.From(Query(address, length));
}

// Answers "which node holds each page of this memory?" with move_pages(2) in query mode (nodes = NULL).
using Numa.Native;

namespace Numa.Memory;

/// <summary>
/// Where the kernel put each page of a range: <c>move_pages(2)</c> with <c>nodes = NULL</c> moves nothing and
/// reports, per page, its node id or a negative errno (<c>-ENOENT</c>: never touched; <c>-EFAULT</c>: not mapped).
/// This is how Numa proves placement instead of assuming it. Where the kernel's move_pages cannot see a resident
/// page (Linux 6.1 under automatic NUMA balancing), its node comes from <c>/proc/self/pagemap</c> and
/// <c>/proc/self/numa_maps</c>.
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
        if (status.AsSpan().ContainsAny(-Errno.ENOENT, -Errno.EFAULT))
        {
            try
            {
                ResolveAbsentPages(first, page, status, ProcNumaMaps.ReadCurrentProcess);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // No procfs (or a kernel that hides it): the kernel's answers stand; nothing was changed yet.
            }
        }
        return status;
    }

    // Automatic NUMA balancing (kernel.numa_balancing=1, the default on multi-node machines) now and then makes
    // resident MPOL_DEFAULT pages PROT_NONE to sample their accesses (memory bound with mbind(2) is not scanned).
    // Linux 6.1, Debian 12's kernel, measured in eng/numa-vm.sh, answers such a page with -ENOENT or -EFAULT, as
    // if it were never touched or not mapped (upstream 6.5, "mm/gup: reintroduce FOLL_NUMA as
    // FOLL_HONOR_NUMA_FAULT", made follow_page, which move_pages uses, see them again); it also answers -EFAULT
    // for an untouched anonymous page. So every -ENOENT/-EFAULT is checked in /proc/self/pagemap, which reads the
    // page tables without faulting or moving anything: a page this mapping owns in RAM gets the node of its
    // mapping from /proc/self/numa_maps when all the mapping's resident pages are on one node (otherwise the
    // kernel's answer stays: an error, never a guess); -EFAULT for a page not in RAM inside a mapping becomes
    // -ENOENT (untouched); -EFAULT outside every mapping stays. Nothing in status changes until both files are read.
    internal static void ResolveAbsentPages(nuint first, nuint page, int[] status, Func<ProcNumaMaps> readNumaMaps)
    {
        List<int>? resident = null, faultedAbsent = null;
        for (int start = 0; start < status.Length; start++)
        {
            if (status[start] is not (-Errno.ENOENT or -Errno.EFAULT)) continue;
            int end = start + 1;
            while (end < status.Length && status[end] is -Errno.ENOENT or -Errno.EFAULT) end++;
            var entries = new ulong[end - start];
            ProcPagemap.Read(first + (nuint)start * page, page, entries);
            for (int i = start; i < end; i++)
            {
                if (ProcPagemap.IsOwnResidentPage(entries[i - start])) (resident ??= []).Add(i);
                else if (status[i] == -Errno.EFAULT && (entries[i - start] & ProcPagemap.Present) == 0) (faultedAbsent ??= []).Add(i);
            }
            start = end - 1;
        }
        if (resident is null && faultedAbsent is null) return;
        var maps = readNumaMaps();
        foreach (int i in resident ?? [])
        {
            if (maps.Find(first + (nuint)i * page) is { OnlyNode: >= 0 } mapping) status[i] = mapping.OnlyNode;
        }
        foreach (int i in faultedAbsent ?? [])
        {
            if (maps.Find(first + (nuint)i * page) is not null) status[i] = -Errno.ENOENT;
        }
    }

    /// <summary>Counts the pages of <paramref name="memory"/> per node.</summary>
    public static PlacementSummary Summarize(ReadOnlySpan<byte> memory) => PlacementSummary.From(Query(memory));

    /// <summary>Counts the pages of the range per node.</summary>
    public static PlacementSummary Summarize(void* address, nuint length) => PlacementSummary.From(Query(address, length));
}

// Which pages of a range are resident and privately owned, from /proc/self/pagemap (the kernel's
// Documentation/admin-guide/mm/pagemap.rst), without faulting anything in. Linux-only, internal.
using Microsoft.Win32.SafeHandles;

namespace Numa.Memory;

/// <summary>One 64-bit pagemap entry per virtual page: bit 63 present in RAM, bit 62 swapped, bit 61 a file
/// page or shared anonymous page, bit 56 mapped exclusively (by one page table entry; Linux 4.2+), bits 0–54
/// the page frame (zero without CAP_SYS_ADMIN, never used here). Readable by the process itself.</summary>
internal static class ProcPagemap
{
    internal const ulong Present = 1UL << 63;
    internal const ulong Exclusive = 1UL << 56;

    /// <summary>Reads the entries of <paramref name="entries"/>.Length pages starting at the page at
    /// <paramref name="firstPage"/> (page-aligned). Unmapped pages read as 0.</summary>
    /// <exception cref="IOException">/proc/self/pagemap cannot be read.</exception>
    internal static void Read(nuint firstPage, nuint pageSize, Span<ulong> entries)
    {
        using SafeFileHandle file = File.OpenHandle("/proc/self/pagemap");
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(entries);
        long offset = checked((long)(firstPage / pageSize) * sizeof(ulong));
        int done = 0;
        while (done < bytes.Length)
        {
            int n = RandomAccess.Read(file, bytes[done..], offset + done);
            if (n <= 0) throw new IOException($"/proc/self/pagemap ended at offset {offset + done} (wanted {bytes.Length} bytes from {offset}).");
            done += n;
        }
    }

    /// <summary>A page in RAM that only this mapping uses: written (or read back from swap) by this process,
    /// not the shared zero page a read of untouched anonymous memory maps.</summary>
    internal static bool IsOwnResidentPage(ulong entry) => (entry & (Present | Exclusive)) == (Present | Exclusive);
}

// Checked wrappers over the kernel's NUMA and affinity calls. No libnuma: the system calls are enough
// (Seastar and the .NET GC do the same). Each failure raises NumaNativeException with the call and errno.
using System.Runtime.InteropServices;
using Numa.Topology;

namespace Numa.Native;

internal static unsafe class NumaSyscalls
{
    /// <summary>Node masks cover this many node ids (the kernel's MAX_NUMNODES is at most 1024).</summary>
    internal const int MaxNodes = 1024;

    /// <summary>mbind(2): sets the memory policy <paramref name="mode"/> (MPOL_*) for the page-aligned range
    /// [<paramref name="address"/>, +<paramref name="length"/>) over <paramref name="nodes"/>.</summary>
    /// <exception cref="NumaNativeException">The kernel refused (EINVAL for a node without memory or outside
    /// Mems_allowed with MPOL_BIND, EFAULT for an unmapped range, EPERM/ENOSYS when NUMA is unavailable).</exception>
    internal static void MBind(void* address, nuint length, int mode, ReadOnlySpan<int> nodes, int flags, string context)
    {
        ulong* mask = stackalloc ulong[MaxNodes / 64];
        nuint maxNode = FillNodeMask(nodes, mask);
        // No nodes (MPOL_LOCAL, MPOL_DEFAULT): a NULL mask; with a mask, maxnode 0 would wrap in the kernel's get_nodes() and give EINVAL.
        nint rc = LibC.syscall(LibC.Sys.MBind, (nint)address, (nint)length, mode, (nint)(nodes.IsEmpty ? null : mask), (nint)maxNode, flags);
        if (rc != 0) throw new NumaNativeException("mbind", Marshal.GetLastPInvokeError(), context);
    }

    /// <summary>set_mempolicy(2) for the calling thread.</summary>
    internal static void SetMemPolicy(int mode, ReadOnlySpan<int> nodes, string context)
    {
        ulong* mask = stackalloc ulong[MaxNodes / 64];
        nuint maxNode = FillNodeMask(nodes, mask);
        nint rc = LibC.syscall(LibC.Sys.SetMemPolicy, mode, (nint)(nodes.IsEmpty ? null : mask), (nint)maxNode, 0, 0, 0);
        if (rc != 0) throw new NumaNativeException("set_mempolicy", Marshal.GetLastPInvokeError(), context);
    }

    /// <summary>get_mempolicy(2) with no arguments: the probe libnuma's numa_available() makes.
    /// Returns 0 when NUMA calls work, else the errno (ENOSYS: no CONFIG_NUMA; EPERM: forbidden).</summary>
    internal static int ProbeMemPolicy()
    {
        nint rc = LibC.syscall(LibC.Sys.GetMemPolicy, 0, 0, 0, 0, 0, 0);
        return rc == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>get_mempolicy(2) for the calling thread: its mode (MPOL_*) and node mask.</summary>
    internal static (int Mode, int[] Nodes) GetThreadMemPolicy()
    {
        int mode;
        ulong* mask = stackalloc ulong[MaxNodes / 64];
        new Span<ulong>(mask, MaxNodes / 64).Clear();
        nint rc = LibC.syscall(LibC.Sys.GetMemPolicy, (nint)(&mode), (nint)mask, MaxNodes + 1, 0, 0, 0);
        if (rc != 0) throw new NumaNativeException("get_mempolicy", Marshal.GetLastPInvokeError(), "reading the thread's memory policy");
        return (mode, [.. CpuSet.FromMask(new ReadOnlySpan<ulong>(mask, MaxNodes / 64))]);
    }

    /// <summary>get_mempolicy(2) with MPOL_F_NODE|MPOL_F_ADDR: the node of the page at
    /// <paramref name="address"/>, faulting it in if it was never touched.</summary>
    internal static int GetNodeOfAddress(void* address)
    {
        int node;
        nint rc = LibC.syscall(LibC.Sys.GetMemPolicy, (nint)(&node), 0, 0, (nint)address, LibC.MPOL_F_NODE | LibC.MPOL_F_ADDR, 0);
        if (rc != 0) throw new NumaNativeException("get_mempolicy", Marshal.GetLastPInvokeError(), "reading the node of an address");
        return node;
    }

    /// <summary>move_pages(2) with nodes = NULL: writes the node of each page to <paramref name="status"/>,
    /// or a negative errno (-ENOENT: never touched, -EFAULT: not mapped).</summary>
    internal static void QueryPages(ReadOnlySpan<nint> pages, Span<int> status)
    {
        if (status.Length < pages.Length) throw new ArgumentException("status must be as long as pages", nameof(status));
        fixed (nint* p = pages)
        fixed (int* s = status)
        {
            nint rc = LibC.syscall(LibC.Sys.MovePages, 0, pages.Length, (nint)p, 0, (nint)s, 0);
            if (rc < 0) throw new NumaNativeException("move_pages", Marshal.GetLastPInvokeError(), $"querying the node of {pages.Length} pages");
        }
    }

    /// <summary>sched_setaffinity(2) for the calling thread (pid 0).</summary>
    /// <exception cref="NumaNativeException">EINVAL: no CPU of the set is allowed (cgroup cpuset, offline).</exception>
    internal static void SetCurrentThreadAffinity(CpuSet cpus)
    {
        ulong[] mask = cpus.ToMask();
        fixed (ulong* m = mask)
        {
            if (LibC.sched_setaffinity(0, (nuint)(mask.Length * sizeof(ulong)), m) != 0)
                throw new NumaNativeException("sched_setaffinity", Marshal.GetLastPInvokeError(), $"pinning the current thread to CPUs {cpus}");
        }
    }

    /// <summary>sched_getaffinity(2) for the calling thread (pid 0); grows the mask until the kernel's fits.</summary>
    internal static CpuSet GetCurrentThreadAffinity() => GetAffinity(0, "the current thread's");

    /// <summary>sched_getaffinity(2) for the process's main thread (its tid is the pid): the CPUs the process was
    /// started on (taskset, cgroup cpuset), whichever thread asks; a pinned worker's own mask is one CPU.</summary>
    internal static CpuSet GetProcessAffinity() => GetAffinity(Environment.ProcessId, "the process's");

    private static CpuSet GetAffinity(int tid, string whose)
    {
        for (int words = 16; words <= 1 << 12; words *= 2)
        {
            ulong[] mask = new ulong[words];
            fixed (ulong* m = mask)
            {
                if (LibC.sched_getaffinity(tid, (nuint)(words * sizeof(ulong)), m) == 0) return CpuSet.FromMask(mask);
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINVAL) throw new NumaNativeException("sched_getaffinity", errno, $"reading {whose} CPU mask");
        }
        throw new NumaNativeException("sched_getaffinity", Errno.EINVAL, "reading the current thread's CPU mask (more than 262144 CPUs?)");
    }

    /// <summary>getcpu(2): the CPU and node the calling thread is running on right now.</summary>
    internal static (int Cpu, int Node) GetCpu()
    {
        uint cpu, node;
        nint rc = LibC.syscall(LibC.Sys.GetCpu, (nint)(&cpu), (nint)(&node), 0, 0, 0, 0);
        if (rc != 0) throw new NumaNativeException("getcpu", Marshal.GetLastPInvokeError(), "reading the current CPU");
        return ((int)cpu, (int)node);
    }

    /// <summary>mmap(2) of an anonymous private (or, with <paramref name="fd"/> ≥ 0, a shared file) mapping.</summary>
    internal static void* Map(nuint length, int fd, string context)
    {
        int flags = fd >= 0 ? LibC.MAP_SHARED : LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS;
        void* p = LibC.mmap(null, length, LibC.PROT_READ | LibC.PROT_WRITE, flags, fd, 0);
        if (p == LibC.MAP_FAILED) throw new NumaNativeException("mmap", Marshal.GetLastPInvokeError(), context);
        return p;
    }

    /// <summary>munmap(2).</summary>
    internal static void Unmap(void* address, nuint length)
    {
        if (LibC.munmap(address, length) != 0)
            throw new NumaNativeException("munmap", Marshal.GetLastPInvokeError(), $"unmapping {length} bytes");
    }

    /// <summary>madvise(2).</summary>
    internal static void Advise(void* address, nuint length, int advice, string context)
    {
        if (LibC.madvise(address, length, advice) != 0)
            throw new NumaNativeException("madvise", Marshal.GetLastPInvokeError(), context);
    }

    // The kernel reads maxnode-1 bits (get_nodes() decrements it: a historical off-by-one that libnuma
    // compensates for by passing size + 1); we do the same.
    private static nuint FillNodeMask(ReadOnlySpan<int> nodes, ulong* mask)
    {
        new Span<ulong>(mask, MaxNodes / 64).Clear();
        if (nodes.IsEmpty) return 0;
        int highest = 0;
        foreach (int node in nodes)
        {
            if ((uint)node >= MaxNodes) throw new ArgumentOutOfRangeException(nameof(nodes), node, $"Node ids must be in [0, {MaxNodes}).");
            mask[node / 64] |= 1UL << (node % 64);
            highest = Math.Max(highest, node);
        }
        int words = highest / 64 + 1;
        return (nuint)(words * 64 + 1);
    }
}

// The raw libc entry points Numa needs, declared once. Everything here is Linux-only and internal;
// NumaSyscalls wraps these with argument checks and errno-carrying exceptions.
using System.Runtime.InteropServices;

namespace Numa.Native;

internal static unsafe partial class LibC
{
    private const string Library = "libc";

    // glibc exports no wrappers for the memory-policy calls (libnuma does), so they go through syscall(2),
    // as the .NET GC does. syscall is variadic; on x86-64 and arm64 Linux, integer arguments passed to a
    // variadic callee use the same registers as a fixed-arity call.
    [LibraryImport(Library, SetLastError = true)]
    internal static partial nint syscall(nint number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int sched_setaffinity(int pid, nuint cpusetsize, ulong* mask);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int sched_getaffinity(int pid, nuint cpusetsize, ulong* mask);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial void* mmap(void* addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int munmap(void* addr, nuint length);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int madvise(void* addr, nuint length, int advice);

    // File durability for the write-ahead log (fdatasync(2), fsync(2) on a directory after creating or removing
    // a segment, open(2) O_DIRECTORY to get that directory's descriptor).
    [LibraryImport(Library, SetLastError = true)]
    internal static partial int fdatasync(int fd);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int fsync(int fd);

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int close(int fd);

    // The WAL's record timestamps: CLOCK_REALTIME_COARSE is read from the vDSO without a system call in a few
    // nanoseconds (clock_gettime(2)); no GC transition for a call this short.
    [LibraryImport(Library)]
    [SuppressGCTransition]
    internal static partial int clock_gettime(int clock, Timespec* time);

    internal const int CLOCK_REALTIME_COARSE = 5;

    internal struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    internal const int O_RDONLY = 0;
    internal const int O_DIRECTORY = 0x10000;   // x86-64; arm64 uses 0x4000
    internal const int O_DIRECTORY_ARM64 = 0x4000;
    internal const int O_CLOEXEC = 0x80000;

    internal const int PROT_READ = 0x1;
    internal const int PROT_WRITE = 0x2;
    internal const int MAP_SHARED = 0x01;
    internal const int MAP_PRIVATE = 0x02;
    internal const int MAP_ANONYMOUS = 0x20;
    internal const int MADV_HUGEPAGE = 14;
    internal static readonly void* MAP_FAILED = (void*)-1;

    // mempolicy(2) flags.
    internal const int MPOL_F_NODE = 1 << 0;
    internal const int MPOL_F_ADDR = 1 << 1;

    /// <summary>System call numbers: x86-64 (arch/x86/entry/syscalls/syscall_64.tbl) and
    /// arm64 (include/uapi/asm-generic/unistd.h).</summary>
    internal static class Sys
    {
        private static readonly bool s_arm64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
        internal static nint MBind => s_arm64 ? 235 : 237;
        internal static nint GetMemPolicy => s_arm64 ? 236 : 239;
        internal static nint SetMemPolicy => s_arm64 ? 237 : 238;
        internal static nint MovePages => s_arm64 ? 239 : 279;
        internal static nint GetCpu => s_arm64 ? 168 : 309;
    }

    internal static bool IsSupportedPlatform =>
        OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;
}

// fsync(2) of a directory, which makes renames and new names in it durable. .NET has no API for it
// (File.OpenHandle refuses directories), so it goes through libc on Linux.
using System.Runtime.InteropServices;

namespace Numa.Storage.Snapshots;

/// <summary>Flushes a directory's entries to disk: <c>open(O_RDONLY | O_DIRECTORY)</c>, <c>fsync</c>, <c>close</c>
/// (fsync(2): "calling fsync() on the file does not necessarily ensure that the entry in the directory containing
/// the file has also reached disk. For that an explicit fsync() on a file descriptor for the directory is also
/// needed"). On other systems it does nothing.</summary>
internal static partial class DirectorySync
{
    private const int O_RDONLY = 0, O_CLOEXEC = 0x80000;

    // O_DIRECTORY is 0200000 on x86-64 and 040000 on arm64 (include/uapi/asm-generic/fcntl.h, arch/arm64/include/uapi/asm/fcntl.h).
    private static readonly int s_directoryFlag = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x4000 : 0x10000;

    /// <exception cref="IOException">open or fsync failed; the message carries errno.</exception>
    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = open(directory, O_RDONLY | s_directoryFlag | O_CLOEXEC);
        if (fd < 0) throw new IOException($"open({directory}, O_DIRECTORY) failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (fsync(fd) != 0) throw new IOException($"fsync({directory}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            _ = close(fd);
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}

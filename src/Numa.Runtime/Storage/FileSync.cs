// fdatasync of a file and fsync of its directory: the two calls that make appended data and a created, renamed or
// removed name durable (the WAL's segments, snapshot files). Linux calls directly (errno in the error); elsewhere
// the BCL's FlushToDisk.
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Numa.Native;

namespace Numa.Storage;

internal static class FileSync
{
    /// <summary>fdatasync(2): the file's data and the metadata needed to read it back (its size) reach the disk.</summary>
    /// <exception cref="NumaNativeException">fdatasync failed (EIO, ENOSPC, EDQUOT …).</exception>
    internal static void DataSync(SafeFileHandle handle, string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (LibC.fdatasync((int)handle.DangerousGetHandle()) != 0)
                throw new NumaNativeException("fdatasync", Marshal.GetLastPInvokeError(), $"syncing {path}");
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    /// <summary>fsync(2) of a directory, so a created, renamed or removed entry survives a crash of the machine.</summary>
    /// <exception cref="NumaNativeException">open or fsync failed.</exception>
    internal static void Directory(string path)
    {
        if (!OperatingSystem.IsLinux()) return;   // other systems: no portable way; the BCL does not expose it
        int flags = LibC.O_RDONLY | LibC.O_CLOEXEC
            | (RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? LibC.O_DIRECTORY_ARM64 : LibC.O_DIRECTORY);
        int fd = LibC.open(path, flags);
        if (fd < 0) throw new NumaNativeException("open", Marshal.GetLastPInvokeError(), $"opening directory {path} to sync it");
        try
        {
            if (LibC.fsync(fd) != 0) throw new NumaNativeException("fsync", Marshal.GetLastPInvokeError(), $"syncing directory {path}");
        }
        finally
        {
            LibC.close(fd);
        }
    }
}

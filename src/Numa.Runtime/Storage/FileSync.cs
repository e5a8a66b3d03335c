// fdatasync of a file and fsync of its directory: the two calls that make appended data and a created, renamed or
// removed name durable (the WAL's segments, snapshot files, the directories that hold them). Linux calls directly (errno in the error); elsewhere
// the BCL's FlushToDisk.
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Numa.Native;

namespace Numa.Storage;

/// <summary>The durability calls storage code needs: fdatasync of a file, fsync of a directory, and an atomic
/// replace of a small file built from both.</summary>
public static class FileSync
{
    /// <summary>fdatasync(2): the file's data and the metadata needed to read it back (its size) reach the disk.</summary>
    /// <exception cref="NumaNativeException">fdatasync failed (EIO, ENOSPC, EDQUOT …).</exception>
    public static void DataSync(SafeFileHandle handle, string path)
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
    public static void Directory(string path)
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

    /// <summary>Creates <paramref name="path"/> and any missing parents (mkdir -p) so that each new entry survives a
    /// crash of the machine: fsync(2) of every new directory's parent, deepest first, up to the first that existed.
    /// Does nothing when the directory exists.</summary>
    /// <exception cref="IOException">A directory could not be created.</exception>
    /// <exception cref="NumaNativeException">A directory fsync failed.</exception>
    public static void CreateDirectory(string path)
    {
        string full = Path.GetFullPath(path);
        if (System.IO.Directory.Exists(full)) return;
        var created = new List<string>();
        for (string? d = full; d is not null && !System.IO.Directory.Exists(d); d = Path.GetDirectoryName(d)) created.Add(d);
        System.IO.Directory.CreateDirectory(full);
        foreach (string d in created)                        // deepest first: a parent's entry is synced after its child's
            if (Path.GetDirectoryName(d) is { } parent) Directory(parent);
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="contents"/> so that a crash leaves the old file or
    /// the new one: writes <c>path.tmp</c>, fdatasync, renames it over <paramref name="path"/>, fsyncs the directory.</summary>
    /// <exception cref="IOException">Writing or renaming failed (the old file stays).</exception>
    /// <exception cref="NumaNativeException">fdatasync or the directory fsync failed (EIO, ENOSPC …).</exception>
    public static void ReplaceFile(string path, ReadOnlySpan<byte> contents)
    {
        string full = Path.GetFullPath(path);
        string temporary = full + ".tmp";
        using (var handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.Write(handle, contents, 0);
            DataSync(handle, temporary);
        }
        File.Move(temporary, full, overwrite: true);
        Directory(Path.GetDirectoryName(full)!);
    }
}

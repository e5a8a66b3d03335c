// errno values Numa interprets (asm-generic/errno-base.h, errno.h) and their symbolic names for messages.
namespace Numa.Native;

/// <summary>Linux errno values that Numa's native calls interpret.</summary>
public static class Errno
{
    /// <summary>Operation not permitted (seccomp, missing CAP_SYS_NICE).</summary>
    public const int EPERM = 1;
    /// <summary>No such entry; from <c>move_pages(2)</c>: the page is not present (never touched).</summary>
    public const int ENOENT = 2;
    /// <summary>No such process.</summary>
    public const int ESRCH = 3;
    /// <summary>Interrupted system call.</summary>
    public const int EINTR = 4;
    /// <summary>I/O error.</summary>
    public const int EIO = 5;
    /// <summary>Bad file descriptor.</summary>
    public const int EBADF = 9;
    /// <summary>Try again.</summary>
    public const int EAGAIN = 11;
    /// <summary>Out of memory.</summary>
    public const int ENOMEM = 12;
    /// <summary>Permission denied.</summary>
    public const int EACCES = 13;
    /// <summary>Bad address.</summary>
    public const int EFAULT = 14;
    /// <summary>Device or resource busy.</summary>
    public const int EBUSY = 16;
    /// <summary>Cross-device link; from <c>move_pages(2)</c>: the target node is not allowed.</summary>
    public const int EXDEV = 18;
    /// <summary>No such device; from <c>move_pages(2)</c>: the target node is not online.</summary>
    public const int ENODEV = 19;
    /// <summary>Invalid argument.</summary>
    public const int EINVAL = 22;
    /// <summary>No space left on device.</summary>
    public const int ENOSPC = 28;
    /// <summary>Function not implemented (a kernel built without CONFIG_NUMA).</summary>
    public const int ENOSYS = 38;

    /// <summary>The symbolic name of <paramref name="errno"/> (<c>EINVAL</c>), or its number when unknown.</summary>
    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        ESRCH => "ESRCH",
        EINTR => "EINTR",
        EIO => "EIO",
        EBADF => "EBADF",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EFAULT => "EFAULT",
        EBUSY => "EBUSY",
        EXDEV => "EXDEV",
        ENODEV => "ENODEV",
        EINVAL => "EINVAL",
        ENOSPC => "ENOSPC",
        ENOSYS => "ENOSYS",
        _ => "errno " + errno.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

// The one exception type for a failed kernel call: it names the call, the errno and what Numa was doing.
using System.Runtime.InteropServices;

namespace Numa.Native;

/// <summary>A Linux system call made by Numa failed. <see cref="Call"/> names it (<c>mbind</c>),
/// <see cref="Errno"/> carries the kernel's errno.</summary>
public sealed class NumaNativeException : Exception
{
    /// <summary>Creates the exception for <paramref name="call"/> failing with <paramref name="errno"/>;
    /// <paramref name="context"/> says what Numa was doing (shown after the errno).</summary>
    public NumaNativeException(string call, int errno, string? context = null)
        : base(FormatMessage(call, errno, context))
    {
        Call = call;
        Errno = errno;
    }

    /// <summary>The failing call, as its man page names it (<c>mbind</c>, <c>sched_setaffinity</c>).</summary>
    public string Call { get; }

    /// <summary>The errno the call returned (see <see cref="Native.Errno"/>).</summary>
    public int Errno { get; }

    /// <summary>True for EPERM and ENOSYS: NUMA calls are forbidden here (seccomp, containers) or the kernel
    /// has no NUMA support. Numa switches to one-node mode on these instead of failing.</summary>
    public bool IsNumaUnavailable => Errno is Native.Errno.EPERM or Native.Errno.ENOSYS;

    private static string FormatMessage(string call, int errno, string? context)
    {
        string text = $"{call} failed: {Native.Errno.Name(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})";
        return context is null ? text : $"{text} while {context}";
    }
}

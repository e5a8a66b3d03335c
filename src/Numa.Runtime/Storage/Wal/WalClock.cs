// The wall clock stamped on every record. DateTime.UtcNow costs 20-30 ns (a precise clock read plus leap-second
// handling), half of an append's budget; the kernel's coarse real-time clock costs a few.
using Numa.Native;

namespace Numa.Storage.Wal;

internal static class WalClock
{
    /// <summary>Nanoseconds since the Unix epoch, UTC, at the resolution of the kernel tick (1-4 ms) on Linux
    /// (CLOCK_REALTIME_COARSE, clock_gettime(2)); DateTime.UtcNow elsewhere.</summary>
    internal static unsafe long NowUnixNanoseconds()
    {
        if (OperatingSystem.IsLinux())
        {
            LibC.Timespec t;
            if (LibC.clock_gettime(LibC.CLOCK_REALTIME_COARSE, &t) == 0) return t.Seconds * 1_000_000_000 + t.Nanoseconds;
        }
        return (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
    }
}

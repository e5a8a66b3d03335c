// Pin the calling thread and ask where it runs: sched_setaffinity(2), sched_getaffinity(2), getcpu(2).
using Numa.Native;
using Numa.Topology;

namespace Numa.Scheduling;

/// <summary>
/// Thread affinity for the <i>calling</i> thread. .NET has no managed thread-affinity API on Linux
/// (dotnet/runtime#21363), and <c>Process.ProcessorAffinity</c> sets the main thread only; CoreCLR also starts
/// every new thread with the main thread's mask. So workers pin themselves, from inside, after they start — and
/// the main thread is never pinned (its mask would leak into every thread the runtime creates later).
/// </summary>
public static class ThreadAffinity
{
    /// <summary>Pins the calling thread to <paramref name="cpus"/> (sched_setaffinity(2), pid 0).</summary>
    /// <exception cref="ArgumentException">The set is empty.</exception>
    /// <exception cref="NumaNativeException">EINVAL: none of the CPUs is allowed (cgroup cpuset, offline CPU).</exception>
    /// <exception cref="PlatformNotSupportedException">Not Linux x86-64 or arm64.</exception>
    public static void PinCurrentThread(CpuSet cpus)
    {
        ArgumentNullException.ThrowIfNull(cpus);
        if (cpus.IsEmpty) throw new ArgumentException("Cannot pin a thread to an empty CPU set.", nameof(cpus));
        EnsureSupported();
        NumaSyscalls.SetCurrentThreadAffinity(cpus);
    }

    /// <summary>The CPUs the calling thread may run on (sched_getaffinity(2), pid 0).</summary>
    public static CpuSet GetCurrentThreadAffinity()
    {
        EnsureSupported();
        return NumaSyscalls.GetCurrentThreadAffinity();
    }

    /// <summary>The CPU and node the calling thread runs on at this instant (getcpu(2)); it may move right after
    /// unless pinned.</summary>
    public static CpuLocation GetCurrentCpu()
    {
        EnsureSupported();
        var (cpu, node) = NumaSyscalls.GetCpu();
        return new CpuLocation(cpu, node);
    }

    private static void EnsureSupported()
    {
        if (!LibC.IsSupportedPlatform)
            throw new PlatformNotSupportedException("Thread pinning needs Linux on x86-64 or arm64.");
    }
}

// [PinnedWorker]: a partial class whose instances run on dedicated threads pinned to CPUs; the generator writes
// their thread body, allocation, inbox polling and ring wiring, and adds them to the assembly's NumaApp.
using Numa.Scheduling;

namespace Numa;

/// <summary>
/// Marks a <c>partial</c> class as a pinned worker. The generated <c>NumaApp</c> creates its instances, plans their
/// CPUs with <see cref="Policy"/>, starts each on a dedicated thread that pins itself (sched_setaffinity(2)), then
/// allocates its <see cref="Placement.Local"/> members in its node arena and runs it: its <c>Run(WorkerContext)</c>
/// method when it has one, otherwise a loop that polls its <see cref="InboxAttribute"/> handlers in batches until
/// every producer has completed. Instance count: <see cref="Count"/>, or <see cref="PerNode"/> per NUMA node with
/// CPUs, or one per allowed CPU (<see cref="PerCpu"/>); one when none is set.
/// </summary>
[global::System.AttributeUsage(global::System.AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
#if BUILDING_SOURCE_GENERATOR
internal
#else
public
#endif
sealed class PinnedWorkerAttribute : global::System.Attribute
{
    /// <summary>How instances are spread over CPUs (default <see cref="PinPolicyKind.Compact"/>).</summary>
    public PinPolicyKind Policy { get; set; } = PinPolicyKind.Compact;

    /// <summary>Instances per NUMA node that has CPUs (0: not set).</summary>
    public int PerNode { get; set; }

    /// <summary>One instance per allowed CPU (of <see cref="Node"/> with <see cref="PinPolicyKind.BindNode"/>, of
    /// <see cref="Cpus"/> with <see cref="PinPolicyKind.Explicit"/>).</summary>
    public bool PerCpu { get; set; }

    /// <summary>A fixed number of instances (0: not set).</summary>
    public int Count { get; set; }

    /// <summary>The node for <see cref="PinPolicyKind.BindNode"/> (-1: not set).</summary>
    public int Node { get; set; } = -1;

    /// <summary>The CPU list for <see cref="PinPolicyKind.Explicit"/>, in cpuset(7) list format ("0-3,8").</summary>
    public string? Cpus { get; set; }
}

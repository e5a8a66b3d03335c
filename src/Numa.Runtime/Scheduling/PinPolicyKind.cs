// The kinds of pinning policy (constants, so attributes can name them).
namespace Numa.Scheduling;

/// <summary>How workers are spread over CPUs; see <see cref="PinPolicy"/>.</summary>
public enum PinPolicyKind
{
    /// <summary>Fill one node, core by core with SMT siblings together, before the next (glommio MaxPack).</summary>
    Compact,

    /// <summary>Round-robin over nodes, distinct physical cores before SMT siblings (glommio MaxSpread, hwloc_distrib).</summary>
    Scatter,

    /// <summary>Only the CPUs of one node, distinct cores first.</summary>
    BindNode,

    /// <summary>An explicit cpuset, in ascending CPU order.</summary>
    Explicit,
}

// The kinds of pinning policy (constants, so attributes can name them). Linked into the generator and analyzers
// (internal there, BUILDING_SOURCE_GENERATOR) with the attributes.
namespace Numa.Scheduling;

/// <summary>How workers are spread over CPUs; see <c>PinPolicy</c>.</summary>
#if BUILDING_SOURCE_GENERATOR
internal
#else
public
#endif
enum PinPolicyKind
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

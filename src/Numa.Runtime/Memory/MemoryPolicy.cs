// The kernel's memory policies (mempolicy modes), with their MPOL_* values.
namespace Numa.Memory;

/// <summary>A memory policy: where the kernel places a range's pages on first touch. Values are the
/// kernel's MPOL_* modes (set_mempolicy(2), mbind(2), include/uapi/linux/mempolicy.h).</summary>
public enum MemoryPolicy
{
    /// <summary>MPOL_DEFAULT: the thread's policy (usually first touch on the touching CPU's node).</summary>
    Default = 0,

    /// <summary>MPOL_PREFERRED: the given node first, other nodes when it is full or has no memory.
    /// Numa's default (as Seastar and the .NET GC): it never fails an allocation.</summary>
    Preferred = 1,

    /// <summary>MPOL_BIND: only the given nodes; an allocation fails (SIGBUS/OOM) rather than spill.</summary>
    Bind = 2,

    /// <summary>MPOL_INTERLEAVE: pages round-robin over the given nodes (shared, read-mostly data).</summary>
    Interleave = 3,

    /// <summary>MPOL_LOCAL: the node of the CPU that touches the page.</summary>
    Local = 4,

    /// <summary>MPOL_PREFERRED_MANY: any of the given nodes first, then others (Linux 5.15+).</summary>
    PreferredMany = 5,
}

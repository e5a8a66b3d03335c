// Categories of Numa's diagnostics (NUMA0xxx usage, NUMA1xxx cross-node access, NUMA2xxx pinning and queues).
namespace Numa.Analyzers;

/// <summary>Diagnostic categories.</summary>
public static class DiagnosticCategories
{
    /// <summary>Attribute and type usage (NUMA0xxx).</summary>
    public const string Usage = "Numa.Usage";

    /// <summary>Cross-node access (NUMA1xxx).</summary>
    public const string Placement = "Numa.Placement";

    /// <summary>Pinned workers and rings (NUMA2xxx).</summary>
    public const string Pinning = "Numa.Pinning";
}

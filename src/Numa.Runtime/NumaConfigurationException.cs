// Raised when a placement or pinning request cannot be satisfied on this machine.
namespace Numa;

/// <summary>A placement or pinning request does not fit this machine (a cpuset outside the allowed CPUs,
/// MPOL_BIND to a node without memory, more workers than CPUs). The message says what to change.</summary>
public sealed class NumaConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NumaConfigurationException(string message) : base(message) { }
}

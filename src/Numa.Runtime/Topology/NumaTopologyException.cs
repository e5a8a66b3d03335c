// Raised when the kernel's topology files cannot be understood.
namespace Numa.Topology;

/// <summary>The topology under a sysfs root could not be read: a file is malformed or inconsistent.
/// The message names the file and its content.</summary>
public sealed class NumaTopologyException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public NumaTopologyException(string path, string problem, Exception? inner = null)
        : base($"Cannot read the NUMA topology: {path}: {problem}", inner) => Path = path;

    /// <summary>The file or directory at fault.</summary>
    public string Path { get; }
}

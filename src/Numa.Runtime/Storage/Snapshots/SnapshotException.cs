// Raised when a snapshot cannot be trusted: its manifest or one of its files is missing, corrupt or inconsistent.
namespace Numa.Storage.Snapshots;

/// <summary>A snapshot's manifest or file is missing, corrupt or inconsistent; the message names the path.</summary>
public sealed class SnapshotException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public SnapshotException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner) => Path = path;

    /// <summary>The manifest or data file at fault.</summary>
    public string Path { get; }
}

// A fresh directory under the system temp folder for one test, deleted afterwards.
namespace Numa.Tests.Storage;

internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"numa-test-{Guid.NewGuid():N}"));

    public string Path { get; }

    public string[] Segments() => [.. Directory.GetFiles(Path, "*.wal").Order(StringComparer.Ordinal)];

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

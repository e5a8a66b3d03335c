// The checkout a test executable was built in: the first folder above its output that holds Numa.sln. For tests that
// read the repository's own files (docs, release tracking, other projects' build outputs).
namespace Numa.Tests;

internal static class RepositoryRoot
{
    /// <summary>The repository's root folder.</summary>
    /// <exception cref="InvalidOperationException">The executable does not run from a build output inside a checkout.</exception>
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Numa.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Numa.sln not found above {AppContext.BaseDirectory}; run the tests from the repository's build output.");
    }
}

// Names of the generator's incremental steps, for the tests that prove unrelated edits hit the cache.
namespace Numa.Generators;

/// <summary>Tracked step names of <see cref="NumaGenerator"/>.</summary>
public static class TrackingNames
{
    /// <summary>[PinnedWorker] classes parsed into <c>WorkerModel</c>s.</summary>
    public const string Workers = nameof(Workers);

    /// <summary>The full names of all workers, sorted: what makes each worker's hint name unique.</summary>
    public const string WorkerNames = nameof(WorkerNames);

    /// <summary>The assembly's root namespace (where NumaApp goes).</summary>
    public const string RootNamespace = nameof(RootNamespace);

    /// <summary>All workers plus the root namespace: the NumaApp model.</summary>
    public const string App = nameof(App);
}

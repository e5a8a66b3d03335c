// Metadata and global:: names of the runtime types the generator reads and writes. The attribute names come from the
// linked attribute sources, so they cannot drift from Numa.Runtime. Numa.Analyzers compiles this file too (WorkerShape uses it).
namespace Numa.Generators;

internal static class KnownTypeNames
{
    public static readonly string PinnedWorkerAttribute = typeof(PinnedWorkerAttribute).FullName!;
    public static readonly string NumaPlacementAttribute = typeof(NumaPlacementAttribute).FullName!;
    public static readonly string InboxAttribute = typeof(InboxAttribute).FullName!;
    public const string WorkerContext = "Numa.Scheduling.WorkerContext";
}

// The type-erased view of a RingConnection<T> that the graph keeps for description, placement checks and disposal.
using Numa.Memory;

namespace Numa.Workers;

internal interface IRingConnection : IDisposable
{
    IEnumerable<RingDescription> Describe();

    IEnumerable<(string Name, IReadOnlyList<int> ExpectedNodes, PlacementSummary Pages)> QueryPlacement();
}

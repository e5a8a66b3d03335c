// The k nearest neighbours of one query, nearest first.
namespace Numa.Flight;

/// <summary>Search hits, best first: <see cref="Ids"/>[i] scored <see cref="Scores"/>[i] (L2 distance, ascending,
/// as Longbow's dense search reports it).</summary>
public sealed record VectorSearchResult(ulong[] Ids, float[] Scores)
{
    /// <summary>Number of hits (≤ k).</summary>
    public int Count => Ids.Length;
}

// One hit of a vector search.
namespace Numa.Vectors;

/// <summary>A search hit: the caller's id of the vector and its distance to the query under the index's
/// <see cref="VectorMetric"/>. Searches return hits ascending by <see cref="Distance"/>.</summary>
/// <param name="Id">The id the vector was added with.</param>
/// <param name="Distance">The distance to the query (squared for <see cref="VectorMetric.L2Squared"/>).</param>
public readonly record struct SearchResult(long Id, float Distance);

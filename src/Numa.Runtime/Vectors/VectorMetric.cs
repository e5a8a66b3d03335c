// The distance functions an index can be built with.
namespace Numa.Vectors;

/// <summary>The distance an index orders vectors by; smaller is nearer for all three.</summary>
/// <remarks>The same definitions as hnswlib's spaces (<c>'l2'</c>, <c>'ip'</c>, <c>'cosine'</c>), so results can be
/// compared with it number for number.</remarks>
public enum VectorMetric
{
    /// <summary>Squared Euclidean distance, Σ (aᵢ − bᵢ)² (no square root, as hnswlib's <c>'l2'</c>).</summary>
    L2Squared = 0,

    /// <summary>Inner-product distance, 1 − ⟨a, b⟩ (hnswlib's <c>'ip'</c>); may be negative.</summary>
    InnerProduct = 1,

    /// <summary>Cosine distance, 1 − ⟨a, b⟩ / (‖a‖‖b‖), in [0, 2]. Vectors are stored normalized to unit length,
    /// so the distance is computed as an inner product (hnswlib's <c>'cosine'</c>).</summary>
    Cosine = 2,
}

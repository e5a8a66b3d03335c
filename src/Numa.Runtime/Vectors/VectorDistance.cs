// Distances between two vectors given as spans, for callers outside the index (exact checks, tools, tests).
using System.Numerics.Tensors;

namespace Numa.Vectors;

/// <summary>The three distances of <see cref="VectorMetric"/> over float32 spans of equal length.</summary>
public static unsafe class VectorDistance
{
    /// <summary>Σ (aᵢ − bᵢ)².</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static float L2Squared(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a, b);
        fixed (float* pa = a, pb = b) return DistanceKernels.L2Squared(pa, pb, a.Length);
    }

    /// <summary>1 − ⟨a, b⟩.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static float InnerProduct(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a, b);
        fixed (float* pa = a, pb = b) return 1f - DistanceKernels.Dot(pa, pb, a.Length);
    }

    /// <summary>1 − cos(a, b) for vectors of any length (<c>TensorPrimitives.CosineSimilarity</c>).</summary>
    /// <exception cref="ArgumentException">The spans differ in length or are empty.</exception>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a, b);
        return 1f - TensorPrimitives.CosineSimilarity(a, b);
    }

    /// <summary>The distance of <paramref name="metric"/>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Unknown metric.</exception>
    public static float Compute(VectorMetric metric, ReadOnlySpan<float> a, ReadOnlySpan<float> b) => metric switch
    {
        VectorMetric.L2Squared => L2Squared(a, b),
        VectorMetric.InnerProduct => InnerProduct(a, b),
        VectorMetric.Cosine => Cosine(a, b),
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown vector metric."),
    };

    private static void CheckLengths(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
            throw new ArgumentException($"The vectors differ in dimension: {a.Length} and {b.Length}.", nameof(b));
    }
}

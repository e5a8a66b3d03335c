// The distance kernels the index's hot loop calls, as generic struct arguments so the JIT specializes and
// inlines the search per metric. Written by hand rather than through TensorPrimitives because TensorPrimitives
// has no squared Euclidean distance (only Distance, with the square root) and the hand-unrolled loop with four
// accumulators is faster at the dimensions served (benchmarks/Numa.Benchmarks/DistanceKernelBenchmarks.cs).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Numa.Vectors;

/// <summary>A distance over two float32 vectors of <c>dim</c> elements at raw addresses.</summary>
internal interface IDistanceKernel
{
    static abstract unsafe float Distance(float* a, float* b, int dim);
}

/// <summary>Σ (aᵢ − bᵢ)².</summary>
internal readonly struct L2SquaredKernel : IDistanceKernel
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float Distance(float* a, float* b, int dim) => DistanceKernels.L2Squared(a, b, dim);
}

/// <summary>1 − ⟨a, b⟩ (inner product; cosine on unit vectors).</summary>
internal readonly struct InnerProductKernel : IDistanceKernel
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float Distance(float* a, float* b, int dim) => 1f - DistanceKernels.Dot(a, b, dim);
}

/// <summary>SIMD loops: Vector512 where the CPU has AVX-512, else Vector256/Vector128, four independent
/// accumulators to hide the FMA latency, a scalar tail.</summary>
internal static unsafe class DistanceKernels
{
    public static float L2Squared(float* a, float* b, int n)
    {
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= n - 64; i += 64)
            {
                var d0 = Vector512.Load(a + i) - Vector512.Load(b + i);
                var d1 = Vector512.Load(a + i + 16) - Vector512.Load(b + i + 16);
                var d2 = Vector512.Load(a + i + 32) - Vector512.Load(b + i + 32);
                var d3 = Vector512.Load(a + i + 48) - Vector512.Load(b + i + 48);
                s0 = Vector512.FusedMultiplyAdd(d0, d0, s0);
                s1 = Vector512.FusedMultiplyAdd(d1, d1, s1);
                s2 = Vector512.FusedMultiplyAdd(d2, d2, s2);
                s3 = Vector512.FusedMultiplyAdd(d3, d3, s3);
            }
            for (; i <= n - 16; i += 16)
            {
                var d = Vector512.Load(a + i) - Vector512.Load(b + i);
                s0 = Vector512.FusedMultiplyAdd(d, d, s0);
            }
            sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= n - 32; i += 32)
            {
                var d0 = Vector256.Load(a + i) - Vector256.Load(b + i);
                var d1 = Vector256.Load(a + i + 8) - Vector256.Load(b + i + 8);
                var d2 = Vector256.Load(a + i + 16) - Vector256.Load(b + i + 16);
                var d3 = Vector256.Load(a + i + 24) - Vector256.Load(b + i + 24);
                s0 = Vector256.FusedMultiplyAdd(d0, d0, s0);
                s1 = Vector256.FusedMultiplyAdd(d1, d1, s1);
                s2 = Vector256.FusedMultiplyAdd(d2, d2, s2);
                s3 = Vector256.FusedMultiplyAdd(d3, d3, s3);
            }
            for (; i <= n - 8; i += 8)
            {
                var d = Vector256.Load(a + i) - Vector256.Load(b + i);
                s0 = Vector256.FusedMultiplyAdd(d, d, s0);
            }
            sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            Vector128<float> s0 = default, s1 = default;
            for (; i <= n - 8; i += 8)
            {
                var d0 = Vector128.Load(a + i) - Vector128.Load(b + i);
                var d1 = Vector128.Load(a + i + 4) - Vector128.Load(b + i + 4);
                s0 += d0 * d0;
                s1 += d1 * d1;
            }
            for (; i <= n - 4; i += 4)
            {
                var d = Vector128.Load(a + i) - Vector128.Load(b + i);
                s0 += d * d;
            }
            sum = Vector128.Sum(s0 + s1);
        }
        for (; i < n; i++)
        {
            float d = a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }

    public static float Dot(float* a, float* b, int n)
    {
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= n - 64; i += 64)
            {
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), Vector512.Load(b + i), s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i + 16), Vector512.Load(b + i + 16), s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i + 32), Vector512.Load(b + i + 32), s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i + 48), Vector512.Load(b + i + 48), s3);
            }
            for (; i <= n - 16; i += 16)
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), Vector512.Load(b + i), s0);
            sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= n - 32; i += 32)
            {
                s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i + 8), Vector256.Load(b + i + 8), s1);
                s2 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i + 16), Vector256.Load(b + i + 16), s2);
                s3 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i + 24), Vector256.Load(b + i + 24), s3);
            }
            for (; i <= n - 8; i += 8)
                s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), s0);
            sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            Vector128<float> s0 = default, s1 = default;
            for (; i <= n - 8; i += 8)
            {
                s0 += Vector128.Load(a + i) * Vector128.Load(b + i);
                s1 += Vector128.Load(a + i + 4) * Vector128.Load(b + i + 4);
            }
            for (; i <= n - 4; i += 4) s0 += Vector128.Load(a + i) * Vector128.Load(b + i);
            sum = Vector128.Sum(s0 + s1);
        }
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }
}

// The index's distance kernels against System.Numerics.Tensors.TensorPrimitives, the peer the issue names, at the
// dimensions served (128: SIFT, 784: Fashion-MNIST, 1536: text embeddings). TensorPrimitives has no squared
// Euclidean distance, so its L2² is Distance(a, b)², one square root more; its dot product is Dot(a, b).
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Numa.Vectors;

namespace Numa.Benchmarks;

public class DistanceKernelBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];

    [Params(128, 784, 1536)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _a = new float[Dimension];
        _b = new float[Dimension];
        for (int i = 0; i < Dimension; i++) { _a[i] = random.NextSingle() * 255; _b[i] = random.NextSingle() * 255; }
    }

    [Benchmark]
    public float Numa_L2Squared() => VectorDistance.L2Squared(_a, _b);

    [Benchmark(Baseline = true)]
    public float TensorPrimitives_Distance_squared()
    {
        float d = TensorPrimitives.Distance(_a, _b);
        return d * d;
    }

    [Benchmark]
    public float Numa_InnerProduct() => VectorDistance.InnerProduct(_a, _b);

    [Benchmark]
    public float TensorPrimitives_Dot() => 1f - TensorPrimitives.Dot(_a, _b);
}

// The real data of the recall tests: the first train vectors and test queries of Fashion-MNIST, from the Debian
// package dataset-fashion-mnist (eng/install-test-deps.sh installs it), read once per test run.
using Numa.Vectors;

namespace Numa.Tests.Vectors;

internal static class FashionMnist
{
    public const int TrainCount = 5000;
    public const int QueryCount = 200;

    /// <summary>Where the dataset is: $NUMA_FASHION_MNIST, else the Debian package's folder.</summary>
    public static string Folder =>
        Environment.GetEnvironmentVariable("NUMA_FASHION_MNIST") is { Length: > 0 } folder ? folder : "/usr/share/datasets/fashion-mnist";

    private static readonly Lazy<(float[] Train, float[] Queries, int Dimension)?> s_data = new(Load);

    /// <summary>The subset, or a skip (with the reason) when the dataset is not installed.</summary>
    public static (float[] Train, float[] Queries, int Dimension) Require()
    {
        Assert.SkipUnless(s_data.Value is not null,
            $"Fashion-MNIST is not at {Folder} (apt-get install dataset-fashion-mnist, or set NUMA_FASHION_MNIST)");
        return s_data.Value!.Value;
    }

    private static (float[], float[], int)? Load()
    {
        string train = Path.Combine(Folder, "train-images-idx3-ubyte.gz");
        string test = Path.Combine(Folder, "t10k-images-idx3-ubyte.gz");
        if (!File.Exists(train) || !File.Exists(test)) return null;
        var (vectors, _, dimension) = IdxFile.ReadImages(train, TrainCount);
        var (queries, _, _) = IdxFile.ReadImages(test, QueryCount);
        return (vectors, queries, dimension);
    }
}

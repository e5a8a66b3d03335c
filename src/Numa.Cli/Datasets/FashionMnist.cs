// Where Debian's dataset-fashion-mnist package puts Fashion-MNIST, for `--fashion-mnist` of `numa load` and
// `numa bench` (the same folder `numa bench-index` reads).
namespace Numa.Cli.Datasets;

/// <summary>The train (60,000) and test (10,000) images of Fashion-MNIST, 28×28 = 784-d, gzip IDX3.</summary>
internal static class FashionMnist
{
    /// <summary>$NUMA_FASHION_MNIST when set, else /usr/share/datasets/fashion-mnist.</summary>
    public static string Folder =>
        Environment.GetEnvironmentVariable("NUMA_FASHION_MNIST") is { Length: > 0 } folder ? folder : "/usr/share/datasets/fashion-mnist";

    /// <summary>The 60,000 train images: what `numa load --fashion-mnist` sends.</summary>
    /// <exception cref="FileNotFoundException">The file is missing (the message says how to install it).</exception>
    public static string Train => Require("train-images-idx3-ubyte.gz");

    /// <summary>The 10,000 test images: the queries of `numa bench --fashion-mnist`.</summary>
    /// <exception cref="FileNotFoundException">The file is missing (the message says how to install it).</exception>
    public static string Test => Require("t10k-images-idx3-ubyte.gz");

    private static string Require(string name)
    {
        string path = Path.Combine(Folder, name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: apt-get install dataset-fashion-mnist (or set NUMA_FASHION_MNIST to its folder).", path);
    }
}

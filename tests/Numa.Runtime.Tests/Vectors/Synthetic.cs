// Seeded synthetic vectors for the tests that need no dataset: Gaussian clusters around random centres.
namespace Numa.Tests.Vectors;

internal static class Synthetic
{
    public static float[] Clusters(int count, int dimension, int clusters, int seed)
    {
        var random = new Random(seed);
        var centres = new float[clusters * dimension];
        for (int i = 0; i < centres.Length; i++) centres[i] = (float)(random.NextDouble() * 20 - 10);
        var data = new float[count * dimension];
        for (int i = 0; i < count; i++)
        {
            int c = random.Next(clusters);
            for (int j = 0; j < dimension; j++)
                data[i * dimension + j] = centres[c * dimension + j] + (float)Gaussian(random);
        }
        return data;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

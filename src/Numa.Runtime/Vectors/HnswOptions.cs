// The parameters of an HNSW index (Malkov & Yashunin 2018, §4 "Algorithm description" and §4.1 on their choice).
namespace Numa.Vectors;

/// <summary>Parameters of an <see cref="HnswIndex"/>. Defaults are hnswlib's (M = 16, efConstruction = 200,
/// random_seed = 100), except <see cref="EfSearch"/>, which is Longbow's 50 (hnswlib's 10 gives low recall).</summary>
public sealed record HnswOptions
{
    /// <summary>The largest <see cref="M"/> accepted.</summary>
    public const int MaxM = 1024;

    /// <summary>Elements per vector, 1 to <see cref="VectorStore.MaxDimension"/>.</summary>
    public required int Dimension { get; init; }

    /// <summary>The distance. Default <see cref="VectorMetric.L2Squared"/>.</summary>
    public VectorMetric Metric { get; init; } = VectorMetric.L2Squared;

    /// <summary>Links per node on the layers above 0 (the paper's M, M_max); layer 0 allows M_max0 = 2·M (§4.1).
    /// 2 to <see cref="MaxM"/>; default 16.</summary>
    public int M { get; init; } = 16;

    /// <summary>Size of the dynamic candidate list while inserting (efConstruction, Algorithm 1); raised to
    /// <see cref="M"/> when smaller, as hnswlib does. Default 200.</summary>
    public int EfConstruction { get; init; } = 200;

    /// <summary>Size of the dynamic candidate list of a search when the caller gives none (ef, Algorithm 5);
    /// a search uses max(EfSearch, k). Default 50.</summary>
    public int EfSearch { get; init; } = 50;

    /// <summary>Seed of the level generator; with one inserting thread the same seed and input give the same graph.
    /// Default 100.</summary>
    public ulong Seed { get; init; } = 100;

    /// <summary>Algorithm 4's keepPrunedConnections: fill a node's list up to M with candidates the heuristic
    /// discarded. Default false (hnswlib's behaviour).</summary>
    public bool KeepPrunedConnections { get; init; }

    /// <summary>Throws for out-of-range values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range (named in the message).</exception>
    public void Validate()
    {
        VectorStore.CheckDimension(Dimension);
        if (!Enum.IsDefined(Metric)) throw new ArgumentOutOfRangeException(nameof(Metric), Metric, "Unknown vector metric.");
        if (M is < 2 or > MaxM) throw new ArgumentOutOfRangeException(nameof(M), M, $"M must be between 2 and {MaxM}.");
        if (EfConstruction < 1) throw new ArgumentOutOfRangeException(nameof(EfConstruction), EfConstruction, "efConstruction must be positive.");
        if (EfSearch < 1) throw new ArgumentOutOfRangeException(nameof(EfSearch), EfSearch, "efSearch must be positive.");
    }
}

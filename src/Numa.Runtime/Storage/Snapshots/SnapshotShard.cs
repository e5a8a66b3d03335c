// Names one shard of one collection in a snapshot, with its vector dimension.
namespace Numa.Storage.Snapshots;

/// <summary>One shard of one collection: the unit a snapshot writes as one Parquet file.</summary>
/// <param name="Collection">Collection name: 1-200 characters of <c>[A-Za-z0-9_.-]</c>, not starting with '.'
/// (it becomes part of a file name).</param>
/// <param name="Shard">Shard number, ≥ 0.</param>
/// <param name="Dimension">Floats per vector, ≥ 1.</param>
public readonly record struct SnapshotShard(string Collection, int Shard, int Dimension)
{
    /// <summary>Throws <see cref="ArgumentException"/> when a field is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(Collection) || Collection.Length > 200 || Collection[0] == '.')
            throw new ArgumentException($"collection name '{Collection}' must be 1-200 characters and not start with '.'");
        foreach (char c in Collection)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
                throw new ArgumentException($"collection name '{Collection}' may hold only letters, digits, '_', '-' and '.'");
        }
        if (Shard < 0) throw new ArgumentException($"shard {Shard} of '{Collection}' is negative");
        if (Dimension < 1) throw new ArgumentException($"dimension {Dimension} of '{Collection}' shard {Shard} is below 1");
    }
}

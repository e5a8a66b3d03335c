// The server's catalog: every collection and its dimension, in <data>/collections.json, rewritten atomically
// (temporary file, fsync, rename, directory fsync) on each change. The rows themselves live in the shards.
using System.Text.Json;
using Numa.Storage;

namespace Numa.VectorServer;

/// <summary>Collections by name → dimension (0 until the first put fixes it), and the shard count the data was
/// written with (rows are placed by a hash of the id modulo that count, so it cannot change under existing data).
/// Thread-safe.</summary>
internal sealed class Catalog
{
    public const string FileName = "collections.json";

    private readonly string _path;
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, int> _collections;

    private Catalog(string path, int shards, SortedDictionary<string, int> collections)
    {
        _path = path;
        Shards = shards;
        _collections = collections;
    }

    public int Shards { get; }

    /// <summary>Opens or creates the catalog of <paramref name="directory"/> for <paramref name="shards"/> shards.</summary>
    /// <exception cref="VectorServerConfigurationException">The data was written with another shard count, or the file is corrupt.</exception>
    public static Catalog Open(string directory, int shards)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            var created = new Catalog(path, shards, new SortedDictionary<string, int>(StringComparer.Ordinal));
            created.Save();
            return created;
        }
        CatalogFile? file;
        try
        {
            file = JsonSerializer.Deserialize<CatalogFile>(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new VectorServerConfigurationException($"{path} is not a valid catalog ({e.Message}). Restore it from a backup; the shards' data is untouched.");
        }
        if (file is null || file.Shards < 1) throw new VectorServerConfigurationException($"{path} is not a valid catalog (no shard count).");
        if (file.Shards != shards)
            throw new VectorServerConfigurationException(
                $"The data in {directory} was written by {file.Shards} shard(s); this start plans {shards}. Start with --shards {file.Shards}, " +
                "or use another --data directory (rows are placed by hash of id modulo the shard count).");
        return new Catalog(path, shards, new SortedDictionary<string, int>(file.Collections, StringComparer.Ordinal));
    }

    public IReadOnlyDictionary<string, int> Snapshot()
    {
        lock (_lock) return new Dictionary<string, int>(_collections, StringComparer.Ordinal);
    }

    public bool TryGet(string name, out int dimension)
    {
        lock (_lock) return _collections.TryGetValue(name, out dimension);
    }

    /// <summary>Adds (or, with <paramref name="overwrite"/>, resets) a collection; false when it exists and no overwrite.</summary>
    public bool Add(string name, int dimension, bool overwrite)
    {
        lock (_lock)
        {
            if (_collections.ContainsKey(name) && !overwrite) return false;
            _collections[name] = dimension;
            Save();
            return true;
        }
    }

    /// <summary>Fixes the dimension of a collection on its first put; returns the dimension it has.</summary>
    public int Adopt(string name, int dimension)
    {
        lock (_lock)
        {
            int current = _collections.GetValueOrDefault(name);
            if (current != 0) return current;
            _collections[name] = dimension;
            Save();
            return dimension;
        }
    }

    public bool Remove(string name)
    {
        lock (_lock)
        {
            if (!_collections.Remove(name)) return false;
            Save();
            return true;
        }
    }

    private void Save() =>
        FileSync.ReplaceFile(_path, JsonSerializer.SerializeToUtf8Bytes(new CatalogFile { Shards = Shards, Collections = new(_collections) }));

    private sealed class CatalogFile
    {
        public int Shards { get; set; }
        public Dictionary<string, int> Collections { get; set; } = [];
    }
}

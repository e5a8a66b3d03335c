// The server's catalog: every collection and its dimension, in <data>/collections.json, rewritten atomically
// (temporary file, fsync, rename, directory fsync) on each change. The rows themselves live in the shards.
using System.Text.Json;
using Numa.Flight;
using Numa.Storage;

namespace Numa.VectorServer;

/// <summary>A collection in the catalog: its dimension (0 until the first put fixes it) and the generation this
/// incarnation of the name was created with (in memory only: a drop and a re-create of the same name get a new one,
/// so a put that was in flight across them cannot land in the new collection).</summary>
internal readonly record struct CatalogEntry(int Dimension, long Generation);

/// <summary>Collections by name, and the shard count the data was written with (rows are placed by a hash of the id
/// modulo that count, so it cannot change under existing data). Thread-safe. A change is written to disk before it
/// is visible: a failed write changes nothing.</summary>
internal sealed class Catalog
{
    public const string FileName = "collections.json";

    private readonly string _path;
    private readonly Lock _lock = new();
    private SortedDictionary<string, CatalogEntry> _collections;
    private long _lastGeneration;

    private Catalog(string path, int shards, IEnumerable<KeyValuePair<string, int>> collections)
    {
        _path = path;
        Shards = shards;
        _collections = new SortedDictionary<string, CatalogEntry>(StringComparer.Ordinal);
        foreach (var (name, dimension) in collections) _collections[name] = new CatalogEntry(dimension, ++_lastGeneration);
    }

    public int Shards { get; }

    /// <summary>Opens or creates the catalog of <paramref name="directory"/> for <paramref name="shards"/> shards.</summary>
    /// <exception cref="VectorServerConfigurationException">The data was written with another shard count, the file is
    /// corrupt, or shard data exists without a catalog.</exception>
    /// <exception cref="IOException">The directory cannot be read or the new catalog written.</exception>
    public static Catalog Open(string directory, int shards)
    {
        FileSync.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            // Without the catalog the shards' collections would be discarded as dropped: refuse rather than lose them.
            if (Directory.EnumerateDirectories(directory, "shard-*").FirstOrDefault() is { } orphan)
                throw new VectorServerConfigurationException(
                    $"{directory} holds shard data ({Path.GetFileName(orphan)}) but no {FileName}: the catalog was lost. " +
                    $"Restore {path} from a backup, or move the shard-* directories away to start empty.");
            var created = new Catalog(path, shards, []);
            created.Write(created._collections);
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
        return new Catalog(path, shards, file.Collections);
    }

    /// <summary>Name → dimension of every collection.</summary>
    public IReadOnlyDictionary<string, int> Snapshot()
    {
        lock (_lock) return _collections.ToDictionary(p => p.Key, p => p.Value.Dimension, StringComparer.Ordinal);
    }

    public bool TryGet(string name, out int dimension)
    {
        bool found = TryGetEntry(name, out var entry);
        dimension = entry.Dimension;
        return found;
    }

    public bool TryGetEntry(string name, out CatalogEntry entry)
    {
        lock (_lock) return _collections.TryGetValue(name, out entry);
    }

    /// <summary>True while <paramref name="name"/> is the incarnation created with <paramref name="generation"/>.</summary>
    public bool IsCurrent(string name, long generation)
    {
        lock (_lock) return _collections.TryGetValue(name, out var entry) && entry.Generation == generation;
    }

    /// <summary>Adds a collection; false when the name exists.</summary>
    /// <exception cref="VectorBackendException">Unavailable: the catalog could not be written.</exception>
    public bool TryAdd(string name, int dimension)
    {
        lock (_lock)
        {
            if (_collections.ContainsKey(name)) return false;
            Commit(new(_collections) { [name] = new CatalogEntry(dimension, _lastGeneration + 1) });
            _lastGeneration++;
            return true;
        }
    }

    /// <summary>Fixes the dimension of a collection on its first put; returns its entry after that (null: it is
    /// gone), whose dimension may differ from <paramref name="dimension"/> when an earlier put fixed it.</summary>
    /// <exception cref="VectorBackendException">Unavailable: the catalog could not be written.</exception>
    public CatalogEntry? Adopt(string name, int dimension)
    {
        lock (_lock)
        {
            if (!_collections.TryGetValue(name, out var entry)) return null;
            if (entry.Dimension != 0) return entry;
            var adopted = entry with { Dimension = dimension };
            Commit(new(_collections) { [name] = adopted });
            return adopted;
        }
    }

    /// <summary>Removes a collection; returns the generation it had, or null when it did not exist.</summary>
    /// <exception cref="VectorBackendException">Unavailable: the catalog could not be written.</exception>
    public long? Remove(string name)
    {
        lock (_lock)
        {
            if (!_collections.TryGetValue(name, out var entry)) return null;
            var next = new SortedDictionary<string, CatalogEntry>(_collections, StringComparer.Ordinal);
            next.Remove(name);
            Commit(next);
            return entry.Generation;
        }
    }

    // Under the lock: the file first, then memory.
    private void Commit(SortedDictionary<string, CatalogEntry> next)
    {
        try
        {
            Write(next);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Native.NumaNativeException)
        {
            throw new VectorBackendException(VectorBackendError.Unavailable,
                $"The catalog {_path} could not be written ({e.Message}); nothing was changed. Free disk space or fix permissions, then retry.");
        }
        _collections = next;
    }

    private void Write(SortedDictionary<string, CatalogEntry> collections) =>
        FileSync.ReplaceFile(_path, JsonSerializer.SerializeToUtf8Bytes(new CatalogFile
        {
            Shards = Shards,
            Collections = collections.ToDictionary(p => p.Key, p => p.Value.Dimension),
        }));

    private sealed class CatalogFile
    {
        public int Shards { get; set; }
        public Dictionary<string, int> Collections { get; set; } = [];
    }
}

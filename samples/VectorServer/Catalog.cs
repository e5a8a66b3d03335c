// The server's catalog: every collection and its dimension, and the names still being dropped, in
// <data>/collections.json, rewritten atomically (temporary file, fsync, rename, directory fsync) on each change. The
// rows themselves live in the shards.
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
/// is visible: a failed write changes nothing.
/// <para>A drop is durable here before any shard has dropped a row: <see cref="Remove"/> writes the name as
/// <em>dropping</em> (a tombstone), and only <see cref="DropCompleted"/>, once every shard's drop is durable in its WAL,
/// clears it. Until then the name cannot be created again, so rows of the old incarnation can never be taken for the
/// new one's; a shard that recovers rows of a dropping name (<see cref="IsDropping"/>) discards them, and rows of a
/// name the catalog does not know at all stop the start instead of being deleted.</para></summary>
internal sealed class Catalog
{
    public const string FileName = "collections.json";

    private readonly string _path;
    private readonly Lock _lock = new();
    private SortedDictionary<string, CatalogEntry> _collections;
    // Dropping names → whether every shard's drop is durable (true: the tombstone goes with the next write).
    private SortedDictionary<string, bool> _dropping;
    private long _lastGeneration;

    private Catalog(string path, int shards, IEnumerable<KeyValuePair<string, int>> collections, IEnumerable<string> dropping)
    {
        _path = path;
        Shards = shards;
        _collections = new SortedDictionary<string, CatalogEntry>(StringComparer.Ordinal);
        foreach (var (name, dimension) in collections) _collections[name] = new CatalogEntry(dimension, ++_lastGeneration);
        _dropping = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        foreach (string name in dropping) _dropping[name] = false;
    }

    public int Shards { get; }

    /// <summary>The catalog file's full path (for messages).</summary>
    public string FilePath => _path;

    /// <summary>Opens or creates the catalog of <paramref name="directory"/> for <paramref name="shards"/> shards.</summary>
    /// <exception cref="VectorServerConfigurationException">The data was written with another shard count, the file is
    /// corrupt or holds a bad entry, shard data exists without a catalog, or a shard's WAL directory is missing while
    /// the catalog names collections.</exception>
    /// <exception cref="IOException">The directory cannot be read or the new catalog written.</exception>
    public static Catalog Open(string directory, int shards)
    {
        FileSync.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            // Without the catalog the shards' collections are unaccounted for: refuse to start over them.
            if (Directory.EnumerateDirectories(directory, "shard-*").FirstOrDefault() is { } orphan)
                throw new VectorServerConfigurationException(
                    $"{directory} holds shard data ({Path.GetFileName(orphan)}) but no {FileName}: the catalog was lost. " +
                    $"Restore {path} from a backup, or move the shard-* directories away to start empty.");
            var created = new Catalog(path, shards, [], []);
            created.Write(created._collections, created._dropping);
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
        CheckEntries(path, file);
        if (file.Collections!.Count + file.Dropping!.Count > 0)
        {
            // Every shard has written its WAL directory before any collection existed: one missing means lost data,
            // and starting would serve (and, at the next snapshot, keep) the other shards' rows only.
            for (int i = 0; i < shards; i++)
            {
                string wal = Path.Combine(directory, $"shard-{i}", "wal");
                if (!Directory.Exists(wal))
                    throw new VectorServerConfigurationException(
                        $"{wal} is missing, but {path} names {file.Collections.Count} collection(s) and {file.Dropping.Count} being dropped: shard {i}'s data was lost or moved. " +
                        "Restore the shard directory from a backup (or move it back), or use another --data directory to start empty.");
            }
        }
        return new Catalog(path, shards, file.Collections, file.Dropping);
    }

    private static void CheckEntries(string path, CatalogFile file)
    {
        if (file.Collections is null || file.Dropping is null)
            throw new VectorServerConfigurationException($"{path} is not a valid catalog ({(file.Collections is null ? "Collections" : "Dropping")} is null). Restore it from a backup.");
        foreach (var (name, dimension) in file.Collections)
        {
            CheckStoredName(path, name);
            if (dimension < 0 || dimension > LongbowSchema.MaxDimension)
                throw new VectorServerConfigurationException(
                    $"{path}: collection '{name}' has dimension {dimension}; a dimension is 0 (not yet fixed) to {LongbowSchema.MaxDimension}. Restore the catalog from a backup.");
        }
        foreach (string name in file.Dropping)
        {
            CheckStoredName(path, name);
            if (file.Collections.ContainsKey(name))
                throw new VectorServerConfigurationException($"{path}: '{name}' is both a collection and being dropped. Restore the catalog from a backup.");
        }
    }

    private static void CheckStoredName(string path, string name)
    {
        try
        {
            ShardedBackend.CheckName(name);
        }
        catch (VectorBackendException e)
        {
            throw new VectorServerConfigurationException($"{path} is not a valid catalog: {e.Message}");
        }
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
    /// <exception cref="VectorBackendException">Unavailable: the catalog could not be written, or a drop of the name has
    /// not reached every shard yet (retry once the delete completed).</exception>
    public bool TryAdd(string name, int dimension)
    {
        lock (_lock)
        {
            if (_collections.ContainsKey(name)) return false;
            if (_dropping.TryGetValue(name, out bool dropped) && !dropped)
                throw new VectorBackendException(VectorBackendError.Unavailable,
                    $"Collection '{name}' is still being deleted on its shards; retry once the delete has completed " +
                    "(if a shard failed the drop, the name stays reserved until the server is restarted).");
            // A completed drop's tombstone (not yet on disk) leaves with this write, as Commit leaves out every one.
            Commit(new(_collections) { [name] = new CatalogEntry(dimension, _lastGeneration + 1) }, _dropping);
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
            Commit(new(_collections) { [name] = adopted }, _dropping);
            return adopted;
        }
    }

    /// <summary>Removes a collection and marks its name as dropping (durably, in one write); returns the generation
    /// it had, or null when it did not exist. Call <see cref="DropCompleted"/> once every shard's drop is durable.</summary>
    /// <exception cref="VectorBackendException">Unavailable: the catalog could not be written.</exception>
    public long? Remove(string name)
    {
        lock (_lock)
        {
            if (!_collections.TryGetValue(name, out var entry)) return null;
            var next = new SortedDictionary<string, CatalogEntry>(_collections, StringComparer.Ordinal);
            next.Remove(name);
            Commit(next, new SortedDictionary<string, bool>(_dropping, StringComparer.Ordinal) { [name] = false });
            return entry.Generation;
        }
    }

    /// <summary>True while rows of <paramref name="name"/> are being dropped: a shard that recovers them discards them.</summary>
    public bool IsDropping(string name)
    {
        lock (_lock) return _dropping.ContainsKey(name);
    }

    /// <summary>Every shard has durably dropped <paramref name="names"/> (after a delete, or after recovery discarded
    /// them): the name may be created again. The tombstones are written now if the disk allows, else with the next
    /// change; a start after a crash in between only drops nothing again.</summary>
    public void DropCompleted(IEnumerable<string> names)
    {
        lock (_lock)
        {
            var next = new SortedDictionary<string, bool>(_dropping, StringComparer.Ordinal);
            bool changed = false;
            foreach (string name in names)
                if (next.TryGetValue(name, out bool done) && !done) (next[name], changed) = (true, true);
            if (!changed) return;
            try
            {
                Commit(_collections, next);
            }
            catch (VectorBackendException)
            {
                _dropping = next;            // not on disk yet: the next successful write leaves the tombstones out
            }
        }
    }

    /// <summary>Every name still marked as dropping.</summary>
    public IReadOnlyList<string> Dropping()
    {
        lock (_lock) return [.. _dropping.Keys];
    }

    // Under the lock: the file first, then memory.
    private void Commit(SortedDictionary<string, CatalogEntry> collections, SortedDictionary<string, bool> dropping)
    {
        try
        {
            Write(collections, dropping);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Native.NumaNativeException)
        {
            throw new VectorBackendException(VectorBackendError.Unavailable,
                $"The catalog {_path} could not be written ({e.Message}); nothing was changed. Free disk space or fix permissions, then retry.");
        }
        _collections = collections;
        _dropping = new SortedDictionary<string, bool>(dropping.Where(p => !p.Value).ToDictionary(), StringComparer.Ordinal);
    }

    private void Write(SortedDictionary<string, CatalogEntry> collections, SortedDictionary<string, bool> dropping) =>
        FileSync.ReplaceFile(_path, JsonSerializer.SerializeToUtf8Bytes(new CatalogFile
        {
            Shards = Shards,
            Collections = collections.ToDictionary(p => p.Key, p => p.Value.Dimension),
            Dropping = [.. dropping.Where(p => !p.Value).Select(p => p.Key)],
        }));

    private sealed class CatalogFile
    {
        public int Shards { get; set; }
        public Dictionary<string, int>? Collections { get; set; } = [];

        /// <summary>Names whose rows some shard may still hold from before a delete (absent in catalogs of older
        /// servers: none).</summary>
        public List<string>? Dropping { get; set; } = [];
    }
}

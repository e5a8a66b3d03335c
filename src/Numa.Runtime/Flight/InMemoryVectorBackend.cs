// A small, exact vector store in memory: the record batches as received (no copy), brute-force L2 search, tombstones
// for deletes. It serves the Flight tests and the interop suite until the HNSW/WAL store implements IVectorBackend.
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using Numa.Arrow;

namespace Numa.Flight;

/// <summary>
/// An <see cref="IVectorBackend"/> in process memory: each collection keeps its record batches as they arrived (the
/// arrays view the received FlightData bodies), an id → row map (a later put of the same id replaces the row), and
/// per-batch tombstones. Search is exact: L2 distance (<see cref="TensorPrimitives.Distance(ReadOnlySpan{float}, ReadOnlySpan{float})"/>)
/// to every live row, the k smallest kept in a heap. Nothing is persisted; <see cref="SnapshotAsync"/> returns at once.
/// </summary>
public sealed class InMemoryVectorBackend : IVectorBackend
{
    private readonly Lock _lock = new();                                         // guards _collections
    private readonly SortedDictionary<string, Collection> _collections = new(StringComparer.Ordinal);

    /// <summary>When a collection holds more live rows than this after an append, the append answers
    /// <see cref="IngestResult.SlowDown"/> with reason <c>memory_pressure</c>. Default: never.</summary>
    public long SlowDownAboveRows { get; init; } = long.MaxValue;

    /// <inheritdoc/>
    public IReadOnlyList<VectorCollectionInfo> ListCollections()
    {
        Collection[] all;
        lock (_lock) all = [.. _collections.Values];
        var infos = new VectorCollectionInfo[all.Length];
        for (int i = 0; i < all.Length; i++) infos[i] = all[i].Info();
        return infos;
    }

    /// <inheritdoc/>
    public VectorCollectionInfo GetCollection(string name) => Find(name).Info();

    /// <inheritdoc/>
    public void CreateCollection(string name, bool overwrite)
    {
        CheckName(name);
        lock (_lock)
        {
            if (_collections.ContainsKey(name) && !overwrite)
                throw new VectorBackendException(VectorBackendError.AlreadyExists, $"Collection '{name}' already exists.");
            _collections[name] = new Collection(name);
        }
    }

    /// <inheritdoc/>
    public void DeleteCollection(string name)
    {
        lock (_lock)
        {
            if (!_collections.Remove(name)) throw NotFound(name);
        }
    }

    /// <inheritdoc/>
    public IVectorPut BeginPut(string name, ArrowSchema schema)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(schema);
        int dimension = LongbowSchema.Check(name, schema, storesMetadata: true);
        Collection collection;
        lock (_lock)
        {
            if (!_collections.TryGetValue(name, out collection!)) _collections.Add(name, collection = new Collection(name));
        }
        collection.Adopt(schema, dimension);
        return new Put(this, name, collection);
    }

    // A put writes to the Collection object it began on; a delete, or a CreateNamespace with overwrite, replaces that
    // object in the map, and the put's later batches are refused.
    private sealed class Put(InMemoryVectorBackend owner, string name, Collection collection) : IVectorPut
    {
        public ValueTask<IngestResult> AppendAsync(ArrowRecordBatch batch, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(batch);
            lock (owner._lock)
            {
                if (!owner._collections.TryGetValue(name, out var current) || !ReferenceEquals(current, collection))
                    throw new VectorBackendException(VectorBackendError.NotFound, $"Collection '{name}' was deleted or replaced during the put.");
            }
            long live = collection.Append(batch);
            return ValueTask.FromResult(live > owner.SlowDownAboveRows ? new IngestResult(true, "memory_pressure") : IngestResult.Accepted);
        }
    }

    /// <inheritdoc/>
    public ValueTask<VectorSearchResult> SearchAsync(string name, ReadOnlyMemory<float> query, int k, int? ef,
        IReadOnlyList<VectorFilter> filters, CancellationToken cancellationToken)
    {
        if (k < 1) throw Invalid("k must be at least 1.");
        if (ef is { } width && width < k) throw Invalid($"ef ({width}) must be at least k ({k}).");
        return ValueTask.FromResult(Find(name).Search(query.Span, k, filters));
    }

    /// <inheritdoc/>
    public IEnumerable<ArrowRecordBatch> Scan(string name, IReadOnlyList<VectorFilter> filters, long limit) =>
        Find(name).Scan(filters, limit);

    /// <inheritdoc/>
    public bool Delete(string name, long id) => Find(name).Delete(id);

    /// <inheritdoc/>
    public JsonObject GetIndexStats(string name) => Find(name).Stats();

    /// <inheritdoc/>
    public ValueTask SnapshotAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    private Collection Find(string name)
    {
        lock (_lock)
        {
            return _collections.TryGetValue(name, out var collection) ? collection : throw NotFound(name);
        }
    }

    private static VectorBackendException NotFound(string name) =>
        new(VectorBackendError.NotFound, $"Collection '{name}' does not exist.");

    private static void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name)) throw new VectorBackendException(VectorBackendError.InvalidArgument, "The collection name is empty.");
    }

    private static VectorBackendException Invalid(string message) => new(VectorBackendError.InvalidArgument, message);

    private sealed class Collection(string name)
    {
        private readonly Lock _lock = new();                                         // guards everything below
        private readonly List<Stored> _batches = [];
        private readonly Dictionary<long, (int Batch, int Row)> _rows = [];          // live rows by id
        private ArrowSchema? _schema;
        private int _dimension;
        private long _bytes;
        private long _deleted;

        public VectorCollectionInfo Info()
        {
            lock (_lock) return new VectorCollectionInfo(name, _schema, _dimension, _rows.Count, _batches.Count, _bytes);
        }

        public void Adopt(ArrowSchema schema, int dimension)
        {
            lock (_lock)
            {
                if (_schema is null)
                {
                    _schema = schema;
                    _dimension = dimension;
                    return;
                }
                if (dimension != _dimension)
                    throw Invalid($"Collection '{name}': dimension mismatch: expected {_dimension}, got {dimension}.");
                for (int i = 0; i < Math.Max(schema.Fields.Count, _schema.Fields.Count); i++)
                {
                    var put = i < schema.Fields.Count ? schema.Fields[i] : null;
                    var held = i < _schema.Fields.Count ? _schema.Fields[i] : null;
                    if (put is not null && held is not null && put.Name == held.Name && put.Type.Equals(held.Type)) continue;
                    throw Invalid($"Collection '{name}' has the schema [{_schema}]; this put has [{schema}]: field {i} is "
                        + $"{(held is null ? "absent" : $"'{held}'")} in the collection and {(put is null ? "absent" : $"'{put}'")} in the put.");
                }
            }
        }

        public long Append(ArrowRecordBatch batch)
        {
            int idColumn = batch.Schema.IndexOf("id"), vectorColumn = batch.Schema.IndexOf("vector");
            var ids = batch.Columns[idColumn];
            var vectors = batch.Columns[vectorColumn];
            if (ids.NullCount != 0) throw Invalid($"Collection '{name}': column 'id' holds {ids.NullCount} nulls.");
            if (vectors.NullCount != 0) throw Invalid($"Collection '{name}': column 'vector' holds {vectors.NullCount} nulls.");
            var elements = vectors.Values!;
            if (elements.NullCount != 0) throw Invalid($"Collection '{name}': column 'vector' holds {elements.NullCount} null elements.");
            int dimension = vectors.Type.ListSize;
            var values = elements.GetValues<float>()[..(batch.Length * dimension)];
            for (int i = 0; i < values.Length; i++)
                if (!float.IsFinite(values[i]))
                    throw Invalid($"Collection '{name}': row {i / dimension} holds {values[i]} at element {i % dimension}; only finite values are accepted.");
            long bytes = 0;
            foreach (var column in batch.Columns) bytes += ColumnBytes(column);
            lock (_lock)
            {
                int index = _batches.Count;
                var stored = new Stored(batch, idColumn, vectorColumn);
                _batches.Add(stored);
                var rowIds = ids.GetValues<long>();
                for (int row = 0; row < rowIds.Length; row++)
                {
                    if (_rows.TryGetValue(rowIds[row], out var old)) Tombstone(old);
                    _rows[rowIds[row]] = (index, row);
                }
                _bytes += bytes;
                return _rows.Count;
            }
        }

        public VectorSearchResult Search(ReadOnlySpan<float> query, int k, IReadOnlyList<VectorFilter> filters)
        {
            lock (_lock)
            {
                // Checked before the empty-collection answer too, so a bad query is refused whether or not data arrived yet.
                if (query.IsEmpty) throw Invalid($"Collection '{name}': the query vector is empty.");
                foreach (float x in query)
                    if (!float.IsFinite(x)) throw Invalid($"Collection '{name}': the query holds {x}; only finite values are accepted.");
                if (_schema is null) return new VectorSearchResult([], []);
                if (query.Length != _dimension)
                    throw Invalid($"Collection '{name}': dimension mismatch: expected {_dimension}, got {query.Length}.");
                var compiled = RowFilter.Compile(name, _schema, filters);
                // Max-heap on distance via -distance; it never holds more than the live rows, whatever k asks for.
                var heap = new PriorityQueue<ulong, float>(Math.Min(k, _rows.Count) + 1);
                foreach (var stored in _batches)
                {
                    var ids = stored.Batch.Columns[stored.IdColumn].GetValues<long>();
                    var vectors = stored.Batch.Columns[stored.VectorColumn].Values!.GetValues<float>();
                    for (int row = 0; row < ids.Length; row++)
                    {
                        if (stored.IsDeleted(row) || !compiled.Matches(stored.Batch, row)) continue;
                        float distance = TensorPrimitives.Distance(query, vectors.Slice(row * _dimension, _dimension));
                        if (heap.Count < k) heap.Enqueue((ulong)ids[row], -distance);
                        else if (heap.TryPeek(out _, out float worst) && -distance > worst) heap.EnqueueDequeue((ulong)ids[row], -distance);
                    }
                }
                var resultIds = new ulong[heap.Count];
                var scores = new float[heap.Count];
                for (int i = heap.Count - 1; i >= 0; i--)
                {
                    heap.TryDequeue(out resultIds[i], out float negative);
                    scores[i] = -negative;
                }
                return new VectorSearchResult(resultIds, scores);
            }
        }

        public List<ArrowRecordBatch> Scan(IReadOnlyList<VectorFilter> filters, long limit)
        {
            lock (_lock)
            {
                var result = new List<ArrowRecordBatch>();
                if (_schema is null) return result;
                var compiled = RowFilter.Compile(name, _schema, filters);
                long remaining = limit > 0 ? limit : long.MaxValue;
                foreach (var stored in _batches)
                {
                    if (remaining == 0) break;
                    int length = stored.Batch.Length;
                    if (stored.Deleted is null && compiled.IsEmpty && length <= remaining)
                    {
                        result.Add(stored.Batch);                                    // as received, no copy
                        remaining -= length;
                        continue;
                    }
                    var keep = new List<int>();
                    for (int row = 0; row < length && keep.Count < remaining; row++)
                        if (!stored.IsDeleted(row) && compiled.Matches(stored.Batch, row)) keep.Add(row);
                    if (keep.Count == 0) continue;
                    result.Add(ArrowRows.Take(stored.Batch, keep));
                    remaining -= keep.Count;
                }
                return result;
            }
        }

        public bool Delete(long id)
        {
            lock (_lock)
            {
                if (!_rows.Remove(id, out var at)) return false;
                Tombstone(at);
                return true;
            }
        }

        public JsonObject Stats()
        {
            lock (_lock)
            {
                return new JsonObject
                {
                    ["dataset"] = name,
                    ["index"] = "brute_force",
                    ["metric"] = "l2",
                    ["dimension"] = _dimension,
                    ["rows"] = _rows.Count,
                    ["batches"] = _batches.Count,
                    ["deleted"] = _deleted,
                    ["bytes"] = _bytes,
                };
            }
        }

        private void Tombstone((int Batch, int Row) at)
        {
            var stored = _batches[at.Batch];
            stored.Deleted ??= new bool[stored.Batch.Length];
            stored.Deleted[at.Row] = true;
            _deleted++;
        }

        private static long ColumnBytes(ArrowArray column) =>
            column.Validity.Length + column.Offsets.Length + column.Data.Length + (column.Values is { } child ? ColumnBytes(child) : 0);
    }

    private sealed class Stored(ArrowRecordBatch batch, int idColumn, int vectorColumn)
    {
        public ArrowRecordBatch Batch { get; } = batch;
        public int IdColumn { get; } = idColumn;
        public int VectorColumn { get; } = vectorColumn;
        public bool[]? Deleted { get; set; }                                        // null: no row deleted

        public bool IsDeleted(int row) => Deleted is { } deleted && deleted[row];
    }

    // Filters compiled against the schema: id and timestamp compare as int64, metadata as text.
    private readonly struct RowFilter
    {
        private readonly (int Column, string Op, long Number, string Text, bool IsText)[] _terms;

        private RowFilter((int, string, long, string, bool)[] terms) => _terms = terms;

        public bool IsEmpty => _terms.Length == 0;

        public static RowFilter Compile(string collection, ArrowSchema schema, IReadOnlyList<VectorFilter> filters)
        {
            var terms = new (int, string, long, string, bool)[filters.Count];
            for (int i = 0; i < filters.Count; i++)
            {
                var f = filters[i];
                int column = schema.IndexOf(f.Field);
                if (f.Field is not ("id" or "timestamp" or "metadata") || column < 0)
                    throw Invalid($"Collection '{collection}': cannot filter on '{f.Field}' (filterable: id, timestamp, metadata when present).");
                bool text = f.Field == "metadata";
                string op = f.Operator == "=" ? "==" : f.Operator;
                if (text ? op is not ("==" or "!=" or "contains") : op is not ("==" or "!=" or ">" or ">=" or "<" or "<="))
                    throw Invalid($"Collection '{collection}': operator '{f.Operator}' does not apply to '{f.Field}'.");
                long number = 0;
                if (!text && !long.TryParse(f.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out number))
                    throw Invalid($"Collection '{collection}': filter value '{f.Value}' for '{f.Field}' is not an integer.");
                terms[i] = (column, op, number, f.Value, text);
            }
            return new RowFilter(terms);
        }

        public bool Matches(ArrowRecordBatch batch, int row)
        {
            foreach (var (column, op, number, text, isText) in _terms)
            {
                var array = batch.Columns[column];
                if (array.IsNull(row)) return false;
                bool ok;
                if (isText)
                {
                    string value = array.GetString(row)!;
                    ok = op switch { "==" => value == text, "!=" => value != text, _ => value.Contains(text, StringComparison.Ordinal) };
                }
                else
                {
                    long value = array.GetValues<long>()[row];
                    ok = op switch
                    {
                        "==" => value == number, "!=" => value != number, ">" => value > number,
                        ">=" => value >= number, "<" => value < number, _ => value <= number,
                    };
                }
                if (!ok) return false;
            }
            return true;
        }
    }
}

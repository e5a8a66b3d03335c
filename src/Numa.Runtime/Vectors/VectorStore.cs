// Float32 vectors of one dimension in node-local 1 MiB slabs, addressed by dense internal slots; the caller's
// long ids map to slots. Deletes are tombstones: the slot stays (an HNSW graph may still route through it)
// until the owner compacts. Also the exact (brute-force) search, for ground truth and small collections.
using System.Numerics.Tensors;
using Numa.Memory;

namespace Numa.Vectors;

/// <summary>
/// A collection of float32 vectors of a fixed <see cref="Dimension"/>, stored in 1 MiB slabs from a
/// <see cref="NumaArena"/> (node-local, off the GC heap, as Longbow's SlabAllocator), each vector 64-byte
/// aligned. Ids are the caller's <c>long</c>s; inside, vectors are dense <c>int</c> slots, which is all an
/// index over the store holds ("zero-copy": distances are computed on the slab memory itself).
/// </summary>
/// <remarks>
/// <see cref="Add"/>, <see cref="Delete"/> and lookups by id may be called from several threads. For
/// <see cref="VectorMetric.Cosine"/> vectors are stored normalized to unit length.
/// </remarks>
public sealed unsafe class VectorStore : IDisposable
{
    internal const int StateEmpty = 0;
    internal const int StateLive = 1;
    internal const int StateDeleted = 2;
    private const int MetaStride = 16; // long external id, int state, int padding

    private readonly SlabSource _source;
    private readonly bool _ownsSource;
    private readonly SlabTable _vectors;
    private readonly SlabTable _meta;
    private readonly Dictionary<long, int> _slotOf = [];
    private readonly Lock _lock = new();
    private int _slotCount;
    private int _deletedCount;
    private bool _disposed;

    /// <summary>Creates an empty store.</summary>
    /// <param name="dimension">Elements per vector, 1 to 65,536.</param>
    /// <param name="metric">The metric searches use; <see cref="VectorMetric.Cosine"/> stores unit vectors.</param>
    /// <param name="arena">Where the slabs come from; null: an arena created (and owned) on the calling thread's
    /// node. A caller's arena must not be allocated from by other threads while this store adds vectors.</param>
    /// <exception cref="ArgumentOutOfRangeException">The dimension is out of range.</exception>
    public VectorStore(int dimension, VectorMetric metric = VectorMetric.L2Squared, NumaArena? arena = null)
        : this(dimension, metric, new SlabSource(arena), ownsSource: true)
    {
    }

    internal VectorStore(int dimension, VectorMetric metric, SlabSource source, bool ownsSource)
    {
        CheckDimension(dimension);
        if (!Enum.IsDefined(metric)) throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown vector metric.");
        Dimension = dimension;
        Metric = metric;
        _source = source;
        _ownsSource = ownsSource;
        _vectors = new SlabTable(source, (dimension * sizeof(float) + 63) & ~63);
        _meta = new SlabTable(source, MetaStride);
    }

    /// <summary>The largest dimension a store accepts.</summary>
    public const int MaxDimension = 65536;

    /// <summary>Elements per vector.</summary>
    public int Dimension { get; }

    /// <summary>The metric of <see cref="ExactSearch(ReadOnlySpan{float}, int, Func{long, bool}?)"/>.</summary>
    public VectorMetric Metric { get; }

    /// <summary>Live vectors (added and not deleted).</summary>
    public int Count => Volatile.Read(ref _slotCount) - Volatile.Read(ref _deletedCount);

    /// <summary>Slots in use, tombstones included.</summary>
    public int SlotCount => Volatile.Read(ref _slotCount);

    /// <summary>Tombstoned slots (deleted, not yet compacted away).</summary>
    public int DeletedCount => Volatile.Read(ref _deletedCount);

    /// <summary>The node the slabs are placed on, when the arena names one.</summary>
    public int? HomeNode => _source.HomeNode;

    /// <summary>Bytes of slab memory holding the vectors.</summary>
    public long VectorBytes => (long)_vectors.SlabCount * SlabSource.SlabBytes;

    /// <summary>Bytes of slab memory holding each slot's id and state (16 bytes a slot).</summary>
    public long SlotBytes => (long)_meta.SlabCount * SlabSource.SlabBytes;

    /// <summary>Vectors per 1 MiB slab.</summary>
    public int VectorsPerSlab => _vectors.PerSlab;

    /// <summary>Approximate managed bytes of the id → slot map (24-byte entries and 4-byte buckets).</summary>
    public long IdMapBytes
    {
        get { lock (_lock) return 28L * _slotOf.EnsureCapacity(0); }
    }

    /// <summary>Adds <paramref name="vector"/> under <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentException">The vector has the wrong dimension, holds NaN or ±∞, is zero under
    /// cosine, or <paramref name="id"/> is already present.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public void Add(long id, ReadOnlySpan<float> vector)
    {
        CheckVector(vector, nameof(vector));
        AddSlot(id, vector);
    }

    /// <summary>Copies live (not deleted) vectors in slot order, from slot <paramref name="slot"/> on, into
    /// <paramref name="ids"/> and <paramref name="vectors"/> (row-major, <see cref="Dimension"/> floats per row) until
    /// either is full; advances <paramref name="slot"/> past what it read. Call again until it returns 0 — the way a
    /// snapshot reads a store. Vectors are as stored (unit length under cosine). Run it on the owning thread, or
    /// while nothing is added.</summary>
    /// <returns>The number of rows copied.</returns>
    /// <exception cref="ArgumentException"><paramref name="vectors"/> is shorter than <paramref name="ids"/> rows.</exception>
    public int CopyLive(ref int slot, Span<long> ids, Span<float> vectors)
    {
        if ((long)vectors.Length < (long)ids.Length * Dimension)
            throw new ArgumentException($"{vectors.Length} floats cannot hold {ids.Length} vectors of dimension {Dimension}", nameof(vectors));
        ObjectDisposedException.ThrowIf(_disposed, this);
        int rows = 0, end = SlotCount;
        for (; slot < end && rows < ids.Length; slot++)
        {
            if (State(slot) != StateLive) continue;
            ids[rows] = ExternalId(slot);
            new ReadOnlySpan<float>(Vector(slot), Dimension).CopyTo(vectors.Slice(rows * Dimension, Dimension));
            rows++;
        }
        return rows;
    }

    /// <summary>Tombstones the vector of <paramref name="id"/>: searches never return it again and the id may be
    /// added anew. False when the id is not present.</summary>
    public bool Delete(long id)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_slotOf.Remove(id, out int slot)) return false;
            Volatile.Write(ref MetaState(slot), StateDeleted);
            _deletedCount++;
            return true;
        }
    }

    /// <summary>True when <paramref name="id"/> is present and not deleted.</summary>
    public bool Contains(long id)
    {
        lock (_lock) return _slotOf.ContainsKey(id);
    }

    /// <summary>Copies the stored vector of <paramref name="id"/> (unit length under cosine) into
    /// <paramref name="destination"/>; false when the id is not present.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Dimension"/>.</exception>
    public bool TryCopyVector(long id, Span<float> destination)
    {
        if (destination.Length < Dimension)
            throw new ArgumentException($"The destination holds {destination.Length} floats; the dimension is {Dimension}.", nameof(destination));
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_slotOf.TryGetValue(id, out int slot)) return false;
            new ReadOnlySpan<float>(Vector(slot), Dimension).CopyTo(destination);
            return true;
        }
    }

    /// <summary>The exact <paramref name="k"/> nearest live vectors to <paramref name="query"/> by a scan of
    /// every slot, ascending by distance; only ids <paramref name="filter"/> accepts (when given).</summary>
    /// <returns>The number of results written to <paramref name="results"/> (fewer than k when the store holds fewer).</returns>
    /// <exception cref="ArgumentException">Wrong query dimension, NaN or ±∞ in it, or <paramref name="results"/> shorter than k.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> ≤ 0.</exception>
    public int ExactSearch(ReadOnlySpan<float> query, int k, Span<SearchResult> results, Func<long, bool>? filter = null)
    {
        CheckK(k, results.Length);
        CheckVector(query, nameof(query));
        var context = SearchContext.Rent();
        try
        {
            fixed (float* q = PrepareQuery(query, context))
            {
                return Metric == VectorMetric.L2Squared
                    ? ExactSearch<L2SquaredKernel>(q, k, results, filter, context)
                    : ExactSearch<InnerProductKernel>(q, k, results, filter, context);
            }
        }
        finally
        {
            SearchContext.Return(context);
        }
    }

    /// <summary>As <see cref="ExactSearch(ReadOnlySpan{float}, int, Span{SearchResult}, Func{long, bool}?)"/>,
    /// returning a new array.</summary>
    public SearchResult[] ExactSearch(ReadOnlySpan<float> query, int k, Func<long, bool>? filter = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var buffer = new SearchResult[k];
        int n = ExactSearch(query, k, buffer, filter);
        return n == k ? buffer : buffer[..n];
    }

    private int ExactSearch<TKernel>(float* q, int k, Span<SearchResult> results, Func<long, bool>? filter, SearchContext context)
        where TKernel : IDistanceKernel
    {
        var heap = context.Results;
        heap.Clear();
        int slots = SlotCount;
        for (int slot = 0; slot < slots; slot++)
        {
            if (State(slot) != StateLive) continue;
            float d = TKernel.Distance(q, Vector(slot), Dimension);
            if (heap.Count == k && d >= heap.TopKey) continue;
            if (filter is not null && !filter(ExternalId(slot))) continue;
            heap.Push(d, slot);
            if (heap.Count > k) heap.Pop();
        }
        return DrainAscending(heap, results);
    }

    /// <summary>Pops <paramref name="heap"/> (farthest on top) into <paramref name="results"/>, nearest first, leaving
    /// out slots deleted since the search accepted them: a concurrent upsert deletes an id's old slot before it adds the
    /// new one, so a search that saw both would otherwise return the id twice. Returns how many it wrote.</summary>
    internal int DrainAscending(DistanceHeap heap, Span<SearchResult> results)
    {
        int n = heap.Count, next = n;
        for (int i = n - 1; i >= 0; i--)
        {
            if (!IsDeleted(heap.TopNode)) results[--next] = new SearchResult(ExternalId(heap.TopNode), heap.TopKey);
            heap.Pop();
        }
        if (next > 0) results[next..n].CopyTo(results);
        return n - next;
    }

    // ---- for the index ----

    /// <summary>Adds a checked vector; returns its slot. With <paramref name="prepared"/> the vector is stored
    /// as is (already normalized: a copy from another store).</summary>
    internal int AddSlot(long id, ReadOnlySpan<float> vector, bool prepared = false)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_slotOf.ContainsKey(id))
                throw new ArgumentException($"A vector with id {id} is already present; delete it first to replace it.", nameof(id));
            int slot = _slotCount;
            if (slot == int.MaxValue - 1) throw new InvalidOperationException("The store is full (2³¹ − 2 slots).");
            _vectors.EnsureCapacity(slot);
            _meta.EnsureCapacity(slot);
            var destination = new Span<float>(Vector(slot), Dimension);
            if (Metric == VectorMetric.Cosine && !prepared) Normalize(vector, destination);
            else vector.CopyTo(destination);
            *(long*)_meta.Record(slot) = id;
            Volatile.Write(ref MetaState(slot), StateLive);
            _slotOf.Add(id, slot);
            Volatile.Write(ref _slotCount, slot + 1);
            return slot;
        }
    }

    /// <summary>Restores a slot from a saved file (no checks beyond the caller's; no normalization).</summary>
    internal void RestoreSlot(long id, int state)
    {
        int slot = _slotCount;
        _vectors.EnsureCapacity(slot);
        _meta.EnsureCapacity(slot);
        *(long*)_meta.Record(slot) = id;
        MetaState(slot) = state;
        if (state == StateLive && !_slotOf.TryAdd(id, slot))
            throw new InvalidDataException($"id {id} is live in two slots");
        if (state == StateDeleted) _deletedCount++;
        _slotCount = slot + 1;
    }

    internal float* Vector(int slot) => (float*)_vectors.Record(slot);

    internal long ExternalId(int slot) => *(long*)_meta.Record(slot);

    internal int State(int slot) => Volatile.Read(ref MetaState(slot));

    internal bool IsDeleted(int slot) => MetaState(slot) == StateDeleted;

    private ref int MetaState(int slot) => ref *(int*)(_meta.Record(slot) + 8);

    internal void CheckVector(ReadOnlySpan<float> vector, string parameter)
    {
        if (Problem(vector) is { } problem) throw new ArgumentException(problem, parameter);
    }

    /// <summary>Why <paramref name="vector"/> cannot be stored (wrong dimension, NaN or ±∞, zero under cosine);
    /// null when it can.</summary>
    internal string? Problem(ReadOnlySpan<float> vector)
    {
        if (vector.Length != Dimension)
            return $"The vector has {vector.Length} elements; this collection's dimension is {Dimension}.";
        if (!float.IsFinite(TensorPrimitives.Sum(vector)))
        {
            for (int i = 0; i < vector.Length; i++)
                if (!float.IsFinite(vector[i]))
                    return $"The vector holds {vector[i]} at element {i}; only finite values are accepted.";
        }
        if (Metric == VectorMetric.Cosine && TensorPrimitives.MaxMagnitude(vector) == 0)
            return "The vector is zero; its cosine distance is undefined.";
        return null;
    }

    /// <summary>The query as the kernels want it: normalized into the context's buffer under cosine.</summary>
    internal float[] PrepareQuery(ReadOnlySpan<float> query, SearchContext context)
    {
        context.EnsureQuery(Dimension);
        var destination = context.Query.AsSpan(0, Dimension);
        if (Metric == VectorMetric.Cosine) Normalize(query, destination);
        else query.CopyTo(destination);
        return context.Query;
    }

    internal static void CheckK(int k, int resultsLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (resultsLength < k)
            throw new ArgumentException($"The results span holds {resultsLength} entries; k is {k}.", "results");
    }

    internal static void CheckDimension(int dimension)
    {
        if (dimension is < 1 or > MaxDimension)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"The dimension must be between 1 and {MaxDimension}.");
    }

    // To unit length. A norm whose float sum of squares overflows (a component ≳ 1.8e19) or underflows (every component
    // ≲ 1e-23) is taken after scaling by the largest magnitude, which leaves it between 1 and √dimension.
    private static void Normalize(ReadOnlySpan<float> vector, Span<float> destination)
    {
        float norm = TensorPrimitives.Norm(vector);
        if (float.IsFinite(norm) && norm >= 1e-18f)
        {
            TensorPrimitives.Divide(vector, norm, destination);
            return;
        }
        TensorPrimitives.Divide(vector, MathF.Abs(TensorPrimitives.MaxMagnitude(vector)), destination);
        TensorPrimitives.Divide(destination, TensorPrimitives.Norm(destination), destination);
    }

    /// <summary>Unmaps the slabs when the store owns its arena.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        if (_ownsSource) _source.Dispose();
    }
}

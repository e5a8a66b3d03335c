// Hierarchical Navigable Small World graph over a VectorStore (Malkov & Yashunin 2018, "Efficient and robust
// approximate nearest neighbor search using Hierarchical Navigable Small World graphs", IEEE TPAMI). The graph
// holds internal slots only; its link lists live in node-local slabs next to the vectors. Concurrency follows
// hnswlib: one spin lock per node guards its link lists while inserting; searches read lists without locks.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Numa.Memory;

namespace Numa.Vectors;

/// <summary>
/// An approximate nearest-neighbour index: HNSW with the neighbour-selection heuristic (Algorithm 4), M_max0 = 2·M,
/// level multiplier m_L = 1/ln M and a seeded level generator. Vectors, link lists and levels live in 1 MiB slabs
/// of one <see cref="NumaArena"/>, so a shard's index sits on its node.
/// </summary>
/// <remarks>
/// <para><see cref="Add"/> and <see cref="Delete"/> may be called from several threads at once, and searches may run
/// alongside them. <see cref="RepairDeleted"/>, <see cref="Compact"/> and <see cref="Save"/> wait for running
/// adds and deletes and hold them off; searches may run alongside those too.</para>
/// <para>Deletes are tombstones (as hnswlib's mark_deleted): a deleted node still routes searches but is never
/// returned. <see cref="RepairDeleted"/> reconnects its neighbours around it; <see cref="Compact"/> copies the live
/// nodes into a new index.</para>
/// </remarks>
public sealed unsafe class HnswIndex : IDisposable
{
    /// <summary>The highest layer a node may get (the level generator is capped here).</summary>
    public const int MaxLevel = 31;

    // Level-0 record, in ints: [0] lock, [1] level, [2] count, [3 .. 3+M0) neighbours; then, 8-aligned, a pointer
    // to the upper-layer block: for layer l ≥ 1, at (l−1)·(M+1) ints: [count, M neighbours].
    private const int LockInt = 0, LevelInt = 1, ListInt = 2;

    private readonly SlabSource _source;
    private readonly VectorStore _store;
    private readonly SlabTable _links;
    private readonly int _m, _m0, _efConstruction, _dimension, _upperOffset;
    private readonly double _levelMultiplier;
    private readonly bool _keepPruned;
    private readonly Lock _entryLock = new();
    private readonly Lock _rngLock = new();
    private readonly ReaderWriterLockSlim _structure = new();
    private long _entry = EmptyEntry;            // (level << 32) | node, written under _entryLock
    private ulong _rngState;
    private bool _disposed;

    private const long EmptyEntry = -1;

    /// <summary>Creates an empty index.</summary>
    /// <param name="options">The parameters (checked with <see cref="HnswOptions.Validate"/>).</param>
    /// <param name="arena">Where vectors and links are allocated; null: an arena created (and owned) on the calling
    /// thread's node. A caller's arena must not be allocated from by other threads while this index grows.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public HnswIndex(HnswOptions options, NumaArena? arena = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _source = new SlabSource(arena);
        _store = new VectorStore(options.Dimension, options.Metric, _source, ownsSource: false);
        _dimension = options.Dimension;
        _m = options.M;
        _m0 = 2 * options.M;
        _efConstruction = Math.Max(options.EfConstruction, options.M);
        _levelMultiplier = 1 / Math.Log(options.M);
        _keepPruned = options.KeepPrunedConnections;
        _rngState = options.Seed;
        _upperOffset = ((ListInt + 1 + _m0) * sizeof(int) + 7) & ~7;
        _links = new SlabTable(_source, _upperOffset + sizeof(long));
    }

    /// <summary>The parameters the index was built with.</summary>
    public HnswOptions Options { get; }

    /// <summary>Live vectors.</summary>
    public int Count => _store.Count;

    /// <summary>Nodes in the graph, tombstones included.</summary>
    public int NodeCount => _store.SlotCount;

    /// <summary>Tombstoned nodes.</summary>
    public int DeletedCount => _store.DeletedCount;

    /// <summary>The node the index's memory is placed on, when its arena names one.</summary>
    public int? HomeNode => _source.HomeNode;

    /// <summary>The top layer (−1 when empty).</summary>
    public int TopLevel => EntryLevel(Volatile.Read(ref _entry));

    /// <summary>Bytes of slab memory holding the vectors.</summary>
    public long VectorBytes => _store.VectorBytes;

    /// <summary>Bytes of slab memory holding each slot's id and tombstone state.</summary>
    public long SlotBytes => _store.SlotBytes;

    /// <summary>Bytes of slab memory holding the graph: level-0 records (lock, level, links) and upper-layer lists.</summary>
    public long GraphBytes => (long)_links.SlabCount * SlabSource.SlabBytes + _source.BlockBytesAllocated;

    /// <summary>Approximate managed bytes of the id → slot map.</summary>
    public long IdMapBytes => _store.IdMapBytes;

    /// <summary>Bytes per level-0 record (lock, level, count, 2·M links, upper-layer pointer).</summary>
    public int NodeRecordBytes => _links.Stride;

    /// <summary>True when <paramref name="id"/> is present and not deleted.</summary>
    public bool Contains(long id) => _store.Contains(id);

    /// <summary>Copies the stored vector of <paramref name="id"/> (unit length under cosine).</summary>
    public bool TryCopyVector(long id, Span<float> destination) => _store.TryCopyVector(id, destination);

    /// <summary>Copies live vectors in slot order for a snapshot; see <see cref="VectorStore.CopyLive"/>.</summary>
    public int CopyLive(ref int slot, Span<long> ids, Span<float> vectors) => _store.CopyLive(ref slot, ids, vectors);

    // ---- insert: Algorithm 1 ----

    /// <summary>Inserts <paramref name="vector"/> under <paramref name="id"/> (Algorithm 1, INSERT). Thread-safe.</summary>
    /// <exception cref="ArgumentException">Wrong dimension, NaN or ±∞, a zero vector under cosine, or the id is
    /// already present (delete it first to replace it).</exception>
    /// <exception cref="ObjectDisposedException">The index is disposed.</exception>
    public void Add(long id, ReadOnlySpan<float> vector)
    {
        _store.CheckVector(vector, nameof(vector));
        _structure.EnterReadLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int level = NextLevel();
            int node = _store.AddSlot(id, vector);
            InitNode(node, level);
            var context = SearchContext.Rent();
            try
            {
                if (Options.Metric == VectorMetric.L2Squared) Link<L2SquaredKernel>(node, level, context);
                else Link<InnerProductKernel>(node, level, context);
            }
            finally
            {
                SearchContext.Return(context);
            }
        }
        finally
        {
            _structure.ExitReadLock();
        }
    }

    private void InitNode(int node, int level)
    {
        _links.EnsureCapacity(node);
        byte* record = _links.Record(node);
        ((int*)record)[LevelInt] = level;
        if (level > 0) *(int**)(record + _upperOffset) = (int*)_source.AllocateBlock(level * (_m + 1) * sizeof(int));
    }

    private int NextLevel()
    {
        ulong z;
        lock (_rngLock) z = _rngState += 0x9E3779B97F4A7C15UL;   // SplitMix64 (Steele, Lea, Flood 2014)
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        double unit = ((z >> 11) + 1) * (1.0 / (1UL << 53));       // (0, 1]
        return (int)Math.Min(MaxLevel, -Math.Log(unit) * _levelMultiplier);  // §4: l = ⌊−ln(unif(0..1))·m_L⌋
    }

    private void Link<TKernel>(int node, int level, SearchContext context) where TKernel : IDistanceKernel
    {
        float* q = _store.Vector(node);
        long entry = Volatile.Read(ref _entry);
        bool holdsEntry = false;
        if (level > EntryLevel(entry))
        {
            // This node may become the entry point: hold the entry lock for the whole insert (as hnswlib does), so
            // no other insert raises the top layer meanwhile.
            _entryLock.Enter();
            holdsEntry = true;
            entry = _entry;
            if (level <= EntryLevel(entry))
            {
                _entryLock.Exit();
                holdsEntry = false;
            }
        }
        try
        {
            int ep = EntryNode(entry);
            int top = EntryLevel(entry);
            if (ep < 0)
            {
                Volatile.Write(ref _entry, Pack(node, level));
                return;
            }
            float epDistance = TKernel.Distance(q, _store.Vector(ep), _dimension);
            for (int layer = top; layer > level; layer--)
                Greedy<TKernel>(q, ref ep, ref epDistance, layer, locked: true, context);

            // First every layer's own list, then the back links: the node becomes reachable only when all its lists
            // are complete, so no other insert can start a search at it (or link to it) while a lower list is
            // still empty, and no back link another insert adds to it is overwritten by SetLinks.
            int lowest = Math.Min(top, level);
            context.EnsureSelected(_m0 + 1);
            context.EnsureChosen((lowest + 1) * _m0);
            for (int layer = lowest; layer >= 0; layer--)
            {
                SearchLayer<TKernel>(q, ep, epDistance, _efConstruction, layer, context, filter: null, construction: true);
                int found = DrainToCandidates(context);
                context.ChosenCounts[layer] = 0;
                if (found == 0) continue; // every node met was deleted: keep the entry point, try the next layer
                ep = context.CandidateNodes[0];
                epDistance = context.CandidateDistances[0];
                int chosen = SelectNeighbors<TKernel>(context, found, _m);
                var links = context.Chosen.AsSpan(layer * _m0, chosen);
                context.Selected.AsSpan(0, chosen).CopyTo(links);
                context.ChosenCounts[layer] = chosen;
                SetLinks(node, layer, links);
            }
            for (int layer = lowest; layer >= 0; layer--)
                for (int i = 0; i < context.ChosenCounts[layer]; i++)
                    AddBackLink<TKernel>(context.Chosen[layer * _m0 + i], node, layer, context);
            if (holdsEntry) Volatile.Write(ref _entry, Pack(node, level));
        }
        finally
        {
            if (holdsEntry) _entryLock.Exit();
        }
    }

    /// <summary>Connects <paramref name="neighbor"/> back to <paramref name="node"/>, shrinking its list with the
    /// heuristic when full (Algorithm 1, lines 11–16).</summary>
    private void AddBackLink<TKernel>(int neighbor, int node, int layer, SearchContext context) where TKernel : IDistanceKernel
    {
        int max = layer == 0 ? _m0 : _m;
        LockNode(neighbor);
        try
        {
            int* list = Links(neighbor, layer);
            int count = list[0];
            for (int i = 1; i <= count; i++)
                if (list[i] == node) return;
            if (count < max)
            {
                list[count + 1] = node;
                Volatile.Write(ref list[0], count + 1);
                return;
            }
            // Full: choose max among the current links and the new node, by distance to the neighbour.
            float* v = _store.Vector(neighbor);
            context.EnsureCandidates(count + 1);
            int n = 0;
            for (int i = 1; i <= count; i++) AddCandidate(context, ref n, list[i], TKernel.Distance(v, _store.Vector(list[i]), _dimension));
            AddCandidate(context, ref n, node, TKernel.Distance(v, _store.Vector(node), _dimension));
            int chosen = SelectNeighbors<TKernel>(context, n, max);
            for (int i = 0; i < chosen; i++) list[i + 1] = context.Selected[i];
            Volatile.Write(ref list[0], chosen);
        }
        finally
        {
            UnlockNode(neighbor);
        }
    }

    /// <summary>Inserts into the candidate arrays kept ascending by distance (insertion sort: at most 2·M + 1 items).</summary>
    private static void AddCandidate(SearchContext context, ref int count, int node, float distance)
    {
        int[] nodes = context.CandidateNodes;
        float[] distances = context.CandidateDistances;
        int i = count++;
        while (i > 0 && distances[i - 1] > distance)
        {
            nodes[i] = nodes[i - 1];
            distances[i] = distances[i - 1];
            i--;
        }
        nodes[i] = node;
        distances[i] = distance;
    }

    /// <summary>Moves the search results (farthest on top) into the candidate arrays, nearest first.</summary>
    private static int DrainToCandidates(SearchContext context)
    {
        var heap = context.Results;
        int n = heap.Count;
        context.EnsureCandidates(n);
        for (int i = n - 1; i >= 0; i--)
        {
            context.CandidateNodes[i] = heap.TopNode;
            context.CandidateDistances[i] = heap.TopKey;
            heap.Pop();
        }
        return n;
    }

    /// <summary>Algorithm 4, SELECT-NEIGHBORS-HEURISTIC, without extendCandidates: walks the candidates nearest
    /// first and keeps one only if it is nearer to the base than to every one kept so far. Reads the candidates
    /// (ascending) from the context and writes the choice to <see cref="SearchContext.Selected"/>.</summary>
    private int SelectNeighbors<TKernel>(SearchContext context, int count, int max) where TKernel : IDistanceKernel
    {
        int[] candidates = context.CandidateNodes;
        int[] selected = context.Selected;
        if (count <= max)
        {
            candidates.AsSpan(0, count).CopyTo(selected);
            return count;
        }
        int chosen = 0, pruned = 0;
        for (int i = 0; i < count && chosen < max; i++)
        {
            int c = candidates[i];
            float toBase = context.CandidateDistances[i];
            float* cv = _store.Vector(c);
            bool keep = true;
            for (int j = 0; j < chosen; j++)
            {
                if (TKernel.Distance(cv, _store.Vector(selected[j]), _dimension) < toBase)
                {
                    keep = false;
                    break;
                }
            }
            if (keep) selected[chosen++] = c;
            else context.Pruned[pruned++] = c;
        }
        if (_keepPruned)
            for (int i = 0; i < pruned && chosen < max; i++) selected[chosen++] = context.Pruned[i];
        return chosen;
    }

    private void SetLinks(int node, int layer, ReadOnlySpan<int> links)
    {
        LockNode(node);
        try
        {
            int* list = Links(node, layer);
            for (int i = 0; i < links.Length; i++) list[i + 1] = links[i];
            Volatile.Write(ref list[0], links.Length);
        }
        finally
        {
            UnlockNode(node);
        }
    }

    // ---- search: Algorithms 2 and 5 ----

    /// <summary>The approximate <paramref name="k"/> nearest live vectors to <paramref name="query"/>
    /// (Algorithm 5, K-NN-SEARCH), ascending by distance; only ids <paramref name="filter"/> accepts (when given:
    /// the search then goes on until it has <paramref name="ef"/> accepted nodes, as hnswlib's filtered search).
    /// Allocates nothing.</summary>
    /// <param name="query">The query vector, of the index's dimension.</param>
    /// <param name="k">How many results, at least 1.</param>
    /// <param name="results">Where the results go, at least <paramref name="k"/> long.</param>
    /// <param name="ef">The dynamic candidate list size, at least <paramref name="k"/>; null: max(EfSearch, k).</param>
    /// <param name="filter">Called with a candidate's id; false excludes it from the results (not from routing).</param>
    /// <returns>The number of results written (fewer than k when fewer vectors are reachable and accepted, or some were
    /// deleted while the search ran).</returns>
    /// <exception cref="ArgumentException">Wrong query dimension, NaN or ±∞ in it, a zero query under cosine,
    /// or <paramref name="results"/> shorter than k.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> ≤ 0 or <paramref name="ef"/> &lt; k.</exception>
    public int Search(ReadOnlySpan<float> query, int k, Span<SearchResult> results, int? ef = null, Func<long, bool>? filter = null)
    {
        VectorStore.CheckK(k, results.Length);
        int width = ef ?? Math.Max(Options.EfSearch, k);
        if (width < k) throw new ArgumentOutOfRangeException(nameof(ef), width, $"ef ({width}) must be at least k ({k}).");
        _store.CheckVector(query, nameof(query));
        ObjectDisposedException.ThrowIf(_disposed, this);
        long entry = Volatile.Read(ref _entry);
        if (EntryNode(entry) < 0) return 0;
        var context = SearchContext.Rent();
        try
        {
            fixed (float* q = _store.PrepareQuery(query, context))
            {
                return Options.Metric == VectorMetric.L2Squared
                    ? Search<L2SquaredKernel>(q, entry, k, width, results, filter, context)
                    : Search<InnerProductKernel>(q, entry, k, width, results, filter, context);
            }
        }
        finally
        {
            SearchContext.Return(context);
        }
    }

    /// <summary>As <see cref="Search(ReadOnlySpan{float}, int, Span{SearchResult}, int?, Func{long, bool}?)"/>,
    /// returning a new array.</summary>
    public SearchResult[] Search(ReadOnlySpan<float> query, int k, int? ef = null, Func<long, bool>? filter = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var buffer = new SearchResult[k];
        int n = Search(query, k, buffer, ef, filter);
        return n == k ? buffer : buffer[..n];
    }

    /// <summary>The exact <paramref name="k"/> nearest live vectors by a scan of every node (brute force).</summary>
    /// <exception cref="ArgumentException">As <see cref="VectorStore.ExactSearch(ReadOnlySpan{float}, int, Span{SearchResult}, Func{long, bool}?)"/>.</exception>
    public int ExactSearch(ReadOnlySpan<float> query, int k, Span<SearchResult> results, Func<long, bool>? filter = null) =>
        _store.ExactSearch(query, k, results, filter);

    private int Search<TKernel>(float* q, long entry, int k, int ef, Span<SearchResult> results, Func<long, bool>? filter, SearchContext context)
        where TKernel : IDistanceKernel
    {
        int ep = EntryNode(entry);
        float epDistance = TKernel.Distance(q, _store.Vector(ep), _dimension);
        for (int layer = EntryLevel(entry); layer > 0; layer--)
            Greedy<TKernel>(q, ref ep, ref epDistance, layer, locked: false, context);
        SearchLayer<TKernel>(q, ep, epDistance, ef, 0, context, filter, construction: false);
        var heap = context.Results;
        while (heap.Count > k) heap.Pop();
        return _store.DrainAscending(heap, results);
    }

    /// <summary>SEARCH-LAYER with ef = 1 (Algorithm 2 as used on the layers above the insert level and in
    /// Algorithm 5): move to the nearest neighbour while it gets nearer.</summary>
    private void Greedy<TKernel>(float* q, ref int current, ref float currentDistance, int layer, bool locked, SearchContext context)
        where TKernel : IDistanceKernel
    {
        bool changed = true;
        while (changed)
        {
            changed = false;
            int count = ReadList(current, layer, locked, context, out int* list);
            for (int i = 0; i < count; i++)
            {
                int n = list[i];
                float d = TKernel.Distance(q, _store.Vector(n), _dimension);
                if (d < currentDistance)
                {
                    currentDistance = d;
                    current = n;
                    changed = true;
                }
            }
        }
    }

    /// <summary>Algorithm 2, SEARCH-LAYER, in hnswlib's form: C is a min-heap of candidates, W a max-heap of at most
    /// ef results; deleted and filtered-out nodes are expanded but kept out of W. Leaves W in
    /// <see cref="SearchContext.Results"/>.</summary>
    private void SearchLayer<TKernel>(float* q, int ep, float epDistance, int ef, int layer, SearchContext context,
        Func<long, bool>? filter, bool construction) where TKernel : IDistanceKernel
    {
        var candidates = context.Candidates;
        var results = context.Results;
        candidates.Clear();
        results.Clear();
        context.NewVisitedSet(_store.SlotCount);
        context.Visit(ep);
        bool screen = filter is not null || _store.DeletedCount > 0;
        float bound = float.MaxValue;
        if (!screen || Accepts(ep, filter))
        {
            results.Push(epDistance, ep);
            bound = epDistance;
        }
        candidates.Push(-epDistance, ep);
        while (candidates.Count > 0)
        {
            float cd = -candidates.TopKey;
            if (cd > bound && (results.Count == ef || !screen)) break;
            int c = candidates.TopNode;
            candidates.Pop();
            int count = ReadList(c, layer, construction, context, out int* list);
            for (int i = 0; i < count; i++)
            {
                int n = list[i];
                if (i + 1 < count && Sse.IsSupported) Sse.Prefetch0(_store.Vector(list[i + 1]));
                if (!context.Visit(n)) continue;
                float d = TKernel.Distance(q, _store.Vector(n), _dimension);
                if (results.Count < ef || d < bound)
                {
                    candidates.Push(-d, n);
                    if (!screen || Accepts(n, filter))
                    {
                        results.Push(d, n);
                        if (results.Count > ef) results.Pop();
                    }
                    if (results.Count > 0) bound = results.TopKey;
                }
            }
        }
    }

    private bool Accepts(int node, Func<long, bool>? filter) =>
        !_store.IsDeleted(node) && (filter is null || filter(_store.ExternalId(node)));

    /// <summary>The neighbours of <paramref name="node"/> on <paramref name="layer"/>. Locked: a copy taken under the
    /// node's lock (inserts). Unlocked: the list itself, its count clamped (searches; every id ever written to a
    /// list is a complete node, so a list read mid-update still names valid nodes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ReadList(int node, int layer, bool locked, SearchContext context, out int* list)
    {
        int* links = Links(node, layer);
        int max = layer == 0 ? _m0 : _m;
        if (!locked)
        {
            list = links + 1;
            return Math.Min(Volatile.Read(ref links[0]), max);
        }
        context.EnsureNeighbors(max);
        LockNode(node);
        int count = links[0];
        new ReadOnlySpan<int>(links + 1, count).CopyTo(context.Neighbors);
        UnlockNode(node);
        list = (int*)Unsafe.AsPointer(ref context.Neighbors[0]); // pinned array
        return count;
    }

    // ---- deletes, repair, compaction, files ----

    /// <summary>Tombstones <paramref name="id"/>: searches never return it again; it still routes searches until
    /// <see cref="RepairDeleted"/>. The id may be added anew. False when it is not present. Thread-safe.</summary>
    public bool Delete(long id)
    {
        _structure.EnterReadLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _store.Delete(id);
        }
        finally
        {
            _structure.ExitReadLock();
        }
    }

    /// <summary>Reconnects every live node that links to a deleted node: its new list is chosen by the heuristic
    /// (Algorithm 4) from its live neighbours and the live neighbours of its deleted ones, so deleted nodes are no
    /// longer reachable; a deleted entry point is replaced by a live node of the highest level. Waits for running
    /// adds and deletes; searches may continue.</summary>
    /// <returns>The number of link lists rewritten.</returns>
    public int RepairDeleted()
    {
        _structure.EnterWriteLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return Repair();
        }
        finally
        {
            _structure.ExitWriteLock();
        }
    }

    /// <summary>Repairs (as <see cref="RepairDeleted"/>) and copies the live nodes, their vectors and their links
    /// into a new index with dense slots, leaving tombstones behind; this index is unchanged otherwise and stays
    /// usable. The caller swaps the two and disposes this one to return its memory.</summary>
    /// <param name="arena">The new index's arena; null: one created on the calling thread's node.</param>
    public HnswIndex Compact(NumaArena? arena = null)
    {
        _structure.EnterWriteLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Repair();
            var fresh = new HnswIndex(Options, arena);
            try
            {
                int nodes = _store.SlotCount;
                int[] remap = new int[nodes];
                for (int old = 0; old < nodes; old++)
                {
                    if (_store.State(old) != VectorStore.StateLive)
                    {
                        remap[old] = -1;
                        continue;
                    }
                    remap[old] = fresh._store.AddSlot(_store.ExternalId(old), new ReadOnlySpan<float>(_store.Vector(old), _dimension), prepared: true);
                    fresh.InitNode(remap[old], LevelOf(old));
                }
                for (int old = 0; old < nodes; old++)
                {
                    if (remap[old] < 0) continue;
                    for (int layer = LevelOf(old); layer >= 0; layer--)
                    {
                        int* from = Links(old, layer);
                        int* to = fresh.Links(remap[old], layer);
                        int count = 0;
                        for (int i = 1; i <= from[0]; i++)
                            if (remap[from[i]] >= 0) to[++count] = remap[from[i]];
                        to[0] = count;
                    }
                }
                int ep = EntryNode(_entry);
                fresh._entry = ep < 0 || remap[ep] < 0 ? EmptyEntry : Pack(remap[ep], EntryLevel(_entry));
                fresh._rngState = _rngState;
                return fresh;
            }
            catch
            {
                fresh.Dispose();
                throw;
            }
        }
        finally
        {
            _structure.ExitWriteLock();
        }
    }

    /// <summary>What <see cref="Save"/> appends to the file name while it writes; a crash mid-save can leave such a
    /// file behind, which the owner of the directory may delete.</summary>
    public const string TemporarySuffix = ".tmp";

    /// <summary>Writes the index (options, ids, tombstones, vectors, links, entry point, level generator state) to
    /// <paramref name="path"/> in the versioned, CRC-32C-checked format of docs/vectors.md: to a temporary file,
    /// fdatasync'd, renamed over <paramref name="path"/>, then the directory fsync'd, so a crash leaves the old file or
    /// the new one (and possibly <c>path.tmp</c>); a failed save removes its temporary file and leaves the old one.
    /// Waits for running adds and deletes; searches may continue.</summary>
    /// <exception cref="IOException">The file cannot be written or renamed (ENOSPC, a directory in the way …).</exception>
    /// <exception cref="Native.NumaNativeException">fdatasync or the directory fsync failed (EIO …).</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _structure.EnterWriteLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            HnswIndexFile.Save(this, path);
        }
        finally
        {
            _structure.ExitWriteLock();
        }
    }

    /// <summary>Reads an index written by <see cref="Save"/>: no rebuild, the same graph and answers. The file holds
    /// the level generator's state, not <see cref="HnswOptions.Seed"/>: the loaded index's <see cref="Options"/> have
    /// the default seed, yet further adds draw the same levels the saved index would have.</summary>
    /// <param name="path">The file.</param>
    /// <param name="arena">Where the loaded index lives; null: an arena on the calling thread's node.</param>
    /// <exception cref="VectorIndexFormatException">The file is truncated, corrupted (checksum mismatch, a field
    /// out of range, a vector <see cref="Add"/> would refuse) or of an unknown version; the message names the offset
    /// and the field.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static HnswIndex Load(string path, NumaArena? arena = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return HnswIndexFile.Load(path, arena);
    }

    private int Repair()
    {
        if (_store.DeletedCount == 0) return 0;
        var context = SearchContext.Rent();
        try
        {
            return Options.Metric == VectorMetric.L2Squared ? Repair<L2SquaredKernel>(context) : Repair<InnerProductKernel>(context);
        }
        finally
        {
            SearchContext.Return(context);
        }
    }

    private int Repair<TKernel>(SearchContext context) where TKernel : IDistanceKernel
    {
        int nodes = _store.SlotCount;
        int repaired = 0;
        context.EnsureSelected(_m0 + 1);
        for (int u = 0; u < nodes; u++)
        {
            if (_store.State(u) != VectorStore.StateLive) continue;
            float* uv = _store.Vector(u);
            for (int layer = LevelOf(u); layer >= 0; layer--)
            {
                int* list = Links(u, layer);
                int count = list[0];
                bool touchesDeleted = false;
                for (int i = 1; i <= count && !touchesDeleted; i++) touchesDeleted = _store.IsDeleted(list[i]);
                if (!touchesDeleted) continue;

                int max = layer == 0 ? _m0 : _m;
                context.EnsureCandidates(count * (max + 1));
                context.NewVisitedSet(nodes);
                context.Visit(u);
                int n = 0;
                for (int i = 1; i <= count; i++)
                {
                    int v = list[i];
                    if (!_store.IsDeleted(v))
                    {
                        if (context.Visit(v)) Collect(context, ref n, v, TKernel.Distance(uv, _store.Vector(v), _dimension));
                        continue;
                    }
                    int* around = Links(v, layer);   // v is on this layer: it was linked here
                    for (int j = 1; j <= around[0]; j++)
                    {
                        int w = around[j];
                        if (!_store.IsDeleted(w) && context.Visit(w))
                            Collect(context, ref n, w, TKernel.Distance(uv, _store.Vector(w), _dimension));
                    }
                }
                Array.Sort(context.CandidateDistances, context.CandidateNodes, 0, n);
                int chosen = SelectNeighbors<TKernel>(context, n, max);
                SetLinks(u, layer, context.Selected.AsSpan(0, chosen));
                repaired++;
            }
        }
        int ep = EntryNode(_entry);
        if (ep >= 0 && _store.IsDeleted(ep))
        {
            long best = EmptyEntry;
            for (int u = 0; u < nodes; u++)
                if (_store.State(u) == VectorStore.StateLive && (best == EmptyEntry || LevelOf(u) > EntryLevel(best)))
                    best = Pack(u, LevelOf(u));
            lock (_entryLock) Volatile.Write(ref _entry, best);
        }
        return repaired;
    }

    private static void Collect(SearchContext context, ref int count, int node, float distance)
    {
        context.CandidateNodes[count] = node;
        context.CandidateDistances[count] = distance;
        count++;
    }

    // ---- for HnswIndexFile ----

    internal VectorStore Store => _store;

    internal long Entry
    {
        get => _entry;
        set => _entry = value;
    }

    internal ulong RandomState
    {
        get => _rngState;
        set => _rngState = value;
    }

    internal int MaxLinks(int layer) => layer == 0 ? _m0 : _m;

    internal int* LinksOf(int node, int layer) => Links(node, layer);

    internal void InitRestoredNode(int node, int level) => InitNode(node, level);

    internal static int NodeOf(long entry) => EntryNode(entry);

    internal static int LevelOfEntry(long entry) => EntryLevel(entry);

    internal static long MakeEntry(int node, int level) => node < 0 ? EmptyEntry : Pack(node, level);

    // ---- node records ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int* Links(int node, int layer)
    {
        byte* record = _links.Record(node);
        return layer == 0 ? (int*)record + ListInt : *(int**)(record + _upperOffset) + (layer - 1) * (_m + 1);
    }

    internal int LevelOf(int node) => ((int*)_links.Record(node))[LevelInt];

    private void LockNode(int node)
    {
        ref int word = ref ((int*)_links.Record(node))[LockInt];
        if (Interlocked.CompareExchange(ref word, 1, 0) == 0) return;
        var spin = new SpinWait();
        while (Volatile.Read(ref word) != 0 || Interlocked.CompareExchange(ref word, 1, 0) != 0) spin.SpinOnce();
    }

    private void UnlockNode(int node) => Volatile.Write(ref ((int*)_links.Record(node))[LockInt], 0);

    private static long Pack(int node, int level) => ((long)level << 32) | (uint)node;

    private static int EntryNode(long entry) => (int)entry;

    private static int EntryLevel(long entry) => (int)(entry >> 32);

    /// <summary>Unmaps the vectors and the graph when the index owns its arena.</summary>
    public void Dispose()
    {
        _structure.EnterWriteLock();
        try
        {
            if (_disposed) return;
            _disposed = true;
        }
        finally
        {
            _structure.ExitWriteLock();
        }
        _store.Dispose();
        _source.Dispose();
    }
}

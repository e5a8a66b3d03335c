// Per-thread scratch of the search and insert loops (hnswlib's VisitedListPool): the visited set as epoch tags,
// the two heaps and small buffers. Rented from a thread-static slot so the hot paths allocate nothing; a nested
// rent on the same thread (a filter that searches) gets a fresh one.
using System.Runtime.CompilerServices;

namespace Numa.Vectors;

internal sealed class SearchContext
{
    [ThreadStatic] private static SearchContext? t_cached;

    private ushort[] _visited = new ushort[1024];
    private ushort _epoch;

    public readonly DistanceHeap Candidates = new();
    public readonly DistanceHeap Results = new();

    /// <summary>A copy of one neighbour list (taken under the node's lock during construction); on the pinned
    /// object heap, since the search loop reads it through a pointer.</summary>
    public int[] Neighbors = GC.AllocateArray<int>(64, pinned: true);

    /// <summary>Candidate nodes and their distances for neighbour selection.</summary>
    public int[] CandidateNodes = new int[256];
    public float[] CandidateDistances = new float[256];

    /// <summary>Nodes chosen by the heuristic, and the pruned ones it may keep.</summary>
    public int[] Selected = new int[128];
    /// <summary>The new node's links, 2·M slots per layer, kept until the back links are added (which reuse
    /// Selected), and how many each layer has.</summary>
    public int[] Chosen = new int[128];
    public readonly int[] ChosenCounts = new int[HnswIndex.MaxLevel + 1];
    public int[] Pruned = new int[256];

    /// <summary>The query, normalized for cosine.</summary>
    public float[] Query = new float[64];

    public static SearchContext Rent()
    {
        var c = t_cached;
        if (c is null) return new SearchContext();
        t_cached = null;
        return c;
    }

    public static void Return(SearchContext context) => t_cached = context;

    /// <summary>Starts a new visited set for nodes below <paramref name="nodes"/> (more may appear while it runs).</summary>
    public void NewVisitedSet(int nodes)
    {
        if (_visited.Length < nodes) _visited = new ushort[Math.Max(nodes, _visited.Length * 2)];
        if (++_epoch == 0)
        {
            Array.Clear(_visited);
            _epoch = 1;
        }
    }

    /// <summary>Marks <paramref name="node"/> visited; false when it already was.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Visit(int node)
    {
        if ((uint)node >= (uint)_visited.Length) GrowVisited(node);
        ref ushort tag = ref Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_visited), node);
        if (tag == _epoch) return false;
        tag = _epoch;
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowVisited(int node) => Array.Resize(ref _visited, Math.Max(node + 1, _visited.Length * 2));

    public void EnsureCandidates(int count)
    {
        if (CandidateNodes.Length >= count) return;
        int n = Math.Max(count, CandidateNodes.Length * 2);
        CandidateNodes = new int[n];
        CandidateDistances = new float[n];
        Pruned = new int[n];
    }

    public void EnsureSelected(int count)
    {
        if (Selected.Length >= count) return;
        Selected = new int[count];
    }

    public void EnsureChosen(int count)
    {
        if (Chosen.Length < count) Chosen = new int[Math.Max(count, Chosen.Length * 2)];
    }

    public void EnsureNeighbors(int count)
    {
        if (Neighbors.Length < count) Neighbors = GC.AllocateArray<int>(count, pinned: true);
    }

    public void EnsureQuery(int dimension)
    {
        if (Query.Length < dimension) Query = new float[dimension];
    }
}

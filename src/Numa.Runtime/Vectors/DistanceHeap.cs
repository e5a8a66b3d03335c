// The binary heaps of the search loop: W (the ef nearest found, farthest on top) and C (candidates, nearest on
// top, stored with negated keys). Arrays are kept between searches so a search allocates nothing.
using System.Runtime.CompilerServices;

namespace Numa.Vectors;

/// <summary>A max-heap of (key, node) pairs; push −distance to use it as a min-heap.</summary>
internal sealed class DistanceHeap
{
    private Entry[] _items = new Entry[64];

    public int Count { get; private set; }

    public float TopKey => _items[0].Key;

    public int TopNode => _items[0].Node;

    public void Clear() => Count = 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(float key, int node)
    {
        if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        var items = _items;
        int i = Count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (items[parent].Key >= key) break;
            items[i] = items[parent];
            i = parent;
        }
        items[i] = new Entry(key, node);
    }

    public void Pop()
    {
        var items = _items;
        int n = --Count;
        if (n == 0) return;
        var last = items[n];
        int i = 0;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && items[child + 1].Key > items[child].Key) child++;
            if (items[child].Key <= last.Key) break;
            items[i] = items[child];
            i = child;
        }
        items[i] = last;
    }

    private readonly record struct Entry(float Key, int Node);
}

// A worker's key-value state in its own node's memory: open addressing with linear probing over a table of
// fixed-size unmanaged entries, so lookups and updates never allocate and never leave the node.
using System.Numerics;
using System.Runtime.CompilerServices;
using Numa.Memory;

namespace Numa.Storage.State;

/// <summary>
/// A per-core hash map from <typeparamref name="TKey"/> to <typeparamref name="TValue"/>, both unmanaged, whose table
/// lives in the owning worker's NUMA node (LaminarDB F068's NUMA-local state store, shared/seeds 001).
/// </summary>
/// <remarks>
/// <para>Layout: a control byte per slot (0 empty, else 0x80 | 7 bits of the hash, so most mismatches are rejected
/// without touching the entry) and a parallel array of (key, value) entries; linear probing from the slot given by
/// Fibonacci hashing (Knuth, TAOCP vol. 3 §6.4) of <c>key.GetHashCode()</c>; deletion by backward shift, so there are
/// no tombstones and probe runs stay short. The table doubles when it would pass 3/4 full.</para>
/// <para>Lookups and updates allocate nothing on the managed heap; growth maps a new table on the same node.
/// Not thread-safe: a store belongs to one worker thread (thread-per-core). References returned by the ref-returning
/// methods are valid until the next insertion or removal.</para>
/// </remarks>
public sealed unsafe class StateStore<TKey, TValue> : IDisposable
    where TKey : unmanaged, IEquatable<TKey>
    where TValue : unmanaged
{
    private struct Entry
    {
        public TKey Key;
        public TValue Value;
    }

    private readonly NodeMemory? _node;    // set when the store owns its arena: outgrown tables are unmapped
    private NumaArena _arena;
    private byte* _control;
    private Entry* _entries;
    private int _mask;
    private int _shift;          // 64 - log2(capacity): Fibonacci hashing keeps the high bits
    private int _count;
    private int _growAt;
    private bool _disposed;

    /// <summary>Creates a store on <see cref="NumaPlatform.Current"/>.</summary>
    public StateStore(StateStoreOptions options) : this(NumaPlatform.Current, options) { }

    /// <summary>Creates a store whose table lives in <see cref="StateStoreOptions.Arena"/> or in an arena of its own on
    /// <see cref="StateStoreOptions.Node"/> (default: the calling thread's node).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The capacity is not positive or too large, or the node does not exist.</exception>
    public StateStore(NumaPlatform platform, StateStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.InitialCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.InitialCapacity, 1 << 29);
        if (options.Arena is { } given) _arena = given;
        else
        {
            _node = platform.Node(options.Node ?? platform.CurrentNode());
            _arena = _node.CreateArena();
        }
        int slots = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(8, options.InitialCapacity + options.InitialCapacity / 3 + 1));
        Allocate(slots);
    }

    /// <summary>Entries in the store.</summary>
    public int Count => _count;

    /// <summary>Entries the store holds before it grows.</summary>
    public int Capacity => _growAt;

    /// <summary>The node the table lives on (null when the arena spans several nodes).</summary>
    public int? HomeNode => _arena.HomeNode;

    /// <summary>Bytes mapped by the store's own arena (the caller's arena's, when given one).</summary>
    internal long ReservedBytes => _arena.ReservedBytes;

    /// <summary>Bytes of one slot (control byte and entry).</summary>
    public static int SlotBytes => 1 + sizeof(Entry);

    /// <summary>Which node each page of the table is on (move_pages(2)); for checks and <c>numa check</c>-style reports.</summary>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public PlacementSummary QueryPlacement()
    {
        if (_control == null) ThrowDisposed();
        int slots = _mask + 1;
        return PlacementSummary.From([.. PagePlacement.Query(_control, (nuint)slots), .. PagePlacement.Query(_entries, (nuint)slots * (nuint)sizeof(Entry))]);
    }

    /// <summary>Gets the value for <paramref name="key"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetValue(in TKey key, out TValue value)
    {
        int i = Find(key);
        if (i < 0)
        {
            value = default;
            return false;
        }
        value = _entries[i].Value;
        return true;
    }

    /// <summary>True when <paramref name="key"/> is present.</summary>
    public bool ContainsKey(in TKey key) => Find(key) >= 0;

    /// <summary>A reference to the value for <paramref name="key"/> to read or update in place, or a null reference
    /// (<see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>) when absent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref TValue GetValueRefOrNullRef(in TKey key)
    {
        int i = Find(key);
        if (i < 0) return ref Unsafe.NullRef<TValue>();
        return ref _entries[i].Value;
    }

    /// <summary>A reference to the value for <paramref name="key"/>, inserting a zeroed value first when absent
    /// (<paramref name="exists"/> false). May grow the table, which invalidates earlier references.</summary>
    public ref TValue GetValueRefOrAddDefault(in TKey key, out bool exists)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ulong hash = Hash(key);
        byte tag = Tag(hash);
        int i = (int)(hash >> _shift);
        while (true)
        {
            byte c = _control[i];
            if (c == 0) break;
            if (c == tag && _entries[i].Key.Equals(key))
            {
                exists = true;
                return ref _entries[i].Value;
            }
            i = (i + 1) & _mask;
        }
        exists = false;
        if (_count >= _growAt)
        {
            Grow();
            i = (int)(hash >> _shift);
            while (_control[i] != 0) i = (i + 1) & _mask;
        }
        _control[i] = tag;
        _entries[i].Key = key;
        _entries[i].Value = default;
        _count++;
        return ref _entries[i].Value;
    }

    /// <summary>Sets the value for <paramref name="key"/>, inserting it when absent.</summary>
    public void Set(in TKey key, in TValue value) => GetValueRefOrAddDefault(key, out _) = value;

    /// <summary>Removes <paramref name="key"/>; false when it was absent.</summary>
    public bool Remove(in TKey key)
    {
        int i = Find(key);
        if (i < 0) return false;
        // Backward shift: pull later entries of the probe run into the hole unless their home slot lies (cyclically)
        // after the hole, where moving them would put them before their home.
        int hole = i;
        int j = (hole + 1) & _mask;
        while (_control[j] != 0)
        {
            int home = (int)(Hash(_entries[j].Key) >> _shift);
            if (((j - home) & _mask) >= ((j - hole) & _mask))
            {
                _control[hole] = _control[j];
                _entries[hole] = _entries[j];
                hole = j;
            }
            j = (j + 1) & _mask;
        }
        _control[hole] = 0;
        _count--;
        return true;
    }

    /// <summary>Removes every entry (keeps the table).</summary>
    public void Clear()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        new Span<byte>(_control, _mask + 1).Clear();
        _count = 0;
    }

    /// <summary>Enumerates the entries in table order (for snapshots); do not insert or remove meanwhile.</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>An allocation-free enumerator over (key, value) pairs.</summary>
    public struct Enumerator
    {
        private readonly StateStore<TKey, TValue> _store;
        private int _index;

        internal Enumerator(StateStore<TKey, TValue> store)
        {
            _store = store;
            _index = -1;
        }

        /// <summary>The current pair.</summary>
        public readonly KeyValuePair<TKey, TValue> Current => new(_store._entries[_index].Key, _store._entries[_index].Value);

        /// <summary>Moves to the next occupied slot.</summary>
        /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
        public bool MoveNext()
        {
            ObjectDisposedException.ThrowIf(_store._disposed, _store);
            while (++_index <= _store._mask)
                if (_store._control[_index] != 0) return true;
            return false;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Find(in TKey key)
    {
        ulong hash = Hash(key);
        byte tag = Tag(hash);
        int i = (int)(hash >> _shift);
        byte* control = _control;
        if (control == null) ThrowDisposed();
        while (true)
        {
            byte c = control[i];
            if (c == tag && _entries[i].Key.Equals(key)) return i;
            if (c == 0) return -1;
            i = (i + 1) & _mask;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowDisposed() => throw new ObjectDisposedException(GetType().Name);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Hash(in TKey key) => (ulong)(uint)key.GetHashCode() * 0x9E3779B97F4A7C15UL;

    // Bits below the index bits, with the high bit set so a full slot never reads as empty.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Tag(ulong hash) => (byte)(0x80 | (hash >> 24));

    private void Allocate(int slots)
    {
        var (control, entries) = AllocateTable(_arena, slots);
        Use(control, entries, slots);
    }

    // Both halves of a table, or nothing changed when the arena throws (out of memory, mbind refused).
    private static (nint Control, nint Entries) AllocateTable(NumaArena arena, int slots) =>
        ((nint)Unsafe.AsPointer(ref arena.AllocateSpan<byte>(slots, 64)[0]), (nint)Unsafe.AsPointer(ref arena.AllocateSpan<Entry>(slots, 64)[0]));

    private void Use(nint control, nint entries, int slots)
    {
        _control = (byte*)control;
        _entries = (Entry*)entries;
        _mask = slots - 1;
        _shift = 64 - BitOperations.Log2((uint)slots);
        _growAt = slots / 4 * 3;
    }

    private void Grow()
    {
        byte* oldControl = _control;
        Entry* oldEntries = _entries;
        int oldSlots = _mask + 1;
        if (oldSlots >= 1 << 30) throw new InvalidOperationException($"The state store is full at {_count} entries.");
        // With a node of its own, the new table goes into a fresh arena on that node, so the outgrown one can be
        // unmapped at once. Nothing changes until both halves of the new table are allocated: a failure leaves the
        // store as it was, its arena in place.
        NumaArena? fresh = _node?.CreateArena();
        (nint control, nint entries) table;
        try
        {
            table = AllocateTable(fresh ?? _arena, oldSlots * 2);
        }
        catch
        {
            fresh?.Dispose();
            throw;
        }
        NumaArena? oldArena = null;
        if (fresh is not null)
        {
            oldArena = _arena;
            _arena = fresh;
        }
        Use(table.control, table.entries, oldSlots * 2);
        for (int s = 0; s < oldSlots; s++)
        {
            if (oldControl[s] == 0) continue;
            ulong hash = Hash(oldEntries[s].Key);
            int i = (int)(hash >> _shift);
            while (_control[i] != 0) i = (i + 1) & _mask;
            _control[i] = oldControl[s];
            _entries[i] = oldEntries[s];
        }
        oldArena?.Dispose();
    }

    /// <summary>Frees the table when the store owns its arena; with a caller's arena the memory returns at its reset.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _control = null;
        _entries = null;
        _mask = 0;
        if (_node is not null) _arena.Dispose();
    }
}

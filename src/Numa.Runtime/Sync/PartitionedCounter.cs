// A counter split into one cache-line slot per CPU, each slot on its CPU's node: increments do not share
// lines, reads sum the slots.
using System.Runtime.CompilerServices;
using Numa.Memory;

namespace Numa.Sync;

/// <summary>
/// A 64-bit counter for hot paths: <see cref="Add"/> updates the slot of the CPU the thread runs on
/// (<see cref="Thread.GetCurrentProcessorId"/>), a 128-byte line that no other CPU writes, placed on that CPU's
/// node; <see cref="Sum"/> adds the slots. An increment is an uncontended atomic add on a local line instead of a
/// line bouncing between cores (libnumakit's partitioned counters; the "sloppy counter" of Boyd-Wickizer et al.,
/// "An Analysis of Linux Scalability to Many Cores", OSDI 2010, §4.3). <see cref="Sum"/> is not a snapshot: adds
/// that race with it may or may not be counted. A pinned worker that counts on its hot path claims an
/// <see cref="OwnedSlot"/> instead: a slot of its own on its node, incremented with a plain load and store.
/// </summary>
public sealed unsafe class PartitionedCounter : IDisposable
{
    private const int SlotBytes = 128;
    private readonly List<NumaArena> _arenas = [];
    private readonly Dictionary<int, NumaArena> _arenaByNode = [];
    private readonly nint[] _slotByCpu;   // slot address per CPU id; CPUs outside the topology use _spare
    private nint[] _slots;                // every slot, per-CPU and owned; replaced (copy on write) by ClaimSlot
    private readonly Lock _claimLock = new();
    private readonly NumaPlatform _platform;
    private long* _spare;

    /// <summary>A counter over <see cref="NumaPlatform.Current"/>'s CPUs.</summary>
    public PartitionedCounter() : this(NumaPlatform.Current) { }

    /// <summary>A counter with one slot per allowed CPU of <paramref name="platform"/>, each node's slots bound to it.</summary>
    public PartitionedCounter(NumaPlatform platform)
    {
        ArgumentNullException.ThrowIfNull(platform);
        _platform = platform;
        var topology = platform.Topology;
        _slotByCpu = new nint[topology.AllowedCpus.Max + 1];
        var slots = new List<nint>();
        foreach (var node in topology.CpuNodes)
        {
            var arena = new NumaArena(platform, new NumaArenaOptions { Nodes = [node.Id], ChunkBytes = Math.Max(4096, (node.Cpus.Count + 1) * SlotBytes) });
            _arenas.Add(arena);
            _arenaByNode[node.Id] = arena;
            var block = arena.AllocateSpan<byte>(node.Cpus.Count * SlotBytes, SlotBytes);
            fixed (byte* p = block)
            {
                for (int i = 0; i < node.Cpus.Count; i++)
                {
                    _slotByCpu[node.Cpus[i]] = (nint)(p + i * SlotBytes);
                    slots.Add((nint)(p + i * SlotBytes));
                }
            }
        }
        var spareArena = new NumaArena(platform, new NumaArenaOptions { Policy = MemoryPolicy.Interleave, ChunkBytes = 4096 });
        _arenas.Add(spareArena);
        _spare = (long*)spareArena.Allocate(SlotBytes, SlotBytes);
        *_spare = 0;
        slots.Add((nint)_spare);
        _slots = [.. slots];
    }

    /// <summary>Adds <paramref name="value"/> (atomically, on the current CPU's slot).</summary>
    /// <exception cref="ObjectDisposedException">The counter is disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(long value)
    {
        // The processor id is a cached hint: a thread that just migrated may land on another CPU's slot, which is
        // why the add is atomic. It stays uncontended in the common case, which is what makes it cheap.
        uint cpu = (uint)Thread.GetCurrentProcessorId();
        nint[] byCpu = _slotByCpu;
        long* slot = cpu < (uint)byCpu.Length && byCpu[cpu] != 0 ? (long*)byCpu[cpu] : Spare;
        Interlocked.Add(ref *slot, value);
    }

    /// <summary>Adds one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Increment() => Add(1);

    /// <summary>The sum of every slot.</summary>
    /// <exception cref="ObjectDisposedException">The counter is disposed.</exception>
    public long Sum()
    {
        // Under the lock Dispose takes, so a metrics thread summing never reads unmapped slots.
        lock (_claimLock)
        {
            ObjectDisposedException.ThrowIf(_spare == null, this);
            long sum = 0;
            foreach (nint slot in _slots) sum += Volatile.Read(ref *(long*)slot);
            return sum;
        }
    }

    /// <summary>Claims a slot for the calling thread alone, on the node it runs on (call it from a pinned worker
    /// after pinning). Its adds are a plain load and store, with no atomic instruction; <see cref="Sum"/> includes it.</summary>
    /// <exception cref="ObjectDisposedException">The counter is disposed.</exception>
    public OwnedSlot ClaimSlot()
    {
        lock (_claimLock)
        {
            ObjectDisposedException.ThrowIf(_spare == null, this);
            int node = _platform.CurrentNode();
            if (!_arenaByNode.TryGetValue(node, out var arena))
            {
                arena = new NumaArena(_platform, new NumaArenaOptions { Nodes = [node], ChunkBytes = 4096 });
                _arenas.Add(arena);
                _arenaByNode[node] = arena;
            }
            long* slot = (long*)arena.Allocate(SlotBytes, SlotBytes);
            *slot = 0;
            Volatile.Write(ref _slots, [.. _slots, (nint)slot]);
            return new OwnedSlot(this, slot);
        }
    }

    /// <summary>A counter slot that one thread owns: <see cref="Add"/> is a plain load and store. Valid while
    /// the counter is not disposed; use it from its owning thread only.</summary>
    public sealed class OwnedSlot
    {
        private readonly PartitionedCounter _counter;
        private readonly long* _slot;

        internal OwnedSlot(PartitionedCounter counter, long* slot)
        {
            _counter = counter;
            _slot = slot;
        }

        /// <summary>Adds <paramref name="value"/>. Owner thread only.</summary>
        /// <exception cref="ObjectDisposedException">The counter is disposed.</exception>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(long value)
        {
            if (_counter._spare == null) ThrowDisposed();
            Volatile.Write(ref *_slot, *_slot + value);
        }

        /// <summary>Adds one. Owner thread only.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Increment() => Add(1);

        /// <summary>This slot's own count.</summary>
        /// <exception cref="ObjectDisposedException">The counter is disposed.</exception>
        public long Value
        {
            get
            {
                if (_counter._spare == null) ThrowDisposed();
                return Volatile.Read(ref *_slot);
            }
        }

        internal nint Address => (nint)_slot;

        private static void ThrowDisposed() => throw new ObjectDisposedException(nameof(PartitionedCounter));
    }

    /// <summary>The address of <paramref name="cpu"/>'s slot, or 0 (for placement checks).</summary>
    internal nint SlotAddress(int cpu) => (uint)cpu < (uint)_slotByCpu.Length ? _slotByCpu[cpu] : 0;

    /// <summary>Number of slots: one per allowed CPU, one for CPUs outside the topology, and the owned ones.</summary>
    public int SlotCount => Volatile.Read(ref _slots).Length;

    private long* Spare => _spare != null ? _spare : throw new ObjectDisposedException(nameof(PartitionedCounter));

    /// <summary>Frees the slots. Must not race <see cref="Add"/> or an owned slot's adds.</summary>
    public void Dispose()
    {
        lock (_claimLock)
        {
            if (_spare == null) return;
            _spare = null;
            Array.Clear(_slotByCpu);
            foreach (var arena in _arenas) arena.Dispose();
        }
    }
}

// A node-bound bump allocator: chunks come from mmap, are bound with mbind before anything touches them
// (so first touch lands on the bound node), and are carved with an O(1) pointer bump. One owner thread.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Numa.Native;
using Numa.Topology;

namespace Numa.Memory;

/// <summary>
/// A bump allocator over page- or 2 MiB-aligned chunks mapped with <c>mmap(2)</c> and bound with <c>mbind(2)</c>
/// <i>before first touch</i>, so each page lands where the policy says. Allocation is a pointer bump (O(1));
/// memory is returned all at once by <see cref="Reset"/> or <see cref="Dispose"/>. Allocations larger than half
/// a chunk that do not fit in what is left of the current chunk get a mapping of their own, straight from the kernel.
/// </summary>
/// <remarks>
/// Not thread-safe: an arena belongs to one worker (thread-per-core), as Seastar's per-shard memory does.
/// Counters (<see cref="UsedBytes"/>, <see cref="ReservedBytes"/>) may be read from any thread.
/// When the platform does not bind (<see cref="BindingState"/> other than Active) chunks are plain mappings
/// and no binding syscall is made.
/// Sources: mbind(2), mmap(2), madvise(2) MADV_HUGEPAGE; Seastar <c>src/core/memory.cc</c>.
/// </remarks>
public sealed unsafe class NumaArena : IDisposable
{
    private readonly NumaPlatform _platform;
    private bool _hugePagesRefused;
    private readonly NodeMemory? _account;
    private readonly int[] _bindNodes;            // the node mask passed to mbind
    private readonly nuint _chunkBytes;
    private readonly nuint _chunkAlignment;
    private readonly NumaArenaOptions _options;

    // The current chunk is [_limit, _chunkEnd); allocations bump _cursor *down* from _chunkEnd towards _limit
    // ("always bump downwards": one add fewer than bumping up). With no chunk (fresh, reset or disposed)
    // _cursor and _limit are both null, so the fast path always falls through to the slow path.
    private byte* _cursor;
    private byte* _limit;
    private byte* _chunkEnd;
    private const nuint FastPathMaxAlignment = 4096;   // no page is smaller, so no chunk is aligned to less

    private readonly List<Mapping> _chunks = [];   // reused after Reset; _current indexes the one in use
    private int _current = -1;
    private readonly List<Mapping> _large = [];    // dedicated mappings, unmapped by Reset
    private long _usedBeforeCurrent;               // bytes handed out from chunks before _current
    private long _largeBytes;
    private long _reservedBytes;
    private bool _disposed;

    private readonly record struct Mapping(nint Address, nuint Length);

    /// <summary>Creates an arena with <paramref name="options"/> on <paramref name="platform"/>'s nodes.
    /// Maps nothing until the first allocation.</summary>
    /// <exception cref="NumaConfigurationException">The policy cannot be met: MPOL_BIND to a node without memory
    /// or outside Mems_allowed, no node given, Interleave over nodes none of which holds memory.</exception>
    /// <exception cref="ArgumentException">A node does not exist, or the options are inconsistent.</exception>
    public NumaArena(NumaPlatform platform, NumaArenaOptions options)
    {
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(options);
        _platform = platform;
        _options = options;
        Policy = options.Policy;
        var topology = platform.Topology;

        if (options.HugePages == HugePageMode.HugeTlbFs && string.IsNullOrEmpty(options.HugeTlbFsPath))
            throw new ArgumentException("HugePageMode.HugeTlbFs needs HugeTlbFsPath, a directory on a hugetlbfs mount such as /dev/hugepages.", nameof(options));
        if (options.ChunkBytes <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.ChunkBytes, "ChunkBytes must be positive.");
        if (options.HugePageBytes <= 0 || !System.Numerics.BitOperations.IsPow2(options.HugePageBytes))
            throw new ArgumentOutOfRangeException(nameof(options), options.HugePageBytes, "HugePageBytes must be a power of two.");

        int[] requested = ResolveNodes(topology, options);
        foreach (int node in requested) topology.GetNode(node); // throws for an unknown node
        _bindNodes = CheckPolicy(topology, options.Policy, requested, out string? note);
        PlacementNote = note;
        if (note is not null) platform.Logger.LogWarning("NUMA arena: {Note}", note);

        HomeNode = requested.Length == 1 ? requested[0] : null;
        nuint page = (nuint)Environment.SystemPageSize;
        _chunkAlignment = options.HugePages switch
        {
            HugePageMode.None => page,
            HugePageMode.Transparent => (nuint)(2 * NumaArenaOptions.MiB),
            _ => (nuint)options.HugePageBytes,
        };
        _chunkBytes = AlignUp((nuint)options.ChunkBytes, _chunkAlignment);
        if (HomeNode is int home) _account = platform.Node(home);
        _account?.Register(this);
    }

    /// <summary>The memory policy of the arena's chunks.</summary>
    public MemoryPolicy Policy { get; }

    /// <summary>The node named by a one-node policy (Preferred, Bind to one node); null for multi-node policies.</summary>
    public int? HomeNode { get; }

    /// <summary>The nodes the arena's pages are expected on when binding is active (the node mask given to mbind):
    /// the policy's nodes that hold memory, or for Preferred on a node without memory the nearest node with
    /// memory (the kernel rejects MPOL_PREFERRED to a memory-less node with EINVAL, so Numa falls back itself).</summary>
    public IReadOnlyList<int> ExpectedNodes => _bindNodes;

    /// <summary>Why pages may not land on the requested node (a memory-less node, say), or null.</summary>
    public string? PlacementNote { get; }

    /// <summary>True when the arena's chunks are bound with mbind (the platform's binding is active).</summary>
    public bool IsBound => _platform.Binding == BindingState.Active && Policy != MemoryPolicy.Default;

    /// <summary>Bytes handed out since creation or the last <see cref="Reset"/>, alignment padding included.
    /// Read from another thread while the owner allocates, it is a recent value, never a torn one below 0.</summary>
    public long UsedBytes
    {
        get
        {
            if (_disposed) return 0;
            // The owner moves to a new chunk (or resets) with _chunkEnd cleared first and set last, so a cursor read
            // between two equal reads of _chunkEnd belongs to that chunk, with its _usedBeforeCurrent.
            while (true)
            {
                byte* end = _chunkEnd;
                Interlocked.MemoryBarrier();
                byte* cursor = _cursor;
                long before = _usedBeforeCurrent;
                Interlocked.MemoryBarrier();
                if (_chunkEnd != end) continue;
                long inCurrent = cursor == null || end == null || end < cursor ? 0 : end - cursor;
                return before + inCurrent + Volatile.Read(ref _largeBytes);
            }
        }
    }

    /// <summary>Bytes mapped from the kernel (chunks and large allocations).</summary>
    public long ReservedBytes => Volatile.Read(ref _reservedBytes);

    /// <summary>Allocates <paramref name="size"/> bytes aligned to <paramref name="alignment"/> (a power of two,
    /// at most the chunk alignment). O(1): a pointer bump, a new chunk when the current one is full.
    /// The memory is zero when fresh from the kernel and unspecified after <see cref="Reset"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two or too large.</exception>
    /// <exception cref="ObjectDisposedException">The arena is disposed.</exception>
    /// <exception cref="NumaNativeException">mmap or mbind failed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void* Allocate(nuint size, nuint alignment = 16)
    {
        nuint cursor = (nuint)_cursor;
        nuint limit = (nuint)_limit;
        nuint p = (cursor - size) & ~(alignment - 1);
        // size - 1 >= cursor - limit: the chunk is too small, there is no chunk (cursor == limit == 0), or size is 0
        // (unsigned wrap; zero-byte requests take the slow path). p < limit: the alignment padding does not fit.
        // Alignments 1..4096 (powers of two, never above a chunk's alignment, which is at least a page) stay here;
        // 0 and larger ones go to the slow path, which checks them. The test folds away for a constant alignment.
        if (size - 1 < cursor - limit && p >= limit
            && (alignment & (alignment - 1)) == 0 && alignment - 1 < FastPathMaxAlignment)
        {
            _cursor = (byte*)p;
            return (void*)p;
        }
        return AllocateSlow(size, alignment);
    }

    /// <summary>Allocates one zeroed <typeparamref name="T"/> aligned to its natural alignment (at most 64 bytes)
    /// and returns a reference to it, valid until <see cref="Reset"/> or <see cref="Dispose"/>.</summary>
    public ref T Allocate<T>() where T : unmanaged
    {
        void* p = Allocate((nuint)sizeof(T), AlignmentOf<T>());
        Unsafe.InitBlockUnaligned(p, 0, (uint)sizeof(T));
        return ref Unsafe.AsRef<T>(p);
    }

    /// <summary>Allocates <paramref name="count"/> zeroed <typeparamref name="T"/>s aligned to
    /// <paramref name="alignment"/> bytes (0: the natural alignment of T, at most 64), valid until
    /// <see cref="Reset"/> or <see cref="Dispose"/>. Zeroing touches the pages, so they are placed now.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> or <paramref name="alignment"/> is negative.</exception>
    public Span<T> AllocateSpan<T>(int count, int alignment = 0) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(alignment);
        nuint bytes = (nuint)sizeof(T) * (nuint)count;
        void* p = Allocate(bytes, alignment == 0 ? AlignmentOf<T>() : (nuint)alignment);
        var span = new Span<T>(p, count);
        span.Clear();
        return span;
    }

    /// <summary>Like <see cref="Allocate{T}()"/>, as a handle that can be kept in a field.</summary>
    public ArenaRef<T> AllocateRef<T>() where T : unmanaged => new((T*)Unsafe.AsPointer(ref Allocate<T>()));

    /// <summary>Like <see cref="AllocateSpan{T}"/>, as a handle that can be kept in a field.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public ArenaArray<T> AllocateArray<T>(int count) where T : unmanaged
    {
        Span<T> span = AllocateSpan<T>(count);
        return new ArenaArray<T>((T*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span)), count);
    }

    private static nuint AlignmentOf<T>() where T : unmanaged
    {
        nuint size = (nuint)sizeof(T);
        nuint a = 1;
        while (a < size && a < 64) a <<= 1;
        return a;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void* AllocateSlow(nuint size, nuint alignment)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (alignment == 0 || (alignment & (alignment - 1)) != 0)
            throw new ArgumentException($"Alignment {alignment} is not a power of two.", nameof(alignment));
        if (alignment > _chunkAlignment)
            throw new ArgumentException($"Alignment {alignment} is larger than the arena's chunk alignment {_chunkAlignment}.", nameof(alignment));
        if ((ulong)size > long.MaxValue / 2) throw new ArgumentOutOfRangeException(nameof(size), size, "The size is too large.");

        if (size > _chunkBytes / 2)
        {
            nuint length = AlignUp(size, _chunkAlignment);
            void* p = MapBound(length, "a large arena allocation");
            _large.Add(new Mapping((nint)p, length));
            _largeBytes += (long)length;
            return p;
        }

        if (_cursor != null && TryBump(size, alignment, out void* fits)) return fits;
        while (true)
        {
            // Move to the next chunk, mapping it when Reset left none; then retire the current one. A failed map
            // (mmap or mbind refused) leaves the arena as it was.
            int next = _current + 1;
            if (next == _chunks.Count)
            {
                void* chunk = MapBound(_chunkBytes, "an arena chunk");
                _chunks.Add(new Mapping((nint)chunk, _chunkBytes));
            }
            byte* oldEnd = _chunkEnd;
            _chunkEnd = null;                           // UsedBytes: no current chunk while the fields change
            Interlocked.MemoryBarrier();
            if (_cursor != null) _usedBeforeCurrent += oldEnd - _cursor;
            _current = next;
            var m = _chunks[_current];
            _limit = (byte*)m.Address;
            _cursor = _limit + m.Length;
            Interlocked.MemoryBarrier();
            _chunkEnd = _cursor;
            if (TryBump(size, alignment, out void* p)) return p;
        }
    }

    private bool TryBump(nuint size, nuint alignment, out void* result)
    {
        nuint cursor = (nuint)_cursor;
        nuint p = (cursor - size) & ~(alignment - 1);
        if (size <= cursor - (nuint)_limit && p >= (nuint)_limit)
        {
            _cursor = (byte*)p;
            result = (void*)p;
            return true;
        }
        result = null;
        return false;
    }

    /// <summary>Which node holds each page the arena has mapped (chunks and large allocations; move_pages(2) with
    /// nodes = NULL): what a placement check of everything allocated here compares with <see cref="ExpectedNodes"/>.
    /// Pages never touched count as not present. Call it on the thread that allocates (the arena is not thread-safe).</summary>
    /// <exception cref="ObjectDisposedException">The arena is disposed.</exception>
    public PlacementSummary QueryPlacement()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var statuses = new List<int>();
        foreach (var m in _chunks) statuses.AddRange(PagePlacement.Query((void*)m.Address, m.Length));
        foreach (var m in _large) statuses.AddRange(PagePlacement.Query((void*)m.Address, m.Length));
        return PlacementSummary.From(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(statuses));
    }

    /// <summary>Returns every allocation at once: chunks are kept (and stay bound) for reuse, large allocations
    /// are unmapped. References handed out before are invalid afterwards.</summary>
    /// <exception cref="ObjectDisposedException">The arena is disposed.</exception>
    public void Reset()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var m in _large) UnmapCounted(m);
        _large.Clear();
        _largeBytes = 0;
        _usedBeforeCurrent = 0;
        _current = -1;
        _cursor = _limit = _chunkEnd = null;
    }

    /// <summary>Unmaps every chunk and large allocation.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _cursor = _limit = _chunkEnd = null;
        foreach (var m in _large) UnmapCounted(m);
        foreach (var m in _chunks) UnmapCounted(m);
        _large.Clear();
        _chunks.Clear();
        _account?.Unregister(this);
    }

    private void UnmapCounted(Mapping m)
    {
        NumaSyscalls.Unmap((void*)m.Address, m.Length);
        Interlocked.Add(ref _reservedBytes, -(long)m.Length);
    }

    // MADV_HUGEPAGE is advice: a kernel without transparent huge pages (CONFIG_TRANSPARENT_HUGEPAGE off) answers
    // EINVAL, and the region keeps base pages, as HugePageMode.Transparent promises; said once per arena.
    private void AdviseHugePages(void* p, nuint length, string what)
    {
        try
        {
            NumaSyscalls.Advise(p, length, LibC.MADV_HUGEPAGE, $"advising huge pages for {what}");
        }
        catch (NumaNativeException e) when (e.Errno == Errno.EINVAL)
        {
            if (!_hugePagesRefused)
                _platform.Logger.LogWarning("NUMA arena: the kernel refused MADV_HUGEPAGE ({Message}); this arena uses base pages", e.Message);
            _hugePagesRefused = true;
        }
    }

    // Maps a region aligned to the chunk alignment, binds it (before anything touches it), advises huge pages.
    private void* MapBound(nuint length, string what)
    {
        void* p = _options.HugePages == HugePageMode.HugeTlbFs ? MapHugeTlbFs(length, what) : MapAligned(length, what);
        try
        {
            if (IsBound) Bind(p, length, what);
            if (_options.HugePages == HugePageMode.Transparent) AdviseHugePages(p, length, what);
        }
        catch
        {
            NumaSyscalls.Unmap(p, length);
            throw;
        }
        Interlocked.Add(ref _reservedBytes, (long)length);
        return p;
    }

    private void* MapAligned(nuint length, string what)
    {
        nuint page = (nuint)Environment.SystemPageSize;
        if (_chunkAlignment <= page) return NumaSyscalls.Map(length, -1, $"mapping {length} bytes for {what}");
        // Over-map by the alignment and trim both ends so the region starts on an aligned boundary.
        nuint total = length + _chunkAlignment;
        byte* raw = (byte*)NumaSyscalls.Map(total, -1, $"mapping {total} bytes for {what}");
        byte* start = (byte*)AlignUp((nuint)raw, _chunkAlignment);
        nuint head = (nuint)(start - raw);
        nuint tail = total - head - length;
        if (head > 0) NumaSyscalls.Unmap(raw, head);
        if (tail > 0) NumaSyscalls.Unmap(start + length, tail);
        return start;
    }

    private void* MapHugeTlbFs(nuint length, string what)
    {
        string dir = _options.HugeTlbFsPath!;
        string path = Path.Combine(dir, $"numa-arena-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
            RandomAccess.SetLength(handle, (long)length);
            return NumaSyscalls.Map(length, (int)handle.DangerousGetHandle(), $"mapping {length} bytes of hugetlbfs file {path} for {what}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NumaConfigurationException($"Cannot create a {length}-byte huge page file in {dir}: {e.Message} " +
                "Check that the directory is on a hugetlbfs mount and that the node's pool has free pages (nr_hugepages).");
        }
        finally
        {
            // The mapping keeps the pages; the name is not needed once mapped.
            try { File.Delete(path); } catch (IOException) { }
        }
    }

    private void Bind(void* p, nuint length, string what)
    {
        try
        {
            NumaSyscalls.MBind(p, length, (int)Policy, _bindNodes, 0,
                $"binding {length} bytes for {what} with {PolicyName(Policy)} to nodes {CpuSet.FormatList(_bindNodes)}");
        }
        catch (NumaNativeException e) when (e.IsNumaUnavailable)
        {
            _platform.MarkBindingUnavailable(e);
        }
        catch (NumaNativeException e) when (e.Errno == Errno.EINVAL && Policy == MemoryPolicy.PreferredMany)
        {
            throw new NumaConfigurationException($"{e.Message}. MPOL_PREFERRED_MANY needs Linux 5.15 or later; use Preferred or Bind instead.");
        }
    }

    private static int[] ResolveNodes(NumaTopology topology, NumaArenaOptions options)
    {
        if (options.Nodes is { Count: > 0 } nodes) return [.. nodes.Distinct().Order()];
        return options.Policy switch
        {
            MemoryPolicy.Interleave => [.. topology.MemoryNodes.Select(n => n.Id)],
            MemoryPolicy.Default or MemoryPolicy.Local => [],
            _ => throw new NumaConfigurationException($"{PolicyName(options.Policy)} needs at least one node in NumaArenaOptions.Nodes."),
        };
    }

    // Validates the policy against the topology and says where pages are expected to land.
    private static int[] CheckPolicy(NumaTopology topology, MemoryPolicy policy, int[] nodes, out string? note)
    {
        note = null;
        switch (policy)
        {
            case MemoryPolicy.Default:
            case MemoryPolicy.Local:
                return [];
            case MemoryPolicy.Preferred:
                if (nodes.Length != 1)
                    throw new NumaConfigurationException($"MPOL_PREFERRED takes exactly one node; got {CpuSet.FormatList(nodes)}. Use PreferredMany for several.");
                var preferred = topology.GetNode(nodes[0]);
                if (preferred.CanHoldMemory) return nodes;
                var nearest = topology.NearestMemoryNodes(preferred.Id);
                if (nearest.Count == 0)
                    throw new NumaConfigurationException($"MPOL_PREFERRED to node {preferred.Id}: no node holds allowed memory.");
                int fallback = nearest[0];
                note = $"node {preferred.Id} {(preferred.HasMemory ? "is outside Mems_allowed" : "has no memory")}: MPOL_PREFERRED falls back to node {fallback}, the nearest node with memory (distance {topology.Distance(preferred.Id, fallback)}).";
                return [fallback];
            case MemoryPolicy.Bind:
                foreach (int id in nodes)
                {
                    var n = topology.GetNode(id);
                    if (!n.HasMemory)
                        throw new NumaConfigurationException($"Cannot bind memory to node {id}: it has no memory (a memory-less node). Bind to a node with memory ({FormatMemoryNodes(topology)}) or use MemoryPolicy.Preferred, which falls back to the nearest one.");
                    if (!n.IsMemoryAllowed)
                        throw new NumaConfigurationException($"Cannot bind memory to node {id}: it is not in this process's Mems_allowed_list (the cgroup's cpuset.mems). Allowed nodes with memory: {FormatMemoryNodes(topology)}.");
                }
                return nodes;
            case MemoryPolicy.Interleave:
            case MemoryPolicy.PreferredMany:
                var usable = nodes.Where(id => topology.GetNode(id).CanHoldMemory).ToArray();
                if (usable.Length == 0)
                    throw new NumaConfigurationException($"{PolicyName(policy)} over nodes {CpuSet.FormatList(nodes)}: none of them holds allowed memory. Nodes with memory: {FormatMemoryNodes(topology)}.");
                if (usable.Length < nodes.Length)
                    note = $"{PolicyName(policy)}: nodes {CpuSet.FormatList(nodes.Except(usable).ToArray())} hold no allowed memory; pages go to {CpuSet.FormatList(usable)}.";
                return usable;
            default:
                throw new ArgumentOutOfRangeException(nameof(policy), policy, "Unknown memory policy.");
        }
    }

    private static string FormatMemoryNodes(NumaTopology topology) =>
        CpuSet.FormatList(topology.MemoryNodes.Select(n => n.Id).ToArray()) is { Length: > 0 } s ? s : "none";

    /// <summary>The kernel's name of <paramref name="policy"/> (<c>MPOL_PREFERRED</c>).</summary>
    public static string PolicyName(MemoryPolicy policy) => policy switch
    {
        MemoryPolicy.Default => "MPOL_DEFAULT",
        MemoryPolicy.Preferred => "MPOL_PREFERRED",
        MemoryPolicy.Bind => "MPOL_BIND",
        MemoryPolicy.Interleave => "MPOL_INTERLEAVE",
        MemoryPolicy.Local => "MPOL_LOCAL",
        MemoryPolicy.PreferredMany => "MPOL_PREFERRED_MANY",
        _ => policy.ToString(),
    };

    private static nuint AlignUp(nuint value, nuint alignment) => (value + alignment - 1) & ~(alignment - 1);
}

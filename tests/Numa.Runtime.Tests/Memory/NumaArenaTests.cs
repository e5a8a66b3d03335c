// The arena's allocator behaviour on the real kernel of the test machine: alignment, chunks, large
// allocations, reset, dispose, counters, and placement as move_pages reports it.
using System.Runtime.CompilerServices;
using Numa.Memory;
using Numa.Native;

namespace Numa.Tests.Memory;

public sealed unsafe class NumaArenaTests
{
    private static readonly NumaPlatform s_platform = NumaPlatform.Current;
    private static int HomeNode => s_platform.Topology.MemoryNodes[0].Id;
    private static NumaArena NewArena(long chunkBytes = 64 * 1024) =>
        new(s_platform, new NumaArenaOptions { Nodes = [HomeNode], ChunkBytes = chunkBytes });

    [Fact]
    public void Allocations_are_aligned_and_do_not_overlap()
    {
        using var arena = NewArena();
        var blocks = new List<(nuint Start, nuint Size)>();
        var random = new Random(7);
        for (int i = 0; i < 2000; i++)
        {
            nuint size = (nuint)random.Next(1, 300);
            nuint alignment = (nuint)1 << random.Next(0, 7);
            nuint p = (nuint)arena.Allocate(size, alignment);
            Assert.Equal((nuint)0, p % alignment);
            blocks.Add((p, size));
        }

        blocks.Sort((a, b) => a.Start.CompareTo(b.Start));
        for (int i = 1; i < blocks.Count; i++)
            Assert.True(blocks[i - 1].Start + blocks[i - 1].Size <= blocks[i].Start, $"block {i - 1} overlaps block {i}");
    }

    [Fact]
    public void Consecutive_allocations_are_contiguous_within_a_chunk()
    {
        using var arena = NewArena();

        byte* a = (byte*)arena.Allocate(64, 64);
        byte* b = (byte*)arena.Allocate(64, 64);

        Assert.Equal(64, Math.Abs(b - a));
        Assert.Equal(128, arena.UsedBytes);
        Assert.Equal(64 * 1024, arena.ReservedBytes);
    }

    [Fact]
    public void A_full_chunk_is_followed_by_a_new_one()
    {
        using var arena = NewArena(chunkBytes: 64 * 1024);

        for (int i = 0; i < 1024; i++) arena.Allocate(64, 64); // exactly one chunk
        Assert.Equal(64 * 1024, arena.ReservedBytes);
        arena.Allocate(64, 64);

        Assert.Equal(2 * 64 * 1024, arena.ReservedBytes);
        Assert.Equal(1025 * 64, arena.UsedBytes);
    }

    [Fact]
    public void Chunks_are_page_aligned_and_chunk_size_is_rounded_to_pages()
    {
        using var arena = NewArena(chunkBytes: 10_000);

        nuint p = (nuint)arena.Allocate(1, 1);

        // The arena bumps down, so the first byte handed out is the chunk's last: the chunk ends on a page boundary.
        Assert.Equal((nuint)0, (p + 1) % (nuint)Environment.SystemPageSize);
        Assert.Equal(3 * 4096, arena.ReservedBytes);
    }

    [Fact]
    public void Large_allocations_get_their_own_mapping_and_reset_returns_them()
    {
        using var arena = NewArena(chunkBytes: 64 * 1024);
        arena.Allocate(16);
        long afterSmall = arena.ReservedBytes;

        byte* big = (byte*)arena.Allocate(1024 * 1024, 4096);
        big[1024 * 1024 - 1] = 42;

        Assert.Equal(afterSmall + 1024 * 1024, arena.ReservedBytes);
        Assert.Equal(16 + 1024 * 1024, arena.UsedBytes);
        arena.Reset();
        Assert.Equal(afterSmall, arena.ReservedBytes);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void Reset_reuses_the_chunks_from_the_start()
    {
        using var arena = NewArena(chunkBytes: 64 * 1024);
        void* first = arena.Allocate(100);
        for (int i = 0; i < 3000; i++) arena.Allocate(64);
        long reserved = arena.ReservedBytes;

        arena.Reset();
        void* again = arena.Allocate(100);
        for (int i = 0; i < 3000; i++) arena.Allocate(64);

        Assert.Equal((nint)first, (nint)again);
        Assert.Equal(reserved, arena.ReservedBytes);
    }

    [Fact]
    public void Typed_allocations_are_zeroed_even_after_reset()
    {
        using var arena = NewArena();
        var span = arena.AllocateSpan<long>(16);
        span.Fill(-1);
        arena.Reset();

        var again = arena.AllocateSpan<long>(16);
        ref var one = ref arena.Allocate<Guid>();

        Assert.All(again.ToArray(), v => Assert.Equal(0, v));
        Assert.Equal(Guid.Empty, one);
        Assert.Equal(0, (nint)Unsafe.AsPointer(ref one) % 16);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(48)]
    public void Alignment_must_be_a_power_of_two(int alignment)
    {
        using var arena = NewArena();

        var e = Assert.Throws<ArgumentException>(() => arena.Allocate(8, (nuint)alignment));

        Assert.Contains("not a power of two", e.Message);
    }

    [Theory]
    [InlineData(ulong.MaxValue)]
    [InlineData(ulong.MaxValue - 7)]
    [InlineData(1UL << 62)]
    public void Absurd_sizes_are_refused_rather_than_wrapping_onto_live_memory(ulong size)
    {
        using var arena = NewArena();
        arena.Allocate(16, 16);

        Assert.Throws<ArgumentOutOfRangeException>(() => arena.Allocate((nuint)size, 16));
    }

    [Fact]
    public void Zero_byte_allocations_return_an_aligned_pointer_in_every_state_and_throw_once_disposed()
    {
        // The fast path sends zero-byte requests to the slow path (size - 1 wraps); check each arena state.
        var arena = NewArena();
        nuint fresh = (nuint)arena.Allocate(0, 64);
        nuint afterOne = (nuint)arena.Allocate(0, 1);
        arena.Allocate(24, 8);
        nuint inChunk = (nuint)arena.Allocate(0, 32);
        arena.Reset();
        nuint afterReset = (nuint)arena.Allocate(0, 16);

        Assert.All(new[] { fresh, afterOne, inChunk, afterReset }, p => Assert.NotEqual((nuint)0, p));
        Assert.Equal((nuint)0, fresh % 64);
        Assert.Equal((nuint)0, inChunk % 32);
        Assert.Equal((nuint)0, afterReset % 16);
        arena.Dispose();
        Assert.Throws<ObjectDisposedException>(() => arena.Allocate(0, 1));
    }

    [Fact]
    public void Alignment_above_the_chunk_alignment_is_rejected()
    {
        using var arena = NewArena();

        Assert.Throws<ArgumentException>(() => arena.Allocate(8, 1 << 20));
        // With a 64 KiB chunk in use, which always holds an 8 KiB boundary: refused all the same (chunks are
        // page-aligned).
        arena.Allocate(8, 16);
        Assert.Throws<ArgumentException>(() => arena.Allocate(8, 1 << 20));
        Assert.Throws<ArgumentException>(() => arena.Allocate(8, 1 << 13));
    }

    [Fact]
    public void A_disposed_arena_refuses_allocations_and_returns_its_memory()
    {
        var arena = NewArena();
        arena.Allocate(64);
        var account = s_platform.Node(HomeNode);
        Assert.True(account.Holds(arena));

        arena.Dispose();

        Assert.Throws<ObjectDisposedException>(() => arena.Allocate(64));
        Assert.Equal(0, arena.ReservedBytes);
        Assert.False(account.Holds(arena)); // other tests' arenas come and go in parallel: ask about this one
        arena.Dispose(); // idempotent
    }

    [Fact]
    public void Node_accounts_sum_their_arenas()
    {
        var account = s_platform.Node(HomeNode);
        using var arena = account.CreateArena(chunkBytes: 64 * 1024);

        arena.Allocate(1000);

        Assert.Equal(HomeNode, arena.HomeNode);
        Assert.True(account.ReservedBytes >= 64 * 1024);
        Assert.True(account.UsedBytes >= 1000);
    }

    [Fact]
    public void Transparent_huge_page_chunks_are_2_mib_aligned()
    {
        using var arena = new NumaArena(s_platform, new NumaArenaOptions { Nodes = [HomeNode], HugePages = HugePageMode.Transparent, ChunkBytes = 1 });

        // A whole 2 MiB chunk at once: the allocation is the chunk, so its address is the chunk's.
        nuint p = (nuint)arena.Allocate(1024 * 1024, 4096);
        nuint q = (nuint)arena.Allocate(1024 * 1024, 4096);

        Assert.Equal((nuint)0, Math.Min(p, q) % (2 * 1024 * 1024));
        Assert.Equal(2 * 1024 * 1024, arena.ReservedBytes);
    }

    [Fact]
    public void Touched_pages_are_on_the_home_node_and_untouched_pages_are_not_present()
    {
        using var arena = NewArena(chunkBytes: 1024 * 1024);
        int page = Environment.SystemPageSize;
        byte* p = (byte*)arena.Allocate((nuint)(16 * page), (nuint)page);
        for (int i = 0; i < 8; i++) p[i * page] = 1;

        int[] status = PagePlacement.Query(p, (nuint)(16 * page));

        Assert.Equal(16, status.Length);
        Assert.All(status[..8], s => Assert.Equal(HomeNode, s));
        Assert.All(status[8..], s => Assert.Equal(-Errno.ENOENT, s));
        var summary = PlacementSummary.From(status);
        Assert.Equal(8, summary.PagesOn(HomeNode));
        Assert.Equal(8, summary.NotPresent);
        Assert.Equal(1.0, summary.FractionOn([HomeNode]));
    }

    [Fact]
    public void Page_queries_cover_every_page_a_range_overlaps()
    {
        using var arena = NewArena(chunkBytes: 1024 * 1024);
        int page = Environment.SystemPageSize;
        byte* p = (byte*)arena.Allocate((nuint)(4 * page), (nuint)page);

        Assert.Equal(2, PagePlacement.Query(p + page - 1, 2).Length);
        Assert.Single(PagePlacement.Query(p + 10, 100));
        Assert.Empty(PagePlacement.Query(p, 0));
    }

    [Fact]
    public void Unmapped_pages_report_efault()
    {
        // Below vm.mmap_min_addr (64 KiB by default) nothing can ever be mapped, so no parallel test can race us
        // there the way a freshly unmapped page could be reused by another thread's mmap.
        int[] status = PagePlacement.Query((void*)(4 * Environment.SystemPageSize), 1);

        Assert.Equal(-Errno.EFAULT, Assert.Single(status));
    }

    [Fact]
    public void A_policy_needs_nodes()
    {
        var e = Assert.Throws<NumaConfigurationException>(() => new NumaArena(s_platform, new NumaArenaOptions { Policy = MemoryPolicy.Bind }));

        Assert.Contains("MPOL_BIND needs at least one node", e.Message);
    }

    [Fact]
    public void An_unknown_node_is_rejected_with_the_list_of_nodes()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new NumaArena(s_platform, new NumaArenaOptions { Nodes = [999] }));

        Assert.Contains("There is no NUMA node 999", e.Message);
    }

    [Fact]
    public void Hugetlbfs_mode_needs_a_path()
    {
        Assert.Throws<ArgumentException>(() => new NumaArena(s_platform, new NumaArenaOptions { Nodes = [HomeNode], HugePages = HugePageMode.HugeTlbFs }));
    }

    [Fact]
    public void A_hugetlbfs_path_that_is_not_usable_gives_a_clear_error()
    {
        string missing = Path.Combine(Path.GetTempPath(), "numa-no-such-dir-" + Guid.NewGuid().ToString("N"));
        using var arena = new NumaArena(s_platform, new NumaArenaOptions { Nodes = [HomeNode], HugePages = HugePageMode.HugeTlbFs, HugeTlbFsPath = missing });

        var e = Assert.Throws<NumaConfigurationException>(() => arena.Allocate(64));

        Assert.Contains(missing, e.Message);
        Assert.Contains("hugetlbfs", e.Message);
    }

    [Fact]
    public void A_chunk_that_cannot_be_mapped_leaves_the_arena_as_it_was()
    {
        // The mapping fails every time (the hugetlbfs directory does not exist): each try must report that cause,
        // not an index error from a half-advanced chunk list, and count nothing as used.
        string missing = Path.Combine(Path.GetTempPath(), "numa-no-such-dir-" + Guid.NewGuid().ToString("N"));
        using var arena = new NumaArena(s_platform, new NumaArenaOptions { Nodes = [HomeNode], HugePages = HugePageMode.HugeTlbFs, HugeTlbFsPath = missing });

        for (int attempt = 0; attempt < 3; attempt++)
            Assert.Throws<NumaConfigurationException>(() => arena.Allocate(64));

        Assert.Equal(0, arena.UsedBytes);
        Assert.Equal(0, arena.ReservedBytes);
    }
}

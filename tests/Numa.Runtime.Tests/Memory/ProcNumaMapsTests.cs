// PagePlacement's fallback for pages move_pages(2) answers with -EFAULT (Linux 6.1 under automatic NUMA
// balancing): the numa_maps parser on fixture text, and the resolution on this process's real memory.
using Numa.Memory;
using Numa.Native;

namespace Numa.Tests.Memory;

public sealed unsafe class ProcNumaMapsTests
{
    private const string Maps = """
        00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/dbus-daemon
        7f0000000000-7f0000010000 rw-p 00000000 00:00 0
        7f0000010000-7f0000020000 rw-p 00000000 00:00 0
        7f0000020000-7f0000030000 rw-p 00000000 00:00 0
        7f0000030000-7f0000040000 rw-p 00000000 00:00 0
        not a mapping line
        """;

    private const string NumaMaps = """
        00400000 default file=/usr/bin/dbus-daemon mapped=18 N0=18 kernelpagesize_kB=4
        7f0000000000 default anon=16 dirty=16 active=0 N1=16 kernelpagesize_kB=4
        7f0000010000 interleave:0-1 anon=16 dirty=16 N0=8 N1=8 kernelpagesize_kB=4
        7f0000020000 default
        7f0000030000 bind:3 anon=2 dirty=2 N3=2 kernelpagesize_kB=4
        garbage N0=
        """;

    private static int? NodeOf(ProcNumaMaps maps, nuint address) => maps.Find(address)?.OnlyNode;

    [Fact]
    public void A_mapping_with_all_its_pages_on_one_node_names_that_node()
    {
        var maps = ProcNumaMaps.Parse(Maps, NumaMaps, Maps);

        Assert.Equal(0, NodeOf(maps, 0x00400000));
        Assert.Equal(0, NodeOf(maps, 0x00451fff));
        Assert.Equal(1, NodeOf(maps, unchecked((nuint)0x7f0000000000)));
        Assert.Equal(1, NodeOf(maps, unchecked((nuint)0x7f000000ffff)));
        Assert.Equal(3, NodeOf(maps, unchecked((nuint)0x7f0000035000)));
    }

    [Fact]
    public void Several_nodes_nothing_resident_or_no_mapping_name_no_node()
    {
        var maps = ProcNumaMaps.Parse(Maps, NumaMaps, Maps);

        Assert.Equal(-1, NodeOf(maps, unchecked((nuint)0x7f0000018000)));  // N0=8 N1=8
        Assert.Equal(-1, NodeOf(maps, unchecked((nuint)0x7f0000020000)));  // no N<node>= at all
        Assert.Null(NodeOf(maps, 0x00452000));                              // the end is exclusive
        Assert.Null(NodeOf(maps, 0x1000));
        Assert.Equal(5, maps.Mappings.Count);
    }

    [Fact]
    public void A_mapping_that_changed_between_the_two_reads_of_maps_is_not_attributed()
    {
        // Another thread merged the first two anonymous mappings while numa_maps was being read.
        string after = Maps.Replace("7f0000000000-7f0000010000 rw-p 00000000 00:00 0\n7f0000010000-7f0000020000", "7f0000000000-7f0000020000", StringComparison.Ordinal);
        Assert.NotEqual(Maps, after);

        var maps = ProcNumaMaps.Parse(Maps, NumaMaps, after);

        Assert.Null(NodeOf(maps, unchecked((nuint)0x7f0000000000)));
        Assert.Null(NodeOf(maps, unchecked((nuint)0x7f0000018000)));
        Assert.Equal(0, NodeOf(maps, 0x00400000));
        Assert.Equal(3, maps.Mappings.Count);
    }

    [Theory]
    [InlineData(-Errno.EFAULT)]
    [InlineData(-Errno.ENOENT)]
    public void Absent_statuses_become_the_node_for_resident_pages_and_ENOENT_for_untouched_ones(int answer)
    {
        int page = Environment.SystemPageSize;
        int home = NumaPlatform.Current.Topology.MemoryNodes[0].Id;
        byte* p = (byte*)NumaSyscalls.Map((nuint)(8 * page), -1, "test");
        try
        {
            for (int i = 0; i < 4; i++) p[i * page] = 1;
            // What Linux 6.1 answers for pages NUMA balancing has marked (and, with -EFAULT, for untouched ones).
            int[] status = Enumerable.Repeat(answer, 8).ToArray();

            PagePlacement.ResolveAbsentPages((nuint)p, (nuint)page, status, ProcNumaMaps.ReadCurrentProcess);

            Assert.Equal([home, home, home, home, -Errno.ENOENT, -Errno.ENOENT, -Errno.ENOENT, -Errno.ENOENT], status);
        }
        finally
        {
            NumaSyscalls.Unmap(p, (nuint)(8 * page));
        }
    }

    [Fact]
    public void A_page_only_read_maps_the_shared_zero_page_and_stays_untouched()
    {
        int page = Environment.SystemPageSize;
        byte* p = (byte*)NumaSyscalls.Map((nuint)(2 * page), -1, "test");
        try
        {
            p[0] = 1;
            Assert.Equal(0, Volatile.Read(ref p[page]));
            int[] status = [-Errno.ENOENT, -Errno.ENOENT];

            PagePlacement.ResolveAbsentPages((nuint)p, (nuint)page, status, ProcNumaMaps.ReadCurrentProcess);

            Assert.Equal(NumaPlatform.Current.Topology.MemoryNodes[0].Id, status[0]);
            Assert.Equal(-Errno.ENOENT, status[1]);
        }
        finally
        {
            NumaSyscalls.Unmap(p, (nuint)(2 * page));
        }
    }

    [Fact]
    public void Resident_pages_of_a_mapping_on_several_nodes_and_unmapped_pages_keep_the_kernels_answer()
    {
        int page = Environment.SystemPageSize;
        byte* p = (byte*)NumaSyscalls.Map((nuint)(2 * page), -1, "test");
        try
        {
            p[0] = 1;
            string range = $"{(nuint)p:x}-{(nuint)p + (nuint)(2 * page):x} rw-p 00000000 00:00 0\n";
            var spread = ProcNumaMaps.Parse(range, $"{(nuint)p:x} default anon=2 N0=1 N1=1\n", range);
            int[] status = [-Errno.EFAULT, -Errno.EFAULT];

            PagePlacement.ResolveAbsentPages((nuint)p, (nuint)page, status, () => spread);

            Assert.Equal([-Errno.EFAULT, -Errno.ENOENT], status);
        }
        finally
        {
            NumaSyscalls.Unmap(p, (nuint)(2 * page));
        }

        // Below vm.mmap_min_addr nothing is ever mapped: no pagemap entry is present, no mapping contains it.
        int[] unmapped = [-Errno.EFAULT, -Errno.EFAULT];
        PagePlacement.ResolveAbsentPages((nuint)(4 * page), (nuint)page, unmapped, ProcNumaMaps.ReadCurrentProcess);
        Assert.Equal([-Errno.EFAULT, -Errno.EFAULT], unmapped);
    }
}

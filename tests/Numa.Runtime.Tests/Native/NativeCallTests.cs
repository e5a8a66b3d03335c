// Kernel calls fail with the call's name and errno, on the real kernel of the test machine.
using Numa.Memory;
using Numa.Native;

namespace Numa.Tests.Native;

public sealed unsafe class NativeCallTests
{
    [Fact]
    public void Mbind_to_a_node_that_does_not_exist_fails_with_einval_naming_the_call()
    {
        nuint length = (nuint)Environment.SystemPageSize;
        void* p = NumaSyscalls.Map(length, -1, "test");
        try
        {
            var e = Assert.Throws<NumaNativeException>(() =>
                NumaSyscalls.MBind(p, length, (int)MemoryPolicy.Bind, [NumaSyscalls.MaxNodes - 1], 0, "binding a test page"));

            Assert.Equal("mbind", e.Call);
            Assert.Equal(Errno.EINVAL, e.Errno);
            Assert.False(e.IsNumaUnavailable);
            Assert.StartsWith("mbind failed: EINVAL (", e.Message);
            Assert.EndsWith("while binding a test page", e.Message);
        }
        finally
        {
            NumaSyscalls.Unmap(p, length);
        }
    }

    [Fact]
    public void Mbind_of_a_misaligned_address_fails_with_einval()
    {
        nuint length = (nuint)Environment.SystemPageSize;
        byte* p = (byte*)NumaSyscalls.Map(length, -1, "test");
        try
        {
            var e = Assert.Throws<NumaNativeException>(() =>
                NumaSyscalls.MBind(p + 8, 64, (int)MemoryPolicy.Preferred, [0], 0, "binding"));
            Assert.Equal(Errno.EINVAL, e.Errno);
        }
        finally
        {
            NumaSyscalls.Unmap(p, length);
        }
    }

    [Fact]
    public void Mbind_preferred_to_an_existing_node_succeeds_and_the_page_lands_there()
    {
        int node = NumaPlatform.Current.Topology.MemoryNodes[0].Id;
        nuint length = (nuint)Environment.SystemPageSize;
        byte* p = (byte*)NumaSyscalls.Map(length, -1, "test");
        try
        {
            NumaSyscalls.MBind(p, length, (int)MemoryPolicy.Preferred, [node], 0, "binding");
            *p = 1;

            Assert.Equal(node, NumaSyscalls.GetNodeOfAddress(p));
        }
        finally
        {
            NumaSyscalls.Unmap(p, length);
        }
    }

    [Fact]
    public void The_thread_memory_policy_round_trips_through_set_and_get_mempolicy()
    {
        int node = NumaPlatform.Current.Topology.MemoryNodes[0].Id;
        Exception? failure = null;
        // On a thread of its own: a thread's memory policy is inherited by nothing else.
        var thread = new Thread(() =>
        {
            try
            {
                NumaSyscalls.SetMemPolicy((int)MemoryPolicy.Preferred, [node], "test");
                var (mode, nodes) = NumaSyscalls.GetThreadMemPolicy();
                Assert.Equal((int)MemoryPolicy.Preferred, mode);
                Assert.Equal([node], nodes);
            }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        thread.Join();

        Assert.Null(failure);
    }

    [Fact]
    public void The_mempolicy_probe_succeeds_on_a_numa_kernel()
    {
        Assert.Equal(0, NumaSyscalls.ProbeMemPolicy());
    }

    [Fact]
    public void Errno_names_are_symbolic()
    {
        Assert.Equal("EINVAL", Errno.Name(22));
        Assert.Equal("errno 999", Errno.Name(999));
        Assert.True(new NumaNativeException("mbind", Errno.EPERM).IsNumaUnavailable);
        Assert.True(new NumaNativeException("mbind", Errno.ENOSYS).IsNumaUnavailable);
    }
}

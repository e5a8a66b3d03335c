// WAL append buffers and state stores on a kernel with several nodes: their pages are on the node they name,
// even when created from a thread on another node. Placement only; nothing is timed.
using Numa.Scheduling;
using Numa.Storage.State;
using Numa.Storage.Wal;
using Numa.Tests.Storage;

namespace Numa.Tests.MultiNode;

[Trait("Tier", "MultiNode")]
public sealed class StorageMultiNodeTests
{
    private static NumaPlatform Platform => NumaPlatform.Current;

    private static (int Home, int Other) TwoNodes()
    {
        Assert.SkipUnless(Platform.Binding == BindingState.Active, $"needs active binding on two or more nodes; binding is {NumaPlatform.Format(Platform.Binding)} (run the multi-node tier: eng/numa-vm.sh)");
        var nodes = Platform.Topology.CpuNodes.Where(n => n.CanHoldMemory).ToList();
        Assert.SkipWhen(nodes.Count < 2, "needs two nodes with both CPUs and memory");
        return (nodes[1].Id, nodes[0].Id);
    }

    [Fact]
    public async Task Wal_buffers_and_a_state_store_live_on_their_workers_node()
    {
        var (home, other) = TwoNodes();
        using var dir = new TempDirectory();
        WriteAheadLog? log = null;
        StateStore<long, long>? store = null;
        // Created from a thread on the other node: only the binding puts the pages on `home`.
        await PinnedThread.Start("storage-test", Platform.Topology.GetNode(other).Cpus, () =>
        {
            log = WriteAheadLog.Open(new WalOptions { Directory = dir.Path, Node = home, BufferBytes = 256 * 1024 }, Platform);
            store = new StateStore<long, long>(Platform, new StateStoreOptions { Node = home, InitialCapacity = 50_000 });
        }).Completion;
        using (log)
        using (store)
        {
            var buffers = log!.QueryPlacement();
            Assert.Equal(buffers.TotalPages, buffers.PagesOn(home));
            var table = store!.QueryPlacement();
            Assert.Equal(table.TotalPages, table.PagesOn(home));
        }
    }
}

// Rings, locks and counters on a kernel with several nodes: where their memory lives, and transfers between
// threads pinned to different nodes. Placement only; nothing is timed (the guest is emulated).
using Numa.Memory;
using Numa.Messaging;
using Numa.Scheduling;
using Numa.Sync;
using Numa.Tests.Messaging;
using Numa.Topology;

namespace Numa.Tests.MultiNode;

[Trait("Tier", "MultiNode")]
public sealed class MessagingMultiNodeTests
{
    private static NumaPlatform Platform => NumaPlatform.Current;

    // Two nodes that both have CPUs and memory: the producer's and the consumer's.
    private static (NumaNode Producer, NumaNode Consumer) TwoNodes()
    {
        Assert.SkipUnless(Platform.Binding == BindingState.Active, $"needs active binding on two or more nodes; binding is {NumaPlatform.Format(Platform.Binding)} (run the multi-node tier: eng/numa-vm.sh)");
        var nodes = Platform.Topology.CpuNodes.Where(n => n.CanHoldMemory).ToList();
        Assert.SkipWhen(nodes.Count < 2, "needs two nodes with both CPUs and memory");
        return (nodes[0], nodes[1]);
    }

    private static T OnNode<T>(NumaNode node, Func<T> body)
    {
        T result = default!;
        PinnedThread.Start($"test-node-{node.Id}", node.Cpus, () => result = body()).Completion.GetAwaiter().GetResult();
        return result;
    }

    [Theory]
    [InlineData(RingPlacement.ProducerLocal)]
    [InlineData(RingPlacement.ConsumerLocal)]
    public void A_ring_lives_on_the_node_its_placement_names(RingPlacement placement)
    {
        var (producer, consumer) = TwoNodes();
        // Created from the consumer's node, so only the binding can put a producer-local ring on the producer's node.
        using var ring = OnNode(consumer, () => new SpscRing<Message>(Platform, new SpscRingOptions
        {
            Capacity = 4096, ProducerNode = producer.Id, ConsumerNode = consumer.Id, Placement = placement,
        }));

        var summary = ring.QueryPlacement();

        int expected = placement == RingPlacement.ProducerLocal ? producer.Id : consumer.Id;
        Assert.Equal(expected, ring.HomeNode);
        Assert.Equal(summary.TotalPages, summary.PagesOn(expected));
        Assert.True(ring.IsCrossNode);
    }

    [Fact]
    public async Task Messages_cross_nodes_in_order_without_loss()
    {
        var (producerNode, consumerNode) = TwoNodes();
        const int count = 20_000;
        var before = RingMetrics.Snapshot();
        using var ring = new SpscRing<Message>(Platform, new SpscRingOptions { Capacity = 64, ProducerNode = producerNode.Id, ConsumerNode = consumerNode.Id });

        long received = 0;
        int consumerRanOn = -1;
        var consumer = PinnedThread.Start("test-consumer", consumerNode.Cpus, () =>
        {
            consumerRanOn = ThreadAffinity.GetCurrentCpu().Node;
            received = SpscRingTests.ConsumeAndCheck(ring, producer: 0);
        });
        var producer = PinnedThread.Start("test-producer", producerNode.Cpus, () =>
        {
            var batch = new Message[16];
            for (long s = 0; s < count; s += batch.Length)
            {
                for (int i = 0; i < batch.Length; i++) batch[i] = new Message(0, s + i);
                ring.Write(batch);
            }
            ring.Complete();
        });
        await Task.WhenAll(producer.Completion, consumer.Completion);

        Assert.Equal(count, received);
        Assert.Equal(consumerNode.Id, consumerRanOn);
        Assert.True(RingMetrics.Snapshot().CrossNodeMessages - before.CrossNodeMessages >= count);
    }

    [Fact]
    public void An_mpsc_ring_lives_on_its_consumers_node()
    {
        var (_, consumer) = TwoNodes();

        using var ring = new MpscRing<Message>(Platform, new MpscRingOptions { Capacity = 1024, ConsumerNode = consumer.Id });
        var summary = ring.QueryPlacement();

        Assert.Equal(summary.TotalPages, summary.PagesOn(consumer.Id));
    }

    [Fact]
    public unsafe void Each_cpus_counter_slot_is_on_that_cpus_node()
    {
        TwoNodes();
        using var counter = new PartitionedCounter(Platform);

        foreach (int cpu in Platform.Topology.AllowedCpus)
        {
            var node = Platform.Topology.GetNode(Platform.Topology.NodeOfCpu(cpu));
            int expected = node.CanHoldMemory ? node.Id : Platform.Topology.NearestMemoryNodes(node.Id)[0];
            int[] status = PagePlacement.Query((void*)counter.SlotAddress(cpu), 8);
            Assert.Equal([expected], status);
        }
    }

    [Fact]
    public unsafe void An_owned_counter_slot_lives_on_its_threads_node()
    {
        var (_, second) = TwoNodes();
        using var counter = new PartitionedCounter(Platform);

        var slot = OnNode(second, () =>
        {
            var owned = counter.ClaimSlot();
            owned.Increment();
            return owned;
        });

        Assert.Equal([second.Id], PagePlacement.Query((void*)slot.Address, 8));
        Assert.Equal(1, counter.Sum());
    }

    [Fact]
    public unsafe void Mcs_queue_nodes_live_on_the_waiting_threads_node()
    {
        var (_, second) = TwoNodes();

        var (node, address) = OnNode(second, () =>
        {
            var mcs = new McsLock();
            using (mcs.Enter()) { }
            var nodes = McsQueueNodes.ForCurrentThread();
            return (nodes.Node, nodes.BlockAddress);
        });

        Assert.Equal(second.Id, node);
        Assert.Equal([second.Id], PagePlacement.Query((void*)address, 128));
    }
}

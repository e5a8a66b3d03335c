// SpscRing: FIFO without loss or duplicates under concurrency, wrap-around, batch boundaries, completion,
// disposal and cancellation while waiting, counters.
using Numa.Messaging;
using Numa.Scheduling;
using Numa.Tests.Support;

namespace Numa.Tests.Messaging;

public sealed class SpscRingTests
{
    private static SpscRing<Message> NewRing(int capacity, RingWaitStrategy? wait = null) =>
        new(new SpscRingOptions { Capacity = capacity, Wait = wait ?? RingWaitStrategy.Default, Name = "test" });

    [Theory]
    [InlineData(2, 200_000)]
    [InlineData(16, 500_000)]
    [InlineData(1024, 1_000_000)]
    public async Task Every_message_arrives_once_in_order_across_threads(int capacity, int count)
    {
        using var ring = NewRing(capacity);
        var consumer = Task.Run(() => ConsumeAndCheck(ring, producer: 0));

        var random = new Random(capacity);
        var batch = new Message[37];
        long next = 0;
        while (next < count)
        {
            if (random.Next(3) == 0)
            {
                ring.Write(new Message(0, next++));
                continue;
            }
            int n = (int)Math.Min(random.Next(1, batch.Length + 1), count - next);
            for (int i = 0; i < n; i++) batch[i] = new Message(0, next++);
            ring.Write(batch.AsSpan(0, n));
        }
        ring.Complete();

        Assert.Equal(count, await consumer);
        Assert.Equal(count, ring.MessagesSent);
        Assert.Equal(count, ring.MessagesReceived);
        Assert.True(ring.IsCompleted);
    }

    // Reads with a random mix of single and batch reads; returns how many arrived. Throws on a gap or duplicate.
    internal static long ConsumeAndCheck(SpscRing<Message> ring, int producer)
    {
        var random = new Random(producer + 1000);
        var buffer = new Message[29];
        long expected = 0;
        while (ring.WaitToRead())
        {
            if (random.Next(2) == 0)
            {
                while (ring.TryRead(out var m)) Check(m);
            }
            else
            {
                int n = ring.TryRead(buffer.AsSpan(0, random.Next(1, buffer.Length + 1)));
                for (int i = 0; i < n; i++) Check(buffer[i]);
            }
        }
        return expected;

        void Check(Message m)
        {
            if (m.Producer != producer || m.Sequence != expected)
                throw new InvalidOperationException($"expected ({producer}, {expected}) but got ({m.Producer}, {m.Sequence})");
            expected++;
        }
    }

    [Fact]
    public async Task A_mesh_of_rings_between_many_producers_and_consumers_loses_nothing()
    {
        const int producers = 3, consumers = 3, perPair = 10_000;
        var rings = new SpscRing<Message>[producers, consumers];
        for (int p = 0; p < producers; p++)
            for (int c = 0; c < consumers; c++)
                rings[p, c] = NewRing(64, new RingWaitStrategy { SpinIterations = 10, YieldIterations = 10 });
        try
        {
            var consumerTasks = Enumerable.Range(0, consumers).Select(c => Task.Run(() =>
            {
                // Poll the producers' rings round robin; each ring is FIFO per producer.
                var expected = new long[producers];
                int open = producers;
                var done = new bool[producers];
                while (open > 0)
                {
                    bool any = false;
                    for (int p = 0; p < producers; p++)
                    {
                        if (done[p]) continue;
                        var ring = rings[p, c];
                        while (ring.TryRead(out var m))
                        {
                            any = true;
                            Assert.Equal(p, m.Producer);
                            Assert.Equal(expected[p]++, m.Sequence);
                        }
                        if (ring.IsCompleted) { done[p] = true; open--; }
                    }
                    if (!any) Thread.Yield();
                }
                return expected;
            })).ToArray();
            var producerTasks = Enumerable.Range(0, producers).Select(p => Task.Run(() =>
            {
                for (long s = 0; s < perPair; s++)
                    for (int c = 0; c < consumers; c++)
                        rings[p, c].Write(new Message(p, s));
                for (int c = 0; c < consumers; c++) rings[p, c].Complete();
            })).ToArray();

            await Task.WhenAll(producerTasks);
            foreach (var counts in await Task.WhenAll(consumerTasks))
                Assert.All(counts, n => Assert.Equal(perPair, n));
        }
        finally
        {
            foreach (var ring in rings) ring.Dispose();
        }
    }

    [Fact]
    public void Batch_writes_stop_at_the_free_space_and_wrap_around()
    {
        using var ring = NewRing(8);
        var items = Enumerable.Range(0, 12).Select(i => new Message(0, i)).ToArray();

        Assert.Equal(5, ring.TryWrite(items.AsSpan(0, 5)));
        var read = new Message[3];
        Assert.Equal(3, ring.TryRead(read));
        Assert.Equal(6, ring.TryWrite(items.AsSpan(5, 7)));   // 2 + 6 = 8: full, wrapped past the end
        Assert.Equal(0, ring.TryWrite(items.AsSpan(11, 1)));
        Assert.False(ring.TryWrite(items[11]));

        var rest = new Message[20];
        int n = ring.TryRead(rest);
        Assert.Equal(8, n);
        Assert.Equal(Enumerable.Range(3, 8).Select(i => (long)i), rest[..n].Select(m => m.Sequence));
        Assert.False(ring.TryRead(out _));
        Assert.Equal(0, ring.TryRead(rest));
    }

    [Fact]
    public unsafe void Wide_messages_keep_their_payload_across_the_wrap()
    {
        using var ring = new SpscRing<WideMessage>(new SpscRingOptions { Capacity = 4 });
        for (long s = 0; s < 10; s++)
        {
            var m = new WideMessage { Sequence = s };
            for (int i = 0; i < 7; i++) m.Payload[i] = s * 10 + i;
            Assert.True(ring.TryWrite(m));
            Assert.True(ring.TryRead(out var got));
            Assert.Equal(s, got.Sequence);
            for (int i = 0; i < 7; i++) Assert.Equal(s * 10 + i, got.Payload[i]);
        }
    }

    [Fact]
    public void Writing_after_complete_is_an_error_and_the_consumer_drains_first()
    {
        using var ring = NewRing(4);
        ring.Write(new Message(0, 0));
        ring.Complete();

        var e = Assert.Throws<InvalidOperationException>(() => ring.TryWrite(new Message(0, 1)));
        Assert.Contains("completed", e.Message);
        Assert.True(ring.WaitToRead());
        Assert.True(ring.TryRead(out _));
        Assert.False(ring.WaitToRead());
        Assert.True(ring.IsCompleted);
    }

    [Fact]
    public async Task Disposal_releases_a_waiting_consumer_and_a_waiting_producer()
    {
        var empty = NewRing(2, RingWaitStrategy.ParkImmediately);
        var full = NewRing(2, RingWaitStrategy.ParkImmediately);
        full.Write(new Message(0, 0));
        full.Write(new Message(0, 1));
        var consumer = Task.Run(() => empty.WaitToRead());
        var producer = Task.Run(() => full.Write(new Message(0, 2)));
        await Task.Delay(100);
        Assert.False(consumer.IsCompleted);
        Assert.False(producer.IsCompleted);

        empty.Dispose();
        full.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => consumer);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => producer);
        Assert.Throws<ObjectDisposedException>(() => empty.TryRead(out _));
        Assert.Throws<ObjectDisposedException>(() => full.TryWrite(new Message(0, 3)));
    }

    [Fact]
    public async Task A_parked_consumer_wakes_for_the_next_message()
    {
        using var ring = NewRing(4, RingWaitStrategy.ParkImmediately);
        for (int round = 0; round < 200; round++)
        {
            var consumer = Task.Run(() => ring.WaitToRead() && ring.TryRead(out var m) && m.Sequence == round);
            if (round % 2 == 0) await Task.Delay(1);
            ring.Write(new Message(0, round));
            Assert.True(await consumer.WaitAsync(TimeSpan.FromSeconds(10)), $"round {round}");
        }
    }

    [Fact]
    public async Task Cancellation_stops_a_wait()
    {
        using var ring = NewRing(2, RingWaitStrategy.ParkImmediately);
        using var cts = new CancellationTokenSource(50);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Run(() => ring.WaitToRead(cts.Token)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(100)]
    public void Capacity_must_be_a_power_of_two(int capacity)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => NewRing(capacity));
        Assert.Contains("power of two", e.Message);
    }

    [Theory]
    [InlineData(99, -1, "ConsumerNode = 99")]      // the home node is the producer's: the consumer's went unchecked
    [InlineData(-1, 42, "ProducerNode = 42")]
    [InlineData(-1, -2, "ProducerNode = -2")]
    public void Every_sides_node_must_exist(int consumerNode, int producerNode, string expected)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SpscRing<Message>(NumaPlatform.Current,
            new SpscRingOptions { Capacity = 8, Node = 0, ProducerNode = producerNode, ConsumerNode = consumerNode }));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_null_or_negative_wait_strategy_is_refused_when_the_ring_is_made()
    {
        Assert.Throws<ArgumentNullException>(() => new SpscRing<Message>(new SpscRingOptions { Capacity = 8, Wait = null! }));
        Assert.Throws<ArgumentNullException>(() => new MpscRing<Message>(new MpscRingOptions { Capacity = 8, Wait = null! }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RingWaitStrategy { SpinIterations = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RingWaitStrategy { YieldIterations = -1 });
    }

    [Fact]
    public void Counters_reach_the_process_totals_and_cross_node_rings_are_counted()
    {
        // A two-node fixture in overprovisioned mode: no binding, so node ids need not exist in this kernel.
        using var tree = new SysfsTree().Node(0, "0", 1024 * 1024).Node(1, "1", 1024 * 1024);
        var platform = NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build(), Overprovisioned = true });
        var before = RingMetrics.Snapshot();
        using (var ring = new SpscRing<Message>(platform, new SpscRingOptions { Capacity = 8, ProducerNode = 0, ConsumerNode = 1 }))
        {
            Assert.True(ring.IsCrossNode);
            Assert.Equal(0, ring.HomeNode);
            for (int i = 0; i < 5; i++) ring.Write(new Message(0, i));
            ring.TryRead(out _);
            Assert.Equal(4, ring.Count);
        }
        using (var local = new SpscRing<Message>(platform, new SpscRingOptions { Capacity = 8, ProducerNode = 1, ConsumerNode = 1, Placement = RingPlacement.ConsumerLocal }))
        {
            Assert.False(local.IsCrossNode);
            local.Write(new Message(0, 0));
        }

        var after = RingMetrics.Snapshot();
        Assert.True(after.MessagesSent - before.MessagesSent >= 6);
        Assert.True(after.CrossNodeMessages - before.CrossNodeMessages >= 5);
    }

    [Fact]
    public void The_consumer_local_placement_homes_the_ring_on_the_consumers_node()
    {
        using var tree = new SysfsTree().Node(0, "0", 1024 * 1024).Node(1, "1", 1024 * 1024);
        var platform = NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build(), Overprovisioned = true });

        using var ring = new SpscRing<Message>(platform, new SpscRingOptions { ProducerNode = 0, ConsumerNode = 1, Placement = RingPlacement.ConsumerLocal });
        using var chosen = new SpscRing<Message>(platform, new SpscRingOptions { ProducerNode = 0, ConsumerNode = 1, Node = 1 });

        Assert.Equal(1, ring.HomeNode);
        Assert.Equal(1, chosen.HomeNode);
    }

    [Fact]
    public void Ring_pages_are_resident_on_this_machines_node()
    {
        using var ring = NewRing(4096);
        var node = ThreadAffinity.GetCurrentCpu().Node;

        var summary = ring.QueryPlacement();

        Assert.Equal(summary.TotalPages, summary.PagesOn(node));
    }
}

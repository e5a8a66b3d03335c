// MpscRing: many producers, one consumer: nothing lost or duplicated, each producer's order kept.
using Numa.Messaging;

namespace Numa.Tests.Messaging;

public sealed class MpscRingTests
{
    [Theory]
    [InlineData(2, 4, 5_000)]
    [InlineData(64, 4, 200_000)]
    [InlineData(1024, 8, 100_000)]
    public async Task Many_producers_lose_nothing_and_keep_their_own_order(int capacity, int producers, int perProducer)
    {
        using var ring = new MpscRing<Message>(new MpscRingOptions { Capacity = capacity });
        var consumer = Task.Run(() =>
        {
            var next = new long[producers];
            long total = 0;
            while (ring.WaitToRead())
            {
                while (ring.TryRead(out var m))
                {
                    if (m.Sequence != next[m.Producer])
                        throw new InvalidOperationException($"producer {m.Producer}: expected {next[m.Producer]}, got {m.Sequence}");
                    next[m.Producer]++;
                    total++;
                }
            }
            return (next, total);
        });
        var writers = Enumerable.Range(0, producers).Select(p => Task.Run(() =>
        {
            for (long s = 0; s < perProducer; s++) ring.Write(new Message(p, s));
        })).ToArray();

        await Task.WhenAll(writers);
        ring.Complete();
        var (counts, received) = await consumer;

        Assert.All(counts, n => Assert.Equal(perProducer, n));
        Assert.Equal((long)producers * perProducer, received);
        Assert.Equal(received, ring.MessagesReceived);
        Assert.True(ring.IsCompleted);
    }

    [Fact]
    public void A_full_ring_refuses_writes_until_the_consumer_reads()
    {
        using var ring = new MpscRing<Message>(new MpscRingOptions { Capacity = 4 });
        for (int i = 0; i < 4; i++) Assert.True(ring.TryWrite(new Message(0, i)));

        Assert.False(ring.TryWrite(new Message(0, 4)));
        var buffer = new Message[3];
        Assert.Equal(3, ring.TryRead(buffer));
        Assert.Equal([0L, 1, 2], buffer.Select(m => m.Sequence));
        Assert.True(ring.TryWrite(new Message(0, 4)));
        Assert.True(ring.TryRead(out var m3));
        Assert.Equal(3, m3.Sequence);
    }

    [Fact]
    public async Task Disposal_releases_blocked_producers_and_the_consumer()
    {
        var full = new MpscRing<Message>(new MpscRingOptions { Capacity = 2, Wait = RingWaitStrategy.ParkImmediately });
        var empty = new MpscRing<Message>(new MpscRingOptions { Capacity = 2, Wait = RingWaitStrategy.ParkImmediately });
        full.Write(new Message(0, 0));
        full.Write(new Message(0, 1));
        var producers = Enumerable.Range(0, 3).Select(p => Task.Run(() => full.Write(new Message(p, 9)))).ToArray();
        var consumer = Task.Run(() => empty.WaitToRead());
        await Task.Delay(100);

        full.Dispose();
        empty.Dispose();

        foreach (var p in producers) await Assert.ThrowsAsync<ObjectDisposedException>(() => p);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => consumer);
    }

    [Fact]
    public void Writing_after_complete_is_an_error()
    {
        using var ring = new MpscRing<Message>(new MpscRingOptions { Capacity = 4 });
        ring.Complete();

        Assert.Throws<InvalidOperationException>(() => ring.TryWrite(new Message(0, 0)));
        Assert.False(ring.WaitToRead());
    }
}

// PartitionedCounter: concurrent adds are all counted; slots are per CPU.
using Numa.Sync;

namespace Numa.Tests.Sync;

public sealed class PartitionedCounterTests
{
    [Fact]
    public async Task Concurrent_adds_sum_exactly()
    {
        using var counter = new PartitionedCounter();
        const int threads = 4, iterations = 250_000;

        await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
        {
            for (int i = 0; i < iterations; i++) counter.Increment();
            counter.Add(t);
        }, TaskCreationOptions.LongRunning)));

        Assert.Equal((long)threads * iterations + 0 + 1 + 2 + 3, counter.Sum());
    }

    [Fact]
    public void There_is_a_slot_per_allowed_cpu_plus_a_spare()
    {
        using var counter = new PartitionedCounter();

        Assert.Equal(NumaPlatform.Current.Topology.AllowedCpus.Count + 1, counter.SlotCount);
    }

    [Fact]
    public void A_disposed_counter_refuses_use()
    {
        var counter = new PartitionedCounter();
        counter.Dispose();

        Assert.Throws<ObjectDisposedException>(() => counter.Increment());
        Assert.Throws<ObjectDisposedException>(() => counter.Sum());
    }

    [Fact]
    public async Task Owned_slots_count_their_threads_adds_in_the_sum()
    {
        using var counter = new PartitionedCounter();
        const int threads = 3, iterations = 200_000;

        await Task.WhenAll(Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(() =>
        {
            var mine = counter.ClaimSlot();
            for (int i = 0; i < iterations; i++) mine.Increment();
            Assert.Equal(iterations, mine.Value);
        }, TaskCreationOptions.LongRunning)));
        counter.Add(5);

        Assert.Equal((long)threads * iterations + 5, counter.Sum());
        Assert.Equal(NumaPlatform.Current.Topology.AllowedCpus.Count + 1 + threads, counter.SlotCount);
    }

    [Fact]
    public void Owned_slots_refuse_use_after_the_counter_is_disposed()
    {
        var counter = new PartitionedCounter();
        var slot = counter.ClaimSlot();
        counter.Dispose();

        Assert.Throws<ObjectDisposedException>(() => slot.Increment());
        Assert.Throws<ObjectDisposedException>(() => slot.Value);
        Assert.Throws<ObjectDisposedException>(() => counter.ClaimSlot());
    }
}

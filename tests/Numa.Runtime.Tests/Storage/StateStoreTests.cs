// StateStore: agrees with Dictionary under random inserts, updates and removals across growth; lookups and updates
// allocate nothing; the table lives where it is told.
using System.Runtime.CompilerServices;
using Numa.Storage.State;

namespace Numa.Tests.Storage;

public sealed class StateStoreTests
{
    public readonly record struct Position(long Offset, int Count, int Version);

    [Theory]
    [InlineData(1, 500)]        // tiny start: many doublings
    [InlineData(4096, 3000)]    // dense keys, many collisions and backward shifts
    [InlineData(64, 1 << 30)]   // sparse keys
    public void Agrees_with_Dictionary_under_random_inserts_updates_and_removals(int initialCapacity, int keySpace)
    {
        using var store = new StateStore<long, Position>(new StateStoreOptions { InitialCapacity = initialCapacity });
        var reference = new Dictionary<long, Position>();
        var random = new Random(initialCapacity);
        for (int step = 0; step < 200_000; step++)
        {
            long key = random.Next(keySpace);
            switch (random.Next(4))
            {
                case 0:
                case 1:
                    var value = new Position(step, random.Next(), step % 7);
                    store.Set(key, value);
                    reference[key] = value;
                    break;
                case 2:
                    Assert.Equal(reference.Remove(key), store.Remove(key));
                    break;
                default:
                    Assert.Equal(reference.TryGetValue(key, out var expected), store.TryGetValue(key, out var actual));
                    Assert.Equal(expected, actual);
                    break;
            }
        }
        Assert.Equal(reference.Count, store.Count);
        foreach (var (key, value) in reference) Assert.Equal(value, store.TryGetValue(key, out var v) ? v : default);
        int enumerated = 0;
        foreach (var pair in store)
        {
            Assert.Equal(reference[pair.Key], pair.Value);
            enumerated++;
        }
        Assert.Equal(reference.Count, enumerated);
    }

    [Fact]
    public void Values_update_in_place_through_references()
    {
        using var store = new StateStore<int, long>(new StateStoreOptions { InitialCapacity = 16 });
        ref long counter = ref store.GetValueRefOrAddDefault(7, out bool existed);
        Assert.False(existed);
        counter += 5;
        store.GetValueRefOrNullRef(7) *= 3;
        Assert.Equal(15, store.TryGetValue(7, out long v) ? v : -1);
        Assert.True(Unsafe.IsNullRef(ref store.GetValueRefOrNullRef(8)));
        store.GetValueRefOrAddDefault(7, out existed);
        Assert.True(existed);
        store.Clear();
        Assert.Equal(0, store.Count);
        Assert.False(store.ContainsKey(7));
    }

    [Fact]
    public void Lookups_and_updates_never_allocate()
    {
        using var store = new StateStore<long, Position>(new StateStoreOptions { InitialCapacity = 100_000 });
        for (long k = 0; k < 50_000; k++) store.Set(k * 31, new Position(k, 1, 0));
        long sum = Work(store, 1000);   // JIT and tiering first

        long before = GC.GetAllocatedBytesForCurrentThread();
        sum += Work(store, 200_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.NotEqual(0, sum);
    }

    private static long Work(StateStore<long, Position> store, int n)
    {
        long sum = 0;
        for (int i = 0; i < n; i++)
        {
            long key = (i % 60_000) * 31;   // 1 in 6 misses
            if (store.TryGetValue(key, out var p)) sum += p.Offset;
            ref var r = ref store.GetValueRefOrNullRef(key);
            if (!Unsafe.IsNullRef(ref r)) r = r with { Version = r.Version + 1 };
            store.Set(key % 1_500_000, new Position(i, 2, 0));   // updates, and inserts within capacity
            store.Remove(-1);
        }
        return sum;
    }

    [Fact]
    public void The_table_comes_from_the_given_arena_or_the_given_node()
    {
        var platform = NumaPlatform.Current;
        int node = platform.Topology.MemoryNodes[^1].Id;
        using var arena = platform.Node(node).CreateArena();
        using (var store = new StateStore<long, long>(platform, new StateStoreOptions { Arena = arena, InitialCapacity = 1000 }))
        {
            Assert.True(arena.UsedBytes >= 1000 * StateStore<long, long>.SlotBytes);
            Assert.Equal(node, store.HomeNode);
        }
        var own = new StateStore<long, long>(platform, new StateStoreOptions { Node = node, InitialCapacity = 100_000 });
        Assert.Equal(node, own.HomeNode);
        for (long k = 0; k < 200_000; k++) own.Set(k, k);   // 262,144 slots grow to 524,288: the old table is unmapped
        Assert.Equal(200_000, own.Count);
        Assert.InRange(own.ReservedBytes, 524_288L * StateStore<long, long>.SlotBytes, 524_288L * StateStore<long, long>.SlotBytes + 2 * 1024 * 1024);
        Assert.True(own.QueryPlacement().TotalPages > 0);
        own.Dispose();
        Assert.Throws<ObjectDisposedException>(() => own.TryGetValue(1, out _));
    }

    [Fact]
    public void Enumerating_a_disposed_store_throws_ObjectDisposedException()
    {
        var store = new StateStore<int, long>(new StateStoreOptions { InitialCapacity = 16 });
        store.GetValueRefOrAddDefault(1, out _) = 2;
        var enumerator = store.GetEnumerator();
        store.Dispose();
        Assert.Throws<ObjectDisposedException>(() => enumerator.MoveNext());
        Assert.Throws<ObjectDisposedException>(() => { foreach (var _ in store) { } });
    }
}

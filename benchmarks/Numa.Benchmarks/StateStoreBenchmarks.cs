// StateStore lookups against Dictionary<TKey, TValue> with the same keys and values, in the same run: a store that
// fits in cache (4 Ki entries) and one that does not (4 Mi entries in 8 Mi slots of 33 bytes, ≈ 260 MiB: most lookups
// go to DRAM, which is what seed 001's "local DRAM access ~100 ns" budget is about). Each invocation looks up 1 Mi
// random present keys from a precomputed order — more distinct slots than any cache holds, so the large table is not
// measured from cache. Allocations are reported (lookups must allocate nothing).
using BenchmarkDotNet.Attributes;
using Numa.Storage.State;

namespace Numa.Benchmarks;

[MemoryDiagnoser]
public class StateStoreBenchmarks
{
    public readonly record struct Position(long Offset, long Length, long Version);

    private const int Lookups = 1 << 20;
    private StateStore<long, Position> _store = null!;
    private Dictionary<long, Position> _dictionary = null!;
    private long[] _keys = null!;

    [Params(4096, 4 * 1024 * 1024)]
    public int Entries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _store = new StateStore<long, Position>(new StateStoreOptions { InitialCapacity = Entries });
        _dictionary = new Dictionary<long, Position>(Entries);
        var random = new Random(42);
        var all = new long[Entries];
        for (int i = 0; i < Entries; i++)
        {
            long key = random.NextInt64();
            all[i] = key;
            _store.Set(key, new Position(i, 1, 0));
            _dictionary[key] = new Position(i, 1, 0);
        }
        _keys = new long[Lookups];
        for (int i = 0; i < Lookups; i++) _keys[i] = all[random.Next(Entries)];
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();

    [Benchmark(OperationsPerInvoke = Lookups)]
    public long StateStore_TryGetValue()
    {
        long sum = 0;
        foreach (long key in _keys)
            if (_store.TryGetValue(key, out var p)) sum += p.Offset;
        return sum;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Lookups)]
    public long Dictionary_TryGetValue()
    {
        long sum = 0;
        foreach (long key in _keys)
            if (_dictionary.TryGetValue(key, out var p)) sum += p.Offset;
        return sum;
    }
}

// Counters and locks under contention from threads pinned to different cores: PartitionedCounter against
// Interlocked.Increment on one shared field, McsLock against System.Threading.Lock at 1 and 2 threads.
using BenchmarkDotNet.Attributes;
using Numa.Sync;

namespace Numa.Benchmarks;

public class CounterBenchmarks
{
    private const int Increments = 1 << 20;
    private PartitionedCounter _partitioned = null!;
    private long _shared;
    private PinnedTeam _partitionedTeam = null!, _ownedTeam = null!, _sharedTeam = null!;

    [GlobalSetup]
    public void Setup()
    {
        _partitioned = new PartitionedCounter();
        _partitionedTeam = new PinnedTeam(2, _ => { for (int i = 0; i < Increments; i++) _partitioned.Increment(); });
        var owned = new PartitionedCounter.OwnedSlot?[2];
        _ownedTeam = new PinnedTeam(2, member =>
        {
            var mine = owned[member] ??= _partitioned.ClaimSlot(); // claimed on the pinned thread's first round
            for (int i = 0; i < Increments; i++) mine.Increment();
        });
        _sharedTeam = new PinnedTeam(2, _ => { for (int i = 0; i < Increments; i++) Interlocked.Increment(ref _shared); });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _partitionedTeam.Dispose();
        _ownedTeam.Dispose();
        _sharedTeam.Dispose();
        _partitioned.Dispose();
    }

    /// <summary>Per increment, two threads at once.</summary>
    [Benchmark(OperationsPerInvoke = 2 * Increments)]
    public void PartitionedCounter_2_threads() => _partitionedTeam.RunRound();

    /// <summary>Per increment, two pinned threads each on a slot it owns.</summary>
    [Benchmark(OperationsPerInvoke = 2 * Increments)]
    public void PartitionedCounter_owned_slots_2_threads() => _ownedTeam.RunRound();

    [Benchmark(Baseline = true, OperationsPerInvoke = 2 * Increments)]
    public void Interlocked_shared_field_2_threads() => _sharedTeam.RunRound();
}

public class LockBenchmarks
{
    private const int Acquisitions = 1 << 18;
    private readonly McsLock _mcs = new();
    private readonly Lock _lock = new();
    private long _counter;
    private PinnedTeam _mcsTeam = null!, _lockTeam = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // The same number of acquisitions in total, split over the threads.
        int perThread = Acquisitions / Threads;
        _mcsTeam = new PinnedTeam(Threads, _ =>
        {
            for (int i = 0; i < perThread; i++)
                using (_mcs.Enter()) _counter++;
        });
        _lockTeam = new PinnedTeam(Threads, _ =>
        {
            for (int i = 0; i < perThread; i++)
                lock (_lock) _counter++;
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _mcsTeam.Dispose();
        _lockTeam.Dispose();
    }

    /// <summary>Per acquisition (all threads together).</summary>
    [Benchmark(OperationsPerInvoke = Acquisitions)]
    public void McsLock() => _mcsTeam.RunRound();

    [Benchmark(Baseline = true, OperationsPerInvoke = Acquisitions)]
    public void System_Threading_Lock() => _lockTeam.RunRound();
}

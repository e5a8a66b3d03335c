// Arena bump allocation against the allocators a .NET user would otherwise reach for:
// NativeMemory.Alloc + Free (malloc/free) and new byte[] (the GC). Same run, same sizes; compare the ratios.
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Numa.Memory;

namespace Numa.Benchmarks;

[MemoryDiagnoser]
public unsafe class ArenaAllocationBenchmarks
{
    private const int Batch = 1000;
    private NumaArena _arena = null!;
    private readonly void*[] _live = new void*[Batch];

    [Params(64, 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var platform = NumaPlatform.Current;
        // 2 MiB chunks, as a worker's arena; the first Reset keeps the chunks mapped and bound.
        _arena = platform.Node(platform.Topology.MemoryNodes[0].Id).CreateArena();
        for (int i = 0; i < Batch; i++) _arena.Allocate((nuint)Size, 16);
        _arena.Reset();
    }

    [GlobalCleanup]
    public void Cleanup() => _arena.Dispose();

    /// <summary>One bump per allocation; the Reset that returns the batch is included, amortized.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public nint NumaArena_Allocate()
    {
        NumaArena arena = _arena;
        nuint size = (nuint)Size;
        nint last = 0;
        for (int i = 0; i < Batch; i++) last = (nint)arena.Allocate(size, 16);
        arena.Reset();
        return last;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public nint NativeMemory_Alloc_Free()
    {
        nuint size = (nuint)Size;
        nint last = 0;
        for (int i = 0; i < Batch; i++)
        {
            void* p = NativeMemory.Alloc(size);
            last = (nint)p;
            NativeMemory.Free(p);
        }
        return last;
    }

    /// <summary>The arena's usage pattern with malloc: a batch of live allocations, then every one freed.
    /// Beyond glibc's per-thread cache (7 blocks per size), so malloc takes its arena path.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public nint NativeMemory_Alloc_batch_then_Free()
    {
        for (int i = 0; i < Batch; i++) _live[i] = NativeMemory.Alloc((nuint)Size);
        nint last = (nint)_live[Batch - 1];
        for (int i = 0; i < Batch; i++) NativeMemory.Free(_live[i]);
        return last;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int New_byte_array()
    {
        int total = 0;
        for (int i = 0; i < Batch; i++) total += new byte[Size].Length;
        return total;
    }
}

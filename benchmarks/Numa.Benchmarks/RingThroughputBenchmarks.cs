// One producer and one consumer on different cores moving messages through SpscRing (single and batches of
// 16) and through .NET's own Channel.CreateBounded (SingleWriter/SingleReader) and ConcurrentQueue<T>.
// Every variant busy-polls its Try* methods, so the data structures are compared, not wake-up paths.
using System.Collections.Concurrent;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Numa.Messaging;

namespace Numa.Benchmarks;

/// <summary>A 64-byte message.</summary>
public struct Message64
{
    public long A, B, C, D, E, F, G, H;
}

[GenericTypeArguments(typeof(long))]
[GenericTypeArguments(typeof(Message64))]
// A fixed 16 rounds (16 Mi messages) per iteration: BenchmarkDotNet's own pilot grows the iteration to 256 rounds,
// and on this VM, where a round's speed swings 4x with the host's scheduling, such an iteration can pass the
// in-process toolchain's time limit and abort the run.
[InvocationCount(16, unrollFactor: 1)]
[IterationCount(30)]
[WarmupCount(3)]
public class RingThroughputBenchmarks<T> where T : unmanaged
{
    private const int Messages = 1 << 20;
    private const int Capacity = 1024;
    private const int Batch = 16;

    private SpscRing<T> _ring = null!;
    private Channel<T> _channel = null!;
    private ConcurrentQueue<T> _queue = null!;
    private PinnedTeam _spsc = null!, _spscBatch = null!, _channelTeam = null!, _queueTeam = null!;

    [GlobalSetup]
    public void Setup()
    {
        _ring = new SpscRing<T>(new SpscRingOptions { Capacity = Capacity });
        _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(Capacity) { SingleReader = true, SingleWriter = true });
        _queue = new ConcurrentQueue<T>();
        _spsc = new PinnedTeam(2, SpscSingle);
        _spscBatch = new PinnedTeam(2, SpscBatched);
        _channelTeam = new PinnedTeam(2, ChannelTransfer);
        _queueTeam = new PinnedTeam(2, QueueTransfer);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var team in new[] { _spsc, _spscBatch, _channelTeam, _queueTeam }) team.Dispose();
        _ring.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public void SpscRing_single() => _spsc.RunRound();

    [Benchmark(OperationsPerInvoke = Messages)]
    public void SpscRing_batch16() => _spscBatch.RunRound();

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public void Channel_bounded_SPSC() => _channelTeam.RunRound();

    [Benchmark(OperationsPerInvoke = Messages)]
    public void ConcurrentQueue() => _queueTeam.RunRound();

    private void SpscSingle(int member)
    {
        var spin = new SpinWait();
        if (member == 0)
        {
            T item = default;
            for (int i = 0; i < Messages; i++)
                while (!_ring.TryWrite(item)) spin.SpinOnce(-1);
        }
        else
        {
            for (int i = 0; i < Messages; i++)
                while (!_ring.TryRead(out _)) spin.SpinOnce(-1);
        }
    }

    private void SpscBatched(int member)
    {
        var spin = new SpinWait();
        Span<T> batch = stackalloc T[Batch];
        if (member == 0)
        {
            for (int sent = 0; sent < Messages;)
            {
                int n = _ring.TryWrite(batch[..Math.Min(Batch, Messages - sent)]);
                if (n == 0) spin.SpinOnce(-1);
                sent += n;
            }
        }
        else
        {
            for (int got = 0; got < Messages;)
            {
                int n = _ring.TryRead(batch[..Math.Min(Batch, Messages - got)]);
                if (n == 0) spin.SpinOnce(-1);
                got += n;
            }
        }
    }

    private void ChannelTransfer(int member)
    {
        var spin = new SpinWait();
        if (member == 0)
        {
            var writer = _channel.Writer;
            T item = default;
            for (int i = 0; i < Messages; i++)
                while (!writer.TryWrite(item)) spin.SpinOnce(-1);
        }
        else
        {
            var reader = _channel.Reader;
            for (int i = 0; i < Messages; i++)
                while (!reader.TryRead(out _)) spin.SpinOnce(-1);
        }
    }

    private void QueueTransfer(int member)
    {
        var spin = new SpinWait();
        if (member == 0)
        {
            T item = default;
            for (int i = 0; i < Messages; i++) _queue.Enqueue(item);
        }
        else
        {
            for (int i = 0; i < Messages; i++)
                while (!_queue.TryDequeue(out _)) spin.SpinOnce(-1);
        }
    }
}

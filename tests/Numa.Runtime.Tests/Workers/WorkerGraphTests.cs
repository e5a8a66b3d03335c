// The runtime side of the generated NumaApp, used by hand: planning per count rule and policy, rings per instance
// pair on the producer's node, start/stop as one, clear errors.
using Numa.Memory;
using Numa.Messaging;
using Numa.Scheduling;
using Numa.Tests.Support;
using Numa.Workers;

namespace Numa.Tests.Workers;

public sealed class WorkerGraphTests
{
    private sealed class Idle : INumaWorker
    {
        public void RunWorker(WorkerContext context) { }
    }

    private sealed class Producer : INumaWorker
    {
        public Outbox<long> Out = new(Array.Empty<SpscRing<long>>());
        public int Count;
        public bool GaveUp;

        public void RunWorker(WorkerContext context)
        {
            try
            {
                for (long i = 0; i < Count; i++) Out.Send((int)(i % Out.Consumers), i);
            }
            catch (OperationCanceledException) when (context.Stopping.IsCancellationRequested)
            {
                GaveUp = true;
            }
            finally
            {
                Out.Complete();
            }
        }
    }

    private sealed class Consumer : INumaWorker
    {
        public SpscRing<long>[] In = [];
        public long Sum;
        public long Received;

        public void RunWorker(WorkerContext context)
        {
            Span<long> batch = stackalloc long[16];
            while (!In.All(r => r.IsCompleted))
            {
                foreach (var ring in In)
                {
                    int n = ring.TryRead(batch);
                    for (int i = 0; i < n; i++) Sum += batch[i];
                    Received += n;
                }
                Thread.Yield();
            }
        }
    }

    // Runs until the graph stops, then takes a while to leave: what frees its rings must wait for it.
    private sealed class SlowToStop : INumaWorker
    {
        public volatile bool Exited;

        public void RunWorker(WorkerContext context)
        {
            context.Stopping.WaitHandle.WaitOne();
            Thread.Sleep(300);
            Exited = true;
        }
    }

    private sealed class Failing : INumaWorker
    {
        public SpscRing<long>[] In = [];

        public void RunWorker(WorkerContext context) => throw new InvalidOperationException("consumer failed");
    }

    private static NumaPlatform Smt64Preview()
    {
        using var tree = SysfsTree.TwoSocketSmt64();
        // Overprovisioned: plan on the fixture's topology without binding or pinning on this kernel.
        return NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build(), Overprovisioned = true });
    }

    [Fact]
    public async Task Per_node_workers_are_spread_over_the_nodes_even_with_a_compact_policy()
    {
        await using var graph = new WorkerGraph(new NumaAppOptions { Platform = Smt64Preview() });
        var set = graph.AddWorkers("Ingest", PinPolicy.Compact, WorkerCount.PerNode(2), _ => new Idle());
        Assert.Equal(4, set.Count);
        Assert.Equal([0, 0, 1, 1], set.Placements.Select(p => p.Node).Order());
    }

    [Fact]
    public async Task Per_node_workers_under_an_explicit_cpuset_go_to_the_nodes_it_covers_each_its_share()
    {
        await using var graph = new WorkerGraph(new NumaAppOptions { Platform = Smt64Preview() });
        var both = graph.AddWorkers("Both", PinPolicy.Explicit("0-3,16-19"), WorkerCount.PerNode(2), _ => new Idle());
        Assert.Equal([0, 0, 1, 1], both.Placements.Select(p => p.Node).Order());
        Assert.All(both.Placements, p => Assert.Contains(p.Cpu, new[] { 0, 1, 2, 3, 16, 17, 18, 19 }));
        var one = graph.AddWorkers("One", PinPolicy.Explicit("0-3"), WorkerCount.PerNode(2), _ => new Idle());
        Assert.Equal([0, 0], one.Placements.Select(p => p.Node));

        using var tree = SysfsTree.TwoSocketSmt64();
        var pinned = NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build() });
        await using var strict = new WorkerGraph(new NumaAppOptions { Platform = pinned });
        var e = Assert.Throws<NumaConfigurationException>(() =>
            strict.AddWorkers("Many", PinPolicy.Explicit("0-3,16-19"), WorkerCount.PerNode(5), _ => new Idle()));
        Assert.Contains("5 workers per node need 5 CPUs on node 0", e.Message);
    }

    [Fact]
    public async Task Per_cpu_counts_the_cpus_the_policy_may_use()
    {
        await using var graph = new WorkerGraph(new NumaAppOptions { Platform = Smt64Preview() });
        var all = graph.AddWorkers("All", PinPolicy.Compact, WorkerCount.PerCpu, _ => new Idle());
        var node1 = graph.AddWorkers("Node1", PinPolicy.BindNode(1), WorkerCount.PerCpu, _ => new Idle());
        Assert.Equal(64, all.Count);
        Assert.Equal(32, node1.Count);
        Assert.All(node1.Placements, p => Assert.Equal(1, p.Node));
    }

    [Fact]
    public async Task Every_producer_gets_a_ring_to_every_consumer_homed_on_the_producers_node()
    {
        await using var graph = new WorkerGraph(new NumaAppOptions { Platform = Smt64Preview(), RingCapacity = 8 });
        var producers = graph.AddWorkers("P", PinPolicy.Scatter, WorkerCount.PerNode(1), _ => new Idle());
        var consumers = graph.AddWorkers("C", PinPolicy.Scatter, WorkerCount.Fixed(3), _ => new Idle());
        var connection = graph.Connect<long>(producers, consumers, "P.Out");

        var rings = graph.Describe().Rings;
        Assert.Equal(2 * 3, rings.Count);
        foreach (var ring in rings)
        {
            int p = int.Parse(ring.Producer[2..^1]);
            int c = int.Parse(ring.Consumer[2..^1]);
            Assert.Equal(producers.Placements[p].Node, ring.HomeNode);
            Assert.Equal(consumers.Placements[c].Node, ring.ConsumerNode);
            Assert.Equal(ring.ProducerNode != ring.ConsumerNode, ring.IsCrossNode);
            Assert.Same(connection[p, c], connection.Inbox(c)[p]);
            Assert.Equal(8, ring.Capacity);
        }
        Assert.Contains(rings, r => r.IsCrossNode);
    }

    [Fact]
    public async Task A_hand_built_graph_runs_to_completion_and_delivers_every_message()
    {
        await using var graph = new WorkerGraph(new NumaAppOptions { RingCapacity = 16 });
        var producers = graph.AddWorkers("P", PinPolicy.Compact, WorkerCount.Fixed(1), _ => new Producer { Count = 10_000 });
        var consumers = graph.AddWorkers("C", PinPolicy.Compact, WorkerCount.PerCpu, _ => new Consumer());
        var connection = graph.Connect<long>(producers, consumers, "P.Out");
        producers[0].Out = connection.Outbox(0);
        for (int c = 0; c < consumers.Count; c++) consumers[c].In = connection.Inbox(c);

        await graph.StartAsync();
        await graph.Completion.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(10_000, consumers.Instances.Sum(c => c.Received));
        Assert.Equal(10_000L * 9_999 / 2, consumers.Instances.Sum(c => c.Sum));
    }

    [Fact]
    public async Task Stopping_makes_a_sender_blocked_on_a_full_ring_give_up()
    {
        await using var graph = new WorkerGraph(new NumaAppOptions { RingCapacity = 2 });
        var producers = graph.AddWorkers("P", PinPolicy.Compact, WorkerCount.Fixed(1), _ => new Producer { Count = 1_000 });
        var idle = graph.AddWorkers("C", PinPolicy.Compact, WorkerCount.Fixed(1), _ => new Idle());   // never reads
        producers[0].Out = graph.Connect<long>(producers, idle, "P.Out").Outbox(0);

        await graph.StartAsync();
        await Task.Delay(200);
        await graph.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(producers[0].GaveUp);
    }

    [Fact]
    public async Task Building_after_start_is_refused()
    {
        await using var graph = new WorkerGraph();
        var set = graph.AddWorkers("W", PinPolicy.Compact, WorkerCount.Fixed(1), _ => new Idle());
        await graph.StartAsync();
        var e = Assert.Throws<InvalidOperationException>(() => graph.Connect<long>(set, set, "late"));
        Assert.Contains("before StartAsync", e.Message);
    }

    [Fact]
    public async Task Sets_from_another_graph_cannot_be_connected()
    {
        await using var a = new WorkerGraph();
        await using var b = new WorkerGraph();
        var set = a.AddWorkers("W", PinPolicy.Compact, WorkerCount.Fixed(1), _ => new Idle());
        Assert.Throws<ArgumentException>(() => b.Connect<long>(set, set, "x"));
    }

    [Fact]
    public void A_worker_count_below_one_is_a_configuration_error()
    {
        var e = Assert.Throws<NumaConfigurationException>(() => WorkerCount.Fixed(0).Resolve(NumaPlatform.Current.Topology, PinPolicy.Compact));
        Assert.Contains("at least 1", e.Message);
    }

    [Fact]
    public void Sending_to_a_consumer_that_does_not_exist_names_the_valid_range()
    {
        using var ring = new SpscRing<long>(new SpscRingOptions { Capacity = 2 });
        var outbox = new Outbox<long>([ring]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => outbox.Send(1, 5L));
        Assert.Contains("[0, 1)", e.Message);
        Assert.True(outbox.TrySend(0, 5L));
        Assert.True(ring.TryRead(out long value));
        Assert.Equal(5L, value);
    }

    [Fact]
    public void Local_state_handles_refuse_access_before_allocation_and_point_into_the_arena_after()
    {
        var none = default(ArenaRef<long>);
        var e = Assert.Throws<InvalidOperationException>(() => none.Value);
        Assert.Contains("worker's node arena", e.Message);
        Assert.Throws<InvalidOperationException>(() => default(ArenaArray<int>).Span.Length);

        using var arena = NumaPlatform.Current.Node(NumaPlatform.Current.Topology.MemoryNodes[0].Id).CreateArena();
        var one = arena.AllocateRef<long>();
        var many = arena.AllocateArray<int>(100);
        one.Value = 42;
        many.Span.Fill(7);
        Assert.Equal(42, one.Value);
        Assert.Equal(700, many.Span.ToArray().Sum());
        Assert.Equal(400, many.AsBytes().Length);
        Assert.True(arena.UsedBytes >= 8 + 400);
        var pages = many.QueryPlacement();                                  // the touched page, on the arena's node
        Assert.Equal(pages.TotalPages, pages.PagesOn(NumaPlatform.Current.Topology.MemoryNodes[0].Id));
        Assert.InRange(pages.TotalPages, 1, 2);
        Assert.Throws<InvalidOperationException>(() => default(ArenaArray<int>).QueryPlacement());
    }

    [Fact]
    public async Task A_failed_start_waits_for_the_workers_that_did_start_and_faults_Completion()
    {
        // The fixture's CPU 0 pins; the real kernel refuses CPU 4000 (EINVAL), so worker 1 of 2 fails to start.
        using var tree = new SysfsTree().Node(0, "0,4000", 1024 * 1024);
        var platform = NumaPlatform.Create(new NumaPlatformOptions { Topology = tree.Build() });
        var graph = new WorkerGraph(new NumaAppOptions { Platform = platform });
        var set = graph.AddWorkers("S", PinPolicy.Compact, WorkerCount.Fixed(2), _ => new SlowToStop());

        var e = await Assert.ThrowsAsync<Numa.Native.NumaNativeException>(graph.StartAsync);
        Assert.Equal("sched_setaffinity", e.Call);
        Assert.True(set[0].Exited, "StartAsync returned while the worker that pinned was still running");
        var failed = await Assert.ThrowsAsync<Numa.Native.NumaNativeException>(() => graph.Completion.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Same(e, failed);
        // Dispose stops the graph, and stopping reports a worker's failure: the same error once more.
        Assert.Same(e, await Assert.ThrowsAsync<Numa.Native.NumaNativeException>(() => graph.DisposeAsync().AsTask()));
        await graph.StopAsync();                                            // after dispose: nothing left to stop
    }

    [Fact]
    public async Task A_worker_that_throws_stops_the_others_and_Completion_faults_with_its_exception()
    {
        var graph = new WorkerGraph(new NumaAppOptions { RingCapacity = 4 });
        var producers = graph.AddWorkers("P", PinPolicy.Compact, WorkerCount.Fixed(1), _ => new Producer { Count = 1_000 });
        var consumers = graph.AddWorkers("C", PinPolicy.Compact, WorkerCount.Fixed(1), _ => new Failing());
        var connection = graph.Connect<long>(producers, consumers, "P.Out");
        producers[0].Out = connection.Outbox(0);
        consumers[0].In = connection.Inbox(0);

        await graph.StartAsync();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => graph.Completion.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal("consumer failed", e.Message);
        Assert.True(graph.Stopping.IsCancellationRequested);
        Assert.True(producers[0].GaveUp, "the producer blocked on the failed consumer's full ring should have given up");
        Assert.Same(e, await Assert.ThrowsAsync<InvalidOperationException>(() => graph.DisposeAsync().AsTask()));
    }
}

// NUMA1001, NUMA1002, NUMA1004, NUMA1005, NUMA2001, NUMA2002, NUMA2004: each with a case that fires (exact span)
// and the same code written correctly, which does not.
using Microsoft.CodeAnalysis.CSharp;

namespace Numa.Tests.Analyzers;

public sealed class AccessAnalyzerTests
{
    private const string Shard = """
        public struct State { public long Count; }
        public record struct Ping(int X);
        """;

    [Fact]
    public Task NUMA1001_another_instances_Local_state() => AnalyzerVerifier.VerifyAsync(Shard + """
        [PinnedWorker(PerCpu = true)] public sealed partial class Shard
        {
            [NumaPlacement(Placement.Local)] internal partial ref State Mine { get; }
            public Shard? Neighbour;
            [Inbox] private void On(in Ping p)
            {
                Mine.Count++;
                this.Mine.Count++;
                {|NUMA1001:Neighbour!.Mine|}.Count++;
            }
        }
        public sealed class Outsider { public long Peek(Shard s) => {|NUMA1001:s.Mine|}.Count; }
        """);

    [Fact]
    public Task NUMA1002_worker_or_Local_address_stored_in_a_static() => AnalyzerVerifier.VerifyAsync(Shard + """
        [PinnedWorker] public sealed unsafe partial class W
        {
            private static W? s_current;
            private static State* s_state;
            private static long s_copy;
            [NumaPlacement(Placement.Local)] private partial ref State Mine { get; }
            private void Run(WorkerContext context)
            {
                {|NUMA1002:s_current = this|};
                fixed (State* p = &Mine) { }
                {|NUMA1002:s_state = (State*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref Mine)|};
                s_copy = Mine.Count;
            }
        }
        """);

    [Fact]
    public Task NUMA1004_Local_state_in_a_lambda_run_on_another_thread() => AnalyzerVerifier.VerifyAsync(Shard + """
        [PinnedWorker] public sealed partial class W
        {
            [NumaPlacement(Placement.Local, Length = 8)] private partial Span<long> Counts { get; }
            private void Run(WorkerContext context)
            {
                Task.Run(() => {|NUMA1004:Counts|}[0]++);
                ThreadPool.QueueUserWorkItem(_ => {|NUMA1004:Counts|}.Clear());
                Action local = () => Counts[1]++;
                local();
            }
        }
        """);

    [Fact]
    public Task NUMA1005_worker_writes_Interleaved_data() => AnalyzerVerifier.VerifyAsync(Shard + """
        [PinnedWorker] public sealed partial class W
        {
            [NumaPlacement(Placement.Interleaved, Length = 8)] internal static partial Span<int> Table { get; }
            [Inbox] private void On(in Ping p)
            {
                int read = Table[p.X];
                {|NUMA1005:Table|}[p.X] = read + 1;
                {|NUMA1005:Table|}[0]++;
                {|NUMA1005:Table|}.Clear();
                ReadOnlySpan<int> view = Table;
            }
            internal static void Fill() => Table[0] = 1;
        }
        """);

    [Fact]
    public Task NUMA2001_blocking_calls_in_a_handler() => AnalyzerVerifier.VerifyAsync(Shard + """
        [PinnedWorker] public sealed partial class W
        {
            private readonly object _gate = new();
            private Task<int> _pending = Task.FromResult(1);
            [Inbox] private void On(in Ping p)
            {
                {|NUMA2001:Thread.Sleep(1)|};
                int r = {|NUMA2001:_pending.Result|};
                {|NUMA2001:lock (_gate) { r++; }|}
                {|NUMA2001:System.IO.File.ReadAllText("x")|};
                {|NUMA2001:_pending.Wait()|};
                {|NUMA2001:Monitor.Enter(_gate)|};
                Monitor.Exit(_gate);
                Thread.SpinWait(10);
                Task<int> started = Task.FromResult(r);
            }
            private void NotAHandler() => Thread.Sleep(1);
        }
        """);

    [Fact]
    public Task NUMA2002_await_in_a_handler() => AnalyzerVerifier.VerifyAsync(Shard + """
        [PinnedWorker] public sealed partial class W
        {
            [Inbox] private async void On(Ping p) { {|NUMA2002:await Task.Yield()|}; }
            private async Task Elsewhere() => await Task.Yield();
        }
        """.Replace("[Inbox] private async void On(Ping p)", "[Inbox] private async void {|NUMA0006:On|}(Ping p)"));

    [Fact]
    public Task NUMA2004_outbox_written_by_a_second_producer() => AnalyzerVerifier.VerifyAsync(Shard + """
        [PinnedWorker] public sealed partial class P
        {
            internal partial Outbox<Ping> Out { get; }
            public P? Other;
            private void Run(WorkerContext context)
            {
                Out.Send(0, new Ping(1));
                {|NUMA2004:Other!.Out|}.Send(0, new Ping(2));
                Task.Run(() => {|NUMA2004:Out|}.Send(0, new Ping(3)));
            }
        }
        [PinnedWorker] public sealed partial class C { [Inbox] private void On(in Ping p) { } }
        public static class Meddler { public static void Poke(P p) => {|NUMA2004:p.Out|}.TrySend(0, new Ping(4)); }
        """);

    [Fact]
    public Task NUMA1004_and_NUMA2004_through_continuations_and_the_factory_of_a_Task_of_T() => AnalyzerVerifier.VerifyAsync(Shard + """
        [PinnedWorker] public sealed partial class W
        {
            [NumaPlacement(Placement.Local, Length = 8)] private partial Span<long> Counts { get; }
            internal partial Outbox<Ping> Out { get; }
            private Task<int> _t = Task.FromResult(1);
            private void Run(WorkerContext context)
            {
                _t.ContinueWith(t => {|NUMA1004:Counts|}[0]++);
                _t.ContinueWith(t => {|NUMA2004:Out|}.Send(0, new Ping(1)));
                Task<int>.Factory.StartNew(() => (int){|NUMA1004:Counts|}[1]);
                Out.Send(0, new Ping((int)Counts[2]));
            }
        }
        [PinnedWorker] public sealed partial class C { [Inbox] private void On(in Ping p) { } }
        """);

    [Fact]
    public Task Nameof_a_Local_member_or_an_outbox_is_not_an_access() => AnalyzerVerifier.VerifyAsync(Shard + """
        [PinnedWorker] public sealed partial class P
        {
            internal partial Outbox<Ping> Out { get; }
            [NumaPlacement(Placement.Local)] internal partial ref State Mine { get; }
            public static string Names => nameof(P.Out) + nameof(P.Mine);
            private void Run(WorkerContext context) { Out.Send(0, new Ping(1)); }
        }
        [PinnedWorker] public sealed partial class C { [Inbox] private void On(in Ping p) { } }
        public static class Log { public static string Of(P p) => nameof(p.Mine) + {|NUMA1001:p.Mine|}.Count; }
        """);

    [Fact]
    public Task NUMA2002_await_foreach_and_await_using_suspend_a_handler_too() => AnalyzerVerifier.VerifyAsync(Shard + """
        public sealed class AsyncResource : IAsyncDisposable { public ValueTask DisposeAsync() => default; }
        [PinnedWorker] public sealed partial class W
        {
            [Inbox] private async void {|NUMA0006:On|}(Ping p)
            {
                {|NUMA2002:await foreach (var x in Numbers()) { }|}
                {|NUMA2002:await using var d = new AsyncResource();|}
                foreach (var y in new[] { 1, 2 }) { }
                using var plain = new System.IO.MemoryStream();
            }
            private static async System.Collections.Generic.IAsyncEnumerable<int> Numbers() { yield return 1; await Task.Yield(); }
        }
        """);

    [Fact]
    public Task NUMA2001_File_methods_that_block_and_not_their_Async_forms() => AnalyzerVerifier.VerifyAsync(Shard + """
        [PinnedWorker] public sealed partial class W
        {
            [Inbox] private void On(in Ping p)
            {
                _ = System.IO.File.WriteAllTextAsync("log", "x");
                using var s = {|NUMA2001:System.IO.File.OpenRead("x")|};
                {|NUMA2001:System.IO.File.WriteAllText("log", "x")|};
            }
        }
        """);

    [Fact]
    public Task NUMA1001_not_for_a_local_that_only_ever_holds_this() => AnalyzerVerifier.VerifyAsync(Shard + """
        [PinnedWorker] public sealed partial class W
        {
            [NumaPlacement(Placement.Local)] internal partial ref State Mine { get; }
            private W? _peer;
            [Inbox] private void On(in Ping p)
            {
                var self = this;
                self.Mine.Count++;
                var other = this;
                other = _peer!;
                {|NUMA1001:other.Mine|}.Count++;
                W? third = _peer;
                {|NUMA1001:third!.Mine|}.Count++;
            }
        }
        [PinnedWorker] public sealed partial class P { private partial Outbox<Ping> Out { get; } }
        """);

    [Fact]
    public Task NUMA1002_through_coalescing_and_deconstructing_assignments() => AnalyzerVerifier.VerifyAsync(Shard + """
        [PinnedWorker] public sealed partial class W
        {
            private static W? s_current;
            private static int s_count;
            private void Run(WorkerContext context)
            {
                {|NUMA1002:s_current ??= this|};
                {|NUMA1002:(s_current, s_count) = (this, 1)|};
                (s_count, var mine) = (2, this);
                _ = mine;
            }
        }
        """);

    [Fact]
    public Task NUMA1005_writes_through_ref_locals_ref_loops_and_slices() => AnalyzerVerifier.VerifyAsync(Shard + """
        [PinnedWorker] public sealed partial class W
        {
            [NumaPlacement(Placement.Interleaved, Length = 8)] internal static partial Span<int> Table { get; }
            [Inbox] private void On(in Ping p)
            {
                ref int t = ref {|NUMA1005:Table|}[0]; t = 1;
                foreach (ref int x in {|NUMA1005:Table|}) x = 0;
                {|NUMA1005:Table|}.Slice(1)[0] = 5;
                {|NUMA1005:Table|}[1..].Clear();
                {|NUMA1005:Table|}[^1] = 2;
                ref readonly int ok = ref Table[0];
                foreach (int y in Table) _ = y;
                int last = Table[^1] + Table.Slice(2)[0] + Table[1..][0] + ok;
                _ = last;
            }
        }
        """);

    [Fact]
    public Task NUMA1004_a_local_function_passed_as_a_method_group() => AnalyzerVerifier.VerifyAsync(Shard + """
        [PinnedWorker] public sealed partial class W
        {
            [NumaPlacement(Placement.Local, Length = 8)] private partial Span<long> Counts { get; }
            private void Run(WorkerContext context)
            {
                Task.Run(Work);
                Here();
                void Work() => {|NUMA1004:Counts|}[0]++;
                void Here() => Counts[1]++;
            }
        }
        """);

    [Fact]
    public Task NUMA1002_a_pointer_local_holding_a_Local_address() => AnalyzerVerifier.VerifyAsync(Shard + """
        [PinnedWorker] public sealed unsafe partial class W
        {
            private static State* s_state;
            private static long* s_count;
            [NumaPlacement(Placement.Local)] private partial ref State Mine { get; }
            private void Run(WorkerContext context)
            {
                fixed (State* p = &Mine) { {|NUMA1002:s_state = p|}; }
                fixed (long* c = &Mine.Count) { {|NUMA1002:s_count = c|}; }
                void* raw = System.Runtime.CompilerServices.Unsafe.AsPointer(ref Mine);
                {|NUMA1002:s_state = (State*)raw|};
                State* reused = (State*)raw;
                reused = null;
                s_state = reused;
            }
        }
        """);

    [Fact]
    public Task NUMA1005_read_only_MemoryExtensions_calls_under_CSharp_13() => AnalyzerVerifier.VerifyAsync(LanguageVersion.CSharp13, Shard + """
        [PinnedWorker] public sealed partial class W
        {
            [NumaPlacement(Placement.Interleaved, Length = 8)] internal static partial Span<int> Table { get; }
            [Inbox] private void On(in Ping p)
            {
                bool seen = Table.Contains(p.X) || Table.IndexOf(3) >= 0 || Table.SequenceEqual(new[] { 1, 2 });
                _ = seen;
                {|NUMA1005:Table|}.Reverse();
                {|NUMA1005:Table|}.Sort();
                new[] { 1 }.CopyTo({|NUMA1005:Table|});
            }
        }
        """);
}

// NUMA0001–NUMA0009, NUMA1003, NUMA2003, NUMA2005: each with a case that fires (exact span) and one that does not.
namespace Numa.Tests.Analyzers;

public sealed class DeclarationAnalyzerTests
{
    [Fact]
    public Task NUMA0001_placed_struct_with_a_reference_field() => AnalyzerVerifier.VerifyAsync("""
        [{|NUMA0001:NumaPlacement(Placement.Local)|}] public struct Bad { public string Name; }
        [NumaPlacement(Placement.Local)] public struct Good { public long Count; }
        """);

    [Fact]
    public Task NUMA0001_Local_span_of_a_managed_element() => AnalyzerVerifier.VerifyAsync("""
        public struct Holder { public object O; }
        [PinnedWorker] public sealed partial class W
        {
            [NumaPlacement(Placement.Local, Length = 4)] private partial Span<Holder> {|NUMA0001:Managed|} { get; }
            [NumaPlacement(Placement.Local, Length = 4)] private partial Span<long> Counts { get; }
        }
        """, "CS9248");

    [Fact]
    public Task NUMA0007_a_setter_on_a_placed_member() => AnalyzerVerifier.VerifyAsync("""
        [PinnedWorker] public sealed partial class W
        {
            [NumaPlacement(Placement.Local, Length = 4)] private partial Span<long> {|NUMA0007:Settable|} { get; set; }
        }
        """, "CS9248", "CS8345");

    [Fact]
    public Task NUMA0002_message_type_not_unmanaged() => AnalyzerVerifier.VerifyAsync("""
        public record struct Named(string Name);
        public record struct Plain(int Id);
        [PinnedWorker] public sealed partial class W
        {
            [Inbox] private void On(Named {|NUMA0002:message|}) { }
            [Inbox] private void On(in Plain message) { }
        }
        [PinnedWorker] public sealed partial class P
        {
            private partial Outbox<Named> {|NUMA0002:Names|} { get; }
            private partial Outbox<Plain> Plains { get; }
        }
        """, "CS9248", "CS8377");   // Outbox<T> constrains T to unmanaged too; the analyzer says what to do instead

    [Fact]
    public Task NUMA0003_worker_not_partial() => AnalyzerVerifier.VerifyAsync("""
        [PinnedWorker] public sealed class {|NUMA0003:Plain|} { }
        [PinnedWorker] public sealed partial class Fine { }
        """);

    [Fact]
    public Task NUMA0004_worker_shapes_the_generator_cannot_build() => AnalyzerVerifier.VerifyAsync("""
        public class Outer { [PinnedWorker] public sealed partial class {|NUMA0004:Nested|} { } }
        [PinnedWorker] public sealed partial class {|NUMA0004:NoDefault|} { public NoDefault(int x) { } }
        [PinnedWorker] public sealed partial class {|NUMA0004:Generic|}<T> { }
        [PinnedWorker] public static partial class {|NUMA0004:Static|} { }
        [PinnedWorker] public abstract partial class {|NUMA0004:Abstract|} { }
        [PinnedWorker] public sealed partial class Fine { }
        [PinnedWorker] public sealed partial class AlsoFine { internal AlsoFine() { } }
        [PinnedWorker] public sealed partial class ProtectedInternal { protected internal ProtectedInternal() { } }
        [PinnedWorker] public sealed partial class OptionalArguments { public OptionalArguments(int x = 1, params int[] rest) { } }
        [PinnedWorker] public sealed partial class {|NUMA0004:Required|} { public required int X { get; init; } }
        [PinnedWorker] public sealed partial class SetsRequired
        {
            public required int X { get; init; }
            [System.Diagnostics.CodeAnalysis.SetsRequiredMembers] public SetsRequired() => X = 1;
        }
        [PinnedWorker] public sealed partial record {|NUMA0004:Record|} { }
        [PinnedWorker] file sealed partial class {|NUMA0004:FileLocal|} { }
        """);

    [Fact]
    public Task NUMA0005_contradictory_settings() => AnalyzerVerifier.VerifyAsync("""
        [{|NUMA0005:PinnedWorker(PerCpu = true, Count = 2)|}] public sealed partial class Both { }
        [{|NUMA0005:PinnedWorker(Policy = PinPolicyKind.BindNode)|}] public sealed partial class NoNode { }
        [{|NUMA0005:PinnedWorker(Policy = PinPolicyKind.Explicit, Cpus = "3-1")|}] public sealed partial class BadCpus { }
        [PinnedWorker(Policy = PinPolicyKind.BindNode, Node = 1, PerCpu = true)] public sealed partial class Fine { }
        [{|NUMA0005:PinnedWorker(Policy = PinPolicyKind.Explicit, Cpus = "+1")|}] public sealed partial class Signed { }
        [{|NUMA0005:PinnedWorker(Policy = PinPolicyKind.Explicit, Cpus = "0-70000")|}] public sealed partial class PastTheLimit { }
        [PinnedWorker(Policy = PinPolicyKind.Explicit, Cpus = "0-3,8", Count = 2)] public sealed partial class AlsoFine { }
        [PinnedWorker(Policy = PinPolicyKind.Explicit, Cpus = " 0 - 3 , 65535")] public sealed partial class Spaced { }
        """);

    [Fact]
    public Task NUMA0006_inbox_shapes() => AnalyzerVerifier.VerifyAsync("""
        public record struct M(int X);
        public record struct N(int X);
        public record struct O(int X);
        [PinnedWorker] public sealed partial class W
        {
            [Inbox] private int {|NUMA0006:Returns|}(in M m) => 0;
            [Inbox] private void {|NUMA0006:Two|}(in N a, in N b) { }
            [Inbox] private void A(in O o) { }
            [Inbox] private void {|NUMA0006:B|}(in O o) { }
            public record struct P(int X);
            [Inbox] private void On(in P p) { }
            [Inbox] private void {|NUMA0006:On|}(P p) { }
        }
        public sealed class NotAWorker { [Inbox] private void {|NUMA0006:On|}(in M m) { } }
        """);

    [Fact]
    public Task NUMA0007_placed_member_shapes() => AnalyzerVerifier.VerifyAsync("""
        public struct S { public long X; }
        [PinnedWorker] public sealed partial class W
        {
            [NumaPlacement(Placement.Local)] private static partial ref S {|NUMA0007:Shared|} { get; }
            [NumaPlacement(Placement.Interleaved)] private static partial Span<int> {|NUMA0007:NoLength|} { get; }
            [NumaPlacement(Placement.ProducerLocal)] private partial ref S {|NUMA0007:Producer|} { get; }
            [NumaPlacement(Placement.Local)] private partial ref S State { get; }
            [NumaPlacement(Placement.Interleaved, Length = 8)] private static partial Span<int> Table { get; }
        }
        """, "CS9248");

    [Fact]
    public Task NUMA1003_Local_state_inside_a_message() => AnalyzerVerifier.VerifyAsync("""
        [NumaPlacement(Placement.Local)] public struct ShardState { public long X; }
        public struct Leaky { public ShardState State; }
        public struct Clean { public long X; }
        [PinnedWorker] public sealed partial class P { private partial Outbox<Leaky> {|NUMA1003:Out|} { get; } private partial Outbox<Clean> Ok { get; } }
        [PinnedWorker] public sealed partial class C
        {
            [Inbox] private void On(in Leaky {|NUMA1003:m|}) { }
            [Inbox] private void On(in Clean m) { }
        }
        """);

    [Fact]
    public Task NUMA2003_outbox_without_consumer() => AnalyzerVerifier.VerifyAsync("""
        public record struct Lost(int X);
        public record struct Heard(int X);
        [PinnedWorker] public sealed partial class P
        {
            private partial Outbox<Lost> {|NUMA2003:Nowhere|} { get; }
            private partial Outbox<Heard> Somewhere { get; }
        }
        [PinnedWorker] public sealed partial class C { [Inbox] private void On(in Heard h) { } }
        """);

    [Fact]
    public Task NUMA2005_message_with_two_consumer_types() => AnalyzerVerifier.VerifyAsync("""
        public record struct Shared(int X);
        [PinnedWorker] public sealed partial class P { private partial Outbox<Shared> {|NUMA2005:Out|} { get; } }
        [PinnedWorker] public sealed partial class A { [Inbox] private void On(in Shared s) { } }
        [PinnedWorker] public sealed partial class B { [Inbox] private void On(in Shared s) { } }
        public record struct Owned(int X);
        [PinnedWorker(PerNode = 2)] public sealed partial class Q { private partial Outbox<Owned> Out { get; } }
        [PinnedWorker(PerNode = 2)] public sealed partial class D { [Inbox] private void On(in Owned o) { } }
        """);

    [Fact]
    public Task NUMA0001_and_NUMA0002_Nullable_and_pointer_types() => AnalyzerVerifier.VerifyAsync("""
        [PinnedWorker] public sealed unsafe partial class W
        {
            [NumaPlacement(Placement.Local)] private partial ref int? {|NUMA0001:Maybe|} { get; }
            [NumaPlacement(Placement.Local)] private partial ref int* {|NUMA0001:Address|} { get; }
            [NumaPlacement(Placement.Local)] private partial ref int Plain { get; }
            [Inbox] private void OnMaybe(long? {|NUMA0002:value|}) { }
            [Inbox] private void OnPointer(int* {|NUMA0002:value|}) { }
            [Inbox] private void OnPlain(long value) { }
        }
        """, "CS9248");

    [Fact]
    public Task NUMA0004_a_worker_named_NumaApp_or_derived_from_a_worker() => AnalyzerVerifier.VerifyAsync("""
        namespace Other { [PinnedWorker] public sealed partial class {|NUMA0004:NumaApp|} { } }
        [PinnedWorker] public partial class Base { }
        [PinnedWorker] public sealed partial class {|NUMA0004:Derived|} : Base { }
        public class PlainBase { }
        [PinnedWorker] public sealed partial class Fine : PlainBase { }
        """);

    [Fact]
    public Task NUMA0005_a_repeated_argument_counts_once() => AnalyzerVerifier.VerifyAsync("""
        [{|NUMA0005:PinnedWorker(Count = -1, Count = 2)|}] public sealed partial class W { }
        [PinnedWorker(Count = 2, Count = -1)] public sealed partial class V { }
        """, "CS0643");

    [Fact]
    public Task NUMA0006_accessors_interface_implementations_and_hidden_message_types() => AnalyzerVerifier.VerifyAsync("""
        public record struct M(int X);
        public interface IHandler { void On(M m); }
        [PinnedWorker] public partial class W : IHandler
        {
            private struct Secret { public long X; }
            protected struct Guarded { public long X; }
            internal struct Shared { public long X; }
            public int Last { get; [Inbox] {|NUMA0006:set|}; }
            [Inbox] void IHandler.{|NUMA0006:On|}(M m) { }
            [Inbox] private void {|NUMA0006:On|}(in Secret s) { }
            [Inbox] private void {|NUMA0006:On|}(in Guarded g) { }
            [Inbox] private void On(in Shared s) { }
        }
        """);

    [Fact]
    public Task NUMA0007_an_Interleaved_array_of_a_private_element() => AnalyzerVerifier.VerifyAsync("""
        [PinnedWorker] public sealed partial class W
        {
            private struct Secret { public long X; }
            internal struct Open { public long X; }
            [NumaPlacement(Placement.Interleaved, Length = 4)] private static partial Span<Secret> {|NUMA0007:Hidden|} { get; }
            [NumaPlacement(Placement.Interleaved, Length = 4)] private static partial Span<Open> Visible { get; }
            [NumaPlacement(Placement.Local)] private partial ref Secret State { get; }
        }
        """, "CS9248");

    [Fact]
    public Task NUMA0008_outboxes_the_generator_cannot_connect() => AnalyzerVerifier.VerifyAsync("""
        public record struct M(int X);
        [PinnedWorker] public partial class P
        {
            private struct Secret { public long X; }
            private static partial Outbox<M> {|NUMA0008:Shared|} { get; }
            private partial Outbox<M> {|NUMA0008:Settable|} { get; set; }
            private Outbox<M> {|NUMA0008:Manual|} => throw new InvalidOperationException();
            private partial Outbox<Secret> {|NUMA0008:Hidden|} { get; }
            private partial Outbox<M> Out { get; }
        }
        [PinnedWorker] public sealed partial class C { [Inbox] private void On(in M m) { } }
        """, "CS9248");

    [Fact]
    public Task NUMA0009_lifecycle_methods_the_thread_does_not_call() => AnalyzerVerifier.VerifyAsync("""
        [PinnedWorker] public sealed partial class Odd
        {
            private void {|NUMA0009:Run|}(ref WorkerContext context) { }
            private void {|NUMA0009:OnStart|}<T>(WorkerContext context) { }
            private void {|NUMA0009:OnStop|}(bool disposing) { }
        }
        [PinnedWorker] public sealed partial class Plain
        {
            private void Run(in WorkerContext context) { }
            private void Run(int helper) { }
            private void OnStart(WorkerContext context) { }
            private void OnStop() { }
        }
        public sealed class NotAWorker { public void Run(int x) { } }
        """);
}

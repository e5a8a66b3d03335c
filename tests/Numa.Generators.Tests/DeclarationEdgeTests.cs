// Declarations at the edges of what the generator accepts: each is either implemented exactly as written (modifiers,
// nullable outboxes, names that collide with generated ones) or skipped so the output still compiles and the analyzers
// (NUMA0001–NUMA0009) say why. Every case compiles the user source with the generator and inspects the errors.
using Microsoft.CodeAnalysis;

namespace Numa.Tests.Generators;

public sealed class DeclarationEdgeTests
{
    [Fact]
    public void Implementing_parts_repeat_the_definitions_modifiers()
    {
        var (driver, output, generatorDiagnostics) = GeneratorTests.Run("""
            using System;
            using Numa;
            using Numa.Messaging;
            namespace Shop;
            public record struct M(int X);
            public struct S { public long X; }
            public abstract class Base
            {
                public abstract Outbox<M> Overridden { get; }
                public int Hidden => 0;
            }
            [PinnedWorker] public partial class W : Base
            {
                [NumaPlacement(Placement.Local)] protected virtual partial ref S State { get; }
                [NumaPlacement(Placement.Local, Length = 4)] partial Span<long> Buckets { get; }
                [NumaPlacement(Placement.Local, Length = 4)] private unsafe partial Span<int> Raw { get; }
                [NumaPlacement(Placement.Interleaved, Length = 4)] protected internal static partial Span<int> Shared { get; }
                public override partial Outbox<M> Overridden { get; }
                internal new partial Outbox<M> Hidden { get; }
                private partial Outbox<M>? Maybe { get; }
                [Inbox] private void On(in M m) { }
            }
            """);

        Assert.Empty(generatorDiagnostics);
        AssertCompiles(output);
        string worker = Source(driver, "Shop.W.Worker.g.cs");
        Assert.Contains("protected virtual partial ref global::Shop.S State =>", worker);
        Assert.Contains("partial global::System.Span<long> Buckets =>", worker);
        Assert.Contains("private unsafe partial global::System.Span<int> Raw =>", worker);
        Assert.Contains("protected internal static partial global::System.Span<int> Shared =>", worker);
        Assert.Contains("public override partial global::Numa.Messaging.Outbox<global::Shop.M> Overridden =>", worker);
        Assert.Contains("internal new partial global::Numa.Messaging.Outbox<global::Shop.M> Hidden =>", worker);
        Assert.Contains("private partial global::Numa.Messaging.Outbox<global::Shop.M>? Maybe =>", worker);
    }

    [Fact]
    public void Nullable_and_pointer_messages_and_elements_are_skipped()
    {
        var (driver, output, _) = GeneratorTests.Run("""
            using System;
            using Numa;
            namespace Shop;
            [PinnedWorker] public sealed unsafe partial class W
            {
                [NumaPlacement(Placement.Local)] private partial ref int? Maybe { get; }
                [NumaPlacement(Placement.Local, Length = 4)] private partial Span<long?> Maybes { get; }
                [NumaPlacement(Placement.Local)] private partial ref int* Address { get; }
                [Inbox] private void OnMaybe(int? value) { }
                [Inbox] private void OnPointer(int* value) { }
                [Inbox] private void OnFunction(delegate*<void> value) { }
                [Inbox] private void OnPlain(long value) { }
            }
            """);

        // The skipped members keep their definitions without implementations: the compiler's CS9248, next to
        // NUMA0001/NUMA0002. Nothing the generator wrote fails, and the valid inbox is still polled.
        AssertCompiles(output, "CS9248");
        Assert.Equal(3, output.GetDiagnostics().Count(d => d.Id == "CS9248"));
        string worker = Source(driver, "Shop.W.Worker.g.cs");
        Assert.Contains("this.OnPlain(batch0[i]);", worker);
        Assert.DoesNotContain("OnMaybe", worker);
        Assert.DoesNotContain("OnPointer", worker);
        Assert.DoesNotContain("OnFunction", worker);
    }

    [Fact]
    public void Types_only_the_worker_can_name_stay_out_of_NumaApp()
    {
        var (driver, output, _) = GeneratorTests.Run("""
            using System;
            using Numa;
            using Numa.Messaging;
            namespace Shop;
            [PinnedWorker] public partial class W
            {
                private struct Secret { public long X; }
                protected struct Guarded { public long X; }
                protected internal struct Open { public long X; }
                [NumaPlacement(Placement.Local)] private partial ref Secret State { get; }
                [NumaPlacement(Placement.Interleaved, Length = 4)] private static partial Span<Secret> Shared { get; }
                [NumaPlacement(Placement.Interleaved, Length = 4)] private static partial Span<Open> Visible { get; }
                private partial Outbox<Guarded> ToSelf { get; }
                [Inbox] private void On(in Secret s) { }
                [Inbox] private void On(in Guarded g) { }
            }
            """);

        AssertCompiles(output, "CS9248");
        Assert.Equal(["Shared", "ToSelf"], output.GetDiagnostics().Where(d => d.Id == "CS9248")
            .Select(d => d.Location.SourceTree!.GetRoot().FindToken(d.Location.SourceSpan.Start).Text).Order(StringComparer.Ordinal));
        string worker = Source(driver, "Shop.W.Worker.g.cs");
        Assert.Contains("ref global::Shop.W.Secret State =>", worker);            // Local state: named only in the worker
        Assert.DoesNotContain("__numaInbox_", worker);
        Assert.Contains("AllocateInterleaved<global::Shop.W.Open>", Source(driver, "NumaApp.g.cs"));
    }

    [Fact]
    public void Inbox_on_an_accessor_or_an_explicit_interface_implementation_is_skipped()
    {
        var (driver, output, _) = GeneratorTests.Run("""
            using Numa;
            namespace Shop;
            public record struct M(int X);
            public interface IHandler { void On(M m); }
            [PinnedWorker] public sealed partial class W : IHandler
            {
                public int Last { get; [Inbox] set; }
                [Inbox] void IHandler.On(M m) { }
            }
            """);

        AssertCompiles(output);
        string worker = Source(driver, "Shop.W.Worker.g.cs");
        Assert.DoesNotContain("__numaInbox_", worker);
        Assert.DoesNotContain("__numaPollInboxes", worker);
    }

    [Fact]
    public void Generated_names_never_collide_with_the_users()
    {
        var (driver, output, generatorDiagnostics) = GeneratorTests.Run("""
            using Numa;
            namespace Shop;
            public static class A { public record struct B(int X); }
            public record struct A_B(int X);
            [PinnedWorker] public sealed partial class W
            {
                [Inbox] private void On(in A.B m) { }
                [Inbox] private void On(in A_B m) { }
                private int PollInboxes() => 0;
                private bool InboxesCompleted() => true;
            }
            [PinnedWorker] public sealed partial class GetType { }
            [PinnedWorker] public sealed partial class ToString { }
            [PinnedWorker] public sealed partial class _graph { }
            """);

        Assert.Empty(generatorDiagnostics);
        AssertCompiles(output);
        string worker = Source(driver, "Shop.W.Worker.g.cs");
        Assert.Contains("__numaInbox_On_Shop_A_B =", worker);
        Assert.Contains("__numaInbox_On_Shop_A_B2 =", worker);
        string app = Source(driver, "NumaApp.g.cs");
        Assert.Contains("WorkerSet<global::Shop.GetType> Shop_GetType {", app);
        Assert.Contains("WorkerSet<global::Shop.ToString> Shop_ToString {", app);
        Assert.Contains("WorkerSet<global::Shop._graph> Shop__graph {", app);
    }

    [Fact]
    public void Workers_named_NumaApp_or_derived_from_a_worker_are_skipped()
    {
        var (driver, output, _) = GeneratorTests.Run("""
            using Numa;
            using Numa.Messaging;
            namespace Shop
            {
                public record struct M(int X);
                [PinnedWorker] public partial class Producer { private partial Outbox<M> Out { get; } }
                [PinnedWorker] public sealed partial class Derived : Producer { }   // would inherit an outbox nobody connects
                [PinnedWorker] public sealed partial class Consumer { [Inbox] private void On(in M m) { } }
            }
            namespace Other { [PinnedWorker] public sealed partial class NumaApp { } }
            """);

        AssertCompiles(output);
        Assert.Equal(["NumaApp.g.cs", "Shop.Consumer.Worker.g.cs", "Shop.Producer.Worker.g.cs"],
            driver.GetRunResult().Results.Single().GeneratedSources.Select(g => g.HintName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Only_the_Run_OnStart_and_OnStop_shapes_the_thread_calls_are_called()
    {
        var (driver, output, _) = GeneratorTests.Run("""
            using Numa;
            using Numa.Scheduling;
            namespace Shop;
            [PinnedWorker] public sealed partial class Odd
            {
                private void Run<T>(WorkerContext context) { }
                private void OnStart(ref WorkerContext context) { }
                private void OnStop<T>() { }
            }
            [PinnedWorker] public sealed partial class Plain
            {
                private void Run(in WorkerContext context) { }
                private void Run(int helper) { }
                private void OnStart(WorkerContext context) { }
                private void OnStop() { }
            }
            """);

        AssertCompiles(output);
        string odd = Source(driver, "Shop.Odd.Worker.g.cs"), plain = Source(driver, "Shop.Plain.Worker.g.cs");
        foreach (string call in new[] { "Run(context);", "OnStart(context);", "OnStop();" })
        {
            Assert.DoesNotContain(call, odd);
            Assert.Contains(call, plain);
        }
    }

    private static string Source(GeneratorDriver driver, string hintName) =>
        driver.GetRunResult().Results.Single().GeneratedSources.Single(g => g.HintName == hintName).SourceText.ToString();

    // No warning or error but the allowed ones (the compiler's own, about the user's skipped declarations).
    private static void AssertCompiles(Compilation output, params string[] allowed)
    {
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && !allowed.Contains(d.Id))
            .Select(d => d.ToString()).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}

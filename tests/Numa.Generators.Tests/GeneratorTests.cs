// The generator on plain Roslyn: snapshots of every generated file, the output compiles without warnings, unrelated
// edits hit the cache, the pipeline models hold no Roslyn objects, invalid workers produce nothing.
using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Numa.Generators;
using Numa.Tests.Roslyn;

namespace Numa.Tests.Generators;

public sealed class GeneratorTests
{
    internal const string Pipeline = """
        using System;
        using Numa;
        using Numa.Messaging;
        using Numa.Scheduling;

        namespace Shop;

        public readonly record struct Order(long Id, int Quantity);
        public readonly record struct Total(int Shard, long Quantity);

        [NumaPlacement(Placement.Local)]
        public struct ShardState { public long Orders; public long Quantity; }

        [PinnedWorker(Policy = PinPolicyKind.Scatter, PerNode = 1)]
        public sealed partial class Intake
        {
            private partial Outbox<Order> ToShards { get; }

            private void Run(WorkerContext context)
            {
                for (long id = 0; id < 100; id++) ToShards.Send((int)(id % ToShards.Consumers), new Order(id, 2));
            }
        }

        [PinnedWorker(PerCpu = true)]
        public sealed partial class Shard
        {
            [NumaPlacement(Placement.Local)] private partial ref ShardState State { get; }
            [NumaPlacement(Placement.Local, Length = 64)] private partial Span<long> Buckets { get; }
            [NumaPlacement(Placement.Interleaved, Length = 16)] internal static partial Span<int> Prices { get; }
            private partial Outbox<Total> ToAudit { get; }

            [Inbox]
            private void On(in Order order)
            {
                State.Orders++;
                State.Quantity += order.Quantity * Prices[(int)(order.Id % 16)];
                Buckets[(int)(order.Id % 64)]++;
            }

            private void OnStop() => ToAudit.Send(0, new Total(0, State.Quantity));
        }

        [PinnedWorker(Policy = PinPolicyKind.Explicit, Cpus = "0", Count = 1)]
        internal sealed partial class Audit
        {
            public long Quantity;
            [Inbox] private void On(Total total) => Quantity += total.Quantity;
        }
        """;

    [Fact]
    public void Snapshots_of_every_generated_file()
    {
        var (driver, _, _) = Run(Pipeline);
        var generated = driver.GetRunResult().Results.Single().GeneratedSources;
        Assert.Equal(["NumaApp.g.cs", "Shop.Audit.Worker.g.cs", "Shop.Intake.Worker.g.cs", "Shop.Shard.Worker.g.cs"],
            generated.Select(g => g.HintName).Order(StringComparer.Ordinal));
        foreach (var file in generated)
            Snapshot.Match(file.SourceText.ToString(), $"{nameof(GeneratorTests)}.Pipeline#{Path.GetFileNameWithoutExtension(file.HintName)}");
    }

    [Fact]
    public void Generated_code_compiles_without_warnings()
    {
        var (_, output, generatorDiagnostics) = Run(Pipeline);
        Assert.Empty(generatorDiagnostics);
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void An_unrelated_edit_hits_the_cache()
    {
        var compilation = TestCompilation.Create(Pipeline);
        var driver = TestCompilation.CreateDriver(new NumaGenerator()).RunGenerators(compilation);
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Shop; class Unrelated { int X => 1; }",
            TestCompilation.ParseOptions, path: "Unrelated.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (var step in new[] { TrackingNames.Workers, TrackingNames.App })
        {
            var outputs = result.TrackedSteps[step].SelectMany(s => s.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"{step} re-ran: {o.Reason}"));
        }
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void An_edit_to_a_worker_reruns_its_step()
    {
        var compilation = TestCompilation.Create(Pipeline);
        var driver = TestCompilation.CreateDriver(new NumaGenerator()).RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Single();
        var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(
            Pipeline.Replace("Length = 64", "Length = 128"), TestCompilation.ParseOptions, path: tree.FilePath));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        Assert.Contains(result.TrackedSteps[TrackingNames.Workers].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("AllocateArray<long>(128)", result.GeneratedSources.Single(g => g.HintName == "Shop.Shard.Worker.g.cs").SourceText.ToString());
    }

    [Fact]
    public void Pipeline_models_hold_no_Roslyn_objects()
    {
        var compilation = TestCompilation.Create(Pipeline);
        var result = TestCompilation.CreateDriver(new NumaGenerator()).RunGenerators(compilation).GetRunResult().Results.Single();
        int values = 0;
        foreach (var step in new[] { TrackingNames.Workers, TrackingNames.RootNamespace, TrackingNames.App })
            foreach (var run in result.TrackedSteps[step])
                foreach (var (value, _) in run.Outputs)
                {
                    AssertNoRoslynObjects(value, new HashSet<object>(ReferenceEqualityComparer.Instance));
                    values++;
                }
        Assert.True(values >= 5, $"only {values} step outputs were inspected");
    }

    [Fact]
    public void A_worker_that_is_not_partial_generates_nothing_for_it()
    {
        var (driver, _, _) = Run("""
            using Numa;
            namespace Shop;
            [PinnedWorker] public sealed class NotPartial { }
            [PinnedWorker] public sealed partial class Fine { }
            """);
        var hints = driver.GetRunResult().Results.Single().GeneratedSources.Select(g => g.HintName).ToList();
        Assert.Contains("Shop.Fine.Worker.g.cs", hints);
        Assert.DoesNotContain("Shop.NotPartial.Worker.g.cs", hints);
    }

    [Fact]
    public void A_worker_class_without_a_name_is_left_to_the_compiler_error()
    {
        var (driver, output, generatorDiagnostics) = Run("""
            using Numa;
            namespace Shop;
            [PinnedWorker] public sealed partial class { }
            [PinnedWorker] public sealed partial class Fine { }
            """);

        Assert.Empty(generatorDiagnostics);                                  // no CS8785: the generator did not throw
        Assert.Contains(output.GetDiagnostics(), d => d.Id == "CS1001");     // "Identifier expected", the user's error
        Assert.Equal(["NumaApp.g.cs", "Shop.Fine.Worker.g.cs"],
            driver.GetRunResult().Results.Single().GeneratedSources.Select(g => g.HintName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Workers_whose_names_differ_only_in_case_or_need_an_escape_each_get_their_own_file()
    {
        var (driver, output, generatorDiagnostics) = Run("""
            using Numa;
            namespace Shop
            {
                [PinnedWorker] public sealed partial class Shard { }
                [PinnedWorker] public sealed partial class shard { }
            }
            namespace shop { [PinnedWorker] public sealed partial class Shard { } }
            namespace Shop.@event
            {
                [PinnedWorker(Policy = Numa.Scheduling.PinPolicyKind.Explicit, Cpus = "0\n\"1\u2028")]
                public sealed partial class @class
                {
                    [NumaPlacement(Placement.Local, Length = 4)] private partial System.Span<long> @fixed { get; }
                    private partial Numa.Messaging.Outbox<int> @out { get; }
                    [Inbox] private void @checked(int value) => @fixed[0] += value;
                }
                [PinnedWorker] public sealed partial class Graph { private partial Numa.Messaging.Outbox<int> Out { get; } }
            }
            """);

        Assert.Empty(generatorDiagnostics);
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        var hints = driver.GetRunResult().Results.Single().GeneratedSources.Select(g => g.HintName).ToList();
        Assert.Equal(["NumaApp.g.cs", "Shop.Shard.Worker.g.cs", "Shop.event.Graph.Worker.g.cs", "Shop.event.class.Worker.g.cs",
            "Shop.shard.2.Worker.g.cs", "shop.Shard.3.Worker.g.cs"], hints.Order(StringComparer.Ordinal));
        Assert.Equal(hints.Count, hints.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        string app = driver.GetRunResult().Results.Single().GeneratedSources.Single(g => g.HintName == "NumaApp.g.cs").SourceText.ToString();
        Assert.Contains("PinPolicy.Explicit(\"0\\u000a\\\"1\\u2028\")", app);   // the Cpus text as it was written
        Assert.All(hints, h => Assert.DoesNotContain("@", h));
    }

    [Fact]
    public void A_second_handler_for_a_message_type_and_handlers_named_like_the_loop_locals_still_compile()
    {
        var (driver, output, generatorDiagnostics) = Run("""
            using Numa;
            namespace Shop;
            public record struct M(int X);
            public record struct N(int X);
            [PinnedWorker] public sealed partial class W
            {
                public long Sum;
                [Inbox] private void On(in M m) => Sum += m.X;
                [Inbox] private void On(M m) => Sum -= m.X;        // NUMA0006; the generator keeps the first
                [Inbox] private void n(N value) => Sum += value.X; // 'n', 'i', 'ring' are locals of the polling loop
            }
            """);

        Assert.Empty(generatorDiagnostics);
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        string worker = driver.GetRunResult().Results.Single().GeneratedSources.Single(g => g.HintName == "Shop.W.Worker.g.cs").SourceText.ToString();
        Assert.Contains("this.On(in batch0[i]);", worker);
        Assert.DoesNotContain("this.On(batch", worker);
        Assert.Contains("this.n(batch1[i]);", worker);
    }

    [Fact]
    public void Constructors_with_optional_arguments_and_a_nullable_Run_context_are_generated()
    {
        var (driver, output, generatorDiagnostics) = Run("""
            using Numa;
            using Numa.Scheduling;
            namespace Shop;
            [PinnedWorker] public sealed partial class Optional
            {
                public Optional(int capacity = 16) { }
                private void Run(WorkerContext? context) { }
            }
            [PinnedWorker] public sealed partial class Required { public required int X { get; init; } }
            """);

        Assert.Empty(generatorDiagnostics);
        var sources = driver.GetRunResult().Results.Single().GeneratedSources;
        Assert.Equal(["NumaApp.g.cs", "Shop.Optional.Worker.g.cs"], sources.Select(g => g.HintName).Order(StringComparer.Ordinal));
        Assert.Contains("Run(context);", sources.Single(g => g.HintName == "Shop.Optional.Worker.g.cs").SourceText.ToString());
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void No_workers_no_NumaApp()
    {
        var (driver, _, _) = Run("namespace Shop; public class Plain { }");
        Assert.Empty(driver.GetRunResult().Results.Single().GeneratedSources);
    }

    internal static (GeneratorDriver Driver, Compilation Output, IReadOnlyList<Diagnostic> Diagnostics) Run(string source)
    {
        var compilation = TestCompilation.Create(source);
        var driver = TestCompilation.CreateDriver(new NumaGenerator())
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return (driver, output, diagnostics);
    }

    private static void AssertNoRoslynObjects(object? node, HashSet<object> seen)
    {
        if (node is null || !seen.Add(node)) return;
        Assert.False(node is ISymbol or SyntaxNode or Compilation or SemanticModel or Location, $"pipeline model contains {node.GetType()}");
        var type = node.GetType();
        if (type.IsPrimitive || type.IsEnum || node is string) return;
        if (node is IEnumerable items)
        {
            foreach (var item in items) AssertNoRoslynObjects(item, seen);
            return;
        }
        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            AssertNoRoslynObjects(field.GetValue(node), seen);
    }
}

// Runs what the generator wrote: compiles the sample pipeline, loads it, and lets the generated NumaApp plan, wire,
// start and stop the workers on this machine, then checks every message arrived and the Local state was used.
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Numa.Workers;

namespace Numa.Tests.Generators;

public sealed class GeneratedAppRunTests
{
    [Fact]
    public async Task The_generated_NumaApp_runs_the_pipeline_to_completion()
    {
        var (_, output, _) = GeneratorTests.Run(GeneratorTests.Pipeline);
        using var image = new MemoryStream();
        var emit = output.Emit(image);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        image.Position = 0;
        var context = new AssemblyLoadContext("generated-pipeline", isCollectible: true);
        try
        {
            var assembly = context.LoadFromStream(image);
            var appType = assembly.GetType("Tests.NumaApp", throwOnError: true)!;
            var app = (IAsyncDisposable)appType.GetMethod("Create")!.Invoke(null, [new NumaAppOptions { RingCapacity = 16 }])!;
            await using (app)
            {
                var description = (WorkerGraphDescription)appType.GetMethod("Describe")!.Invoke(app, null)!;
                int intakes = description.Workers.Count(w => w.Worker == "Intake");
                int shards = description.Workers.Count(w => w.Worker == "Shard");
                Assert.Equal(Environment.ProcessorCount, shards);
                Assert.Equal(intakes * shards + shards, description.Rings.Count);   // Intake->Shard pairs, Shard->Audit

                // Interleaved data is written before start, by the main thread.
                var prices = assembly.GetType("Shop.Shard")!.GetField("__numaShared_Prices", BindingFlags.Static | BindingFlags.NonPublic)!;
                var table = (Numa.Memory.ArenaArray<int>)prices.GetValue(null)!;
                Assert.Equal(16, table.Length);
                for (int i = 0; i < table.Length; i++) table.Span[i] = i + 1;

                await (Task)appType.GetMethod("StartAsync")!.Invoke(app, null)!;
                var completion = (Task)appType.GetProperty("Completion")!.GetValue(app)!;
                Assert.Same(completion, await Task.WhenAny(completion, Task.Delay(TimeSpan.FromSeconds(60))));
                await completion;

                var auditSet = appType.GetProperty("Audit", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(app)!;
                var audit = ((System.Collections.IEnumerable)auditSet.GetType().GetProperty("Instances")!.GetValue(auditSet)!).Cast<object>().Single();
                long quantity = (long)audit.GetType().GetField("Quantity")!.GetValue(audit)!;
                // Each intake sends orders 0..99 of quantity 2; each shard weights them by the Interleaved price table
                // and reports its Local total once its inboxes complete.
                long expected = intakes * Enumerable.Range(0, 100).Sum(id => 2L * (id % 16 + 1));
                Assert.Equal(expected, quantity);
                var graph = (WorkerGraph)appType.GetProperty("Graph")!.GetValue(app)!;
                Assert.All(graph.QueryRingPlacement(), r => Assert.True(r.Pages.TotalPages > 0));
            }
        }
        finally
        {
            context.Unload();
        }
    }
}

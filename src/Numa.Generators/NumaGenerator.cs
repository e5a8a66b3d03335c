// The Numa source generator: for each [PinnedWorker] class, its thread body (allocation after pinning, inbox polling,
// outbox completion); for the assembly, one NumaApp that plans, wires and starts the whole worker graph.
using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Numa.Generators.Helpers;
using Numa.Generators.Model;

namespace Numa.Generators;

/// <summary>
/// Writes, for every <c>[PinnedWorker]</c> partial class, <c>{Namespace}.{Type}.Worker.g.cs</c> (its Local and
/// Interleaved members, inbox polling and <c>INumaWorker.RunWorker</c>), and for the assembly <c>NumaApp.g.cs</c>
/// (the worker graph: instances planned per policy, one ring per producer/consumer instance pair on the producer's
/// node, interleaved shared arrays, start and stop as one). Reports no diagnostics: Numa.Analyzers does.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class NumaGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var workers = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownTypeNames.PinnedWorkerAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => Parser.ParseWorker(ctx, ct))
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Workers);

        // Each worker's file depends on its own model and on the names of all workers (for a unique hint name), so an
        // edit inside one worker re-emits that worker only.
        var workerNames = workers
            .Select(static (w, _) => w.FullName)
            .Collect()
            .Select(static (names, _) => names.Sort(StringComparer.Ordinal).ToEquatableArray())
            .WithTrackingName(TrackingNames.WorkerNames);

        context.RegisterSourceOutput(workers.Combine(workerNames), static (spc, pair) =>
            spc.AddSource(Emitter.WorkerHintName(pair.Left, pair.Right), Emitter.EmitWorker(pair.Left)));

        var rootNamespace = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue("build_property.RootNamespace", out var ns) ? ns : "")
            .Combine(context.CompilationProvider.Select(static (c, _) => c.AssemblyName ?? ""))
            .Select(static (pair, _) => Emitter.NamespaceFor(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.RootNamespace);

        var app = workers.Collect()
            .Combine(rootNamespace)
            .Select(static (pair, _) => new AppModel(pair.Right,
                pair.Left.OrderBy(w => w.FullName, StringComparer.Ordinal).ToEquatableArray()))
            .WithTrackingName(TrackingNames.App);

        context.RegisterSourceOutput(app, static (spc, model) =>
        {
            if (model.Workers.Count > 0) spc.AddSource("NumaApp.g.cs", Emitter.EmitApp(model));
        });
    }
}

// Value model → C# text. No Roslyn types here. The output is code a person could have written against the public
// runtime API (Numa.Workers.WorkerGraph, Numa.Messaging.Outbox<T>, Numa.Memory.ArenaRef<T>/ArenaArray<T>).
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;
using Numa.Generators.Helpers;
using Numa.Generators.Model;
using Numa.Scheduling;

namespace Numa.Generators;

public sealed partial class NumaGenerator
{
    internal static class Emitter
    {
        private const int BatchSize = 32;
        private const int BatchBytes = 4096;
        private static readonly string s_version = typeof(NumaGenerator).Assembly.GetName().Version?.ToString() ?? "1.0.0.0";
        private static readonly string s_generatedCode = $"[global::System.CodeDom.Compiler.GeneratedCode(\"Numa.Generators\", \"{s_version}\")]";
        private const string Hidden = "[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]";

        /// <summary>{Namespace}.{Type}.Worker.g.cs with the '@' of escaped keywords dropped (a hint name takes letters,
        /// digits and ._-+ only). Roslyn compares hint names ignoring case, so of the workers whose names then match
        /// (Shop.Shard, shop.Shard, Shop.shard) the first in ordinal order keeps the plain name, the others get ".2", ".3" ….</summary>
        public static string WorkerHintName(WorkerModel w, EquatableArray<string> allWorkers)
        {
            string stem = HintStem(w.FullName);
            int rank = 0, matches = 0;
            foreach (string other in allWorkers)
            {
                if (!string.Equals(HintStem(other), stem, System.StringComparison.OrdinalIgnoreCase)) continue;
                matches++;
                if (string.CompareOrdinal(other, w.FullName) < 0) rank++;
            }
            return stem + (matches > 1 && rank > 0 ? "." + (rank + 1).ToString(CultureInfo.InvariantCulture) : "") + ".Worker.g.cs";
        }

        private static string HintStem(string fullName)
        {
            var b = new StringBuilder();
            foreach (char ch in fullName.StartsWith("global::", System.StringComparison.Ordinal) ? fullName.Substring(8) : fullName)
                if (ch != '@') b.Append(char.IsLetterOrDigit(ch) || ch is '.' or '_' or '-' or '+' ? ch : '_');
            return b.ToString();
        }

        public static string NamespaceFor(string rootNamespace, string assemblyName)
        {
            string candidate = rootNamespace.Length > 0 ? rootNamespace : assemblyName;
            var parts = candidate.Split('.').Select(Identifier).Where(p => p.Length > 0).ToArray();
            return parts.Length > 0 ? string.Join(".", parts) : "Numa.Generated";
        }

        public static string EmitWorker(WorkerModel w)
        {
            var s = Header();
            if (w.Namespace.Length > 0) s.Line($"namespace {w.Namespace};").Line();
            s.Open($"partial class {Escape(w.Name)} : global::Numa.Workers.INumaWorker");

            foreach (var m in w.Members)
            {
                switch (m.Kind)
                {
                    case MemberKind.LocalRef:
                        s.Line($"// Local: allocated in this worker's node arena on its pinned thread (first touch on its node).");
                        s.Line($"private global::Numa.Memory.ArenaRef<{m.ElementType}> __numaLocal_{m.Name};");
                        s.Line($"{m.Modifiers} ref {m.ElementType} {Escape(m.Name)} => ref __numaLocal_{m.Name}.Value;");
                        break;
                    case MemberKind.LocalSpan:
                        s.Line($"// Local: {m.Length} elements in this worker's node arena, allocated on its pinned thread.");
                        s.Line($"private global::Numa.Memory.ArenaArray<{m.ElementType}> __numaLocal_{m.Name};");
                        s.Line($"{m.Modifiers} global::System.Span<{m.ElementType}> {Escape(m.Name)} => __numaLocal_{m.Name}.Span;");
                        break;
                    case MemberKind.InterleavedSpan:
                        s.Line($"// Interleaved: {m.Length} elements shared by every worker, pages spread over the nodes; set by NumaApp.Create.");
                        s.Line(Hidden);
                        s.Line($"internal static global::Numa.Memory.ArenaArray<{m.ElementType}> __numaShared_{m.Name};");
                        s.Line($"{m.Modifiers} global::System.Span<{m.ElementType}> {Escape(m.Name)} => __numaShared_{m.Name}.Span;");
                        break;
                }
                s.Line();
            }

            foreach (var o in w.Outboxes)
            {
                s.Line($"// One ring per consumer instance, on this worker's node; connected by NumaApp.Create.");
                s.Line(Hidden);
                s.Line($"internal global::Numa.Messaging.Outbox<{o.MessageType}> __numaOutbox_{o.Name} = new(global::System.Array.Empty<global::Numa.Messaging.SpscRing<{o.MessageType}>>());");
                s.Line($"{o.Modifiers} {o.DeclaredType} {Escape(o.Name)} => __numaOutbox_{o.Name};");
                s.Line();
            }

            foreach (var i in w.Inboxes)
            {
                s.Line($"// The ring from each producer instance into {i.Method}; connected by NumaApp.Create.");
                s.Line(Hidden);
                s.Line($"internal global::Numa.Messaging.SpscRing<{i.MessageType}>[] {i.Field} = global::System.Array.Empty<global::Numa.Messaging.SpscRing<{i.MessageType}>>();");
                s.Line();
            }

            if (w.Inboxes.Count > 0)
            {
                s.Line($"/// <summary>Reads each inbox ring once, up to {BatchSize} messages (at most {BatchBytes} bytes of stack) per ring, and calls");
                s.Line("/// the handlers on this thread.</summary>");
                s.Line("/// <returns>The number of messages handled.</returns>");
                s.Open("private int __numaPollInboxes()");
                s.Line("int handled = 0;");
                for (int k = 0; k < w.Inboxes.Count; k++)
                {
                    var i = w.Inboxes[k];
                    s.Line($"global::System.Span<{i.MessageType}> batch{k} = stackalloc {i.MessageType}[{BatchExpression(i.MessageType)}];");
                    s.Open($"foreach (var ring in {i.Field})");
                    s.Line($"int n = ring.TryRead(batch{k});");
                    s.Line($"for (int i = 0; i < n; i++) this.{Escape(i.Method)}({(i.ByIn ? "in " : "")}batch{k}[i]);");
                    s.Line("handled += n;");
                    s.Close();
                }
                s.Line("return handled;");
                s.Close().Line();

                s.Line("/// <summary>True when every producer has completed and every inbox ring is drained.</summary>");
                s.Open("private bool __numaInboxesCompleted()");
                foreach (var i in w.Inboxes)
                {
                    s.Open($"foreach (var ring in {i.Field})");
                    s.Line("if (!ring.IsCompleted) return false;");
                    s.Close();
                }
                s.Line("return true;");
                s.Close().Line();
            }

            s.Line("/// <summary>Runs on this worker's dedicated thread after it has pinned itself.</summary>");
            s.Open("void global::Numa.Workers.INumaWorker.RunWorker(global::Numa.Scheduling.WorkerContext context)");
            foreach (var m in w.Members.Where(m => m.Kind == MemberKind.LocalRef))
                s.Line($"__numaLocal_{m.Name} = context.Arena.AllocateRef<{m.ElementType}>();");
            foreach (var m in w.Members.Where(m => m.Kind == MemberKind.LocalSpan))
                s.Line($"__numaLocal_{m.Name} = context.Arena.AllocateArray<{m.ElementType}>({m.Length.ToString(CultureInfo.InvariantCulture)});");
            s.Open("try");
            if (w.HasOnStart) s.Line("OnStart(context);");
            if (w.HasRun)
            {
                s.Line("Run(context);");
            }
            else if (w.Inboxes.Count > 0)
            {
                s.Line("var idle = new global::Numa.Workers.IdleBackoff();");
                s.Open("while (true)");
                s.Open("if (__numaPollInboxes() != 0)");
                s.Line("idle.Reset();");
                s.Line("continue;");
                s.Close();
                s.Line("if (__numaInboxesCompleted()) break;");
                s.Open("if (context.Stopping.IsCancellationRequested)");
                s.Line("while (__numaPollInboxes() != 0) { }");
                s.Line("break;");
                s.Close();
                s.Line("idle.Wait();");
                s.Close();
            }
            s.Close();
            s.Line("catch (global::System.OperationCanceledException) when (context.Stopping.IsCancellationRequested)");
            s.Line("{");
            s.Line("    // The application is stopping: a blocking send gave up.");
            s.Line("}");
            s.Open("finally");
            if (w.HasOnStop) s.Line("OnStop();");
            foreach (var o in w.Outboxes) s.Line($"__numaOutbox_{o.Name}.Complete();");
            foreach (var m in w.Members.Where(m => m.Kind != MemberKind.InterleavedSpan))
                s.Line($"__numaLocal_{m.Name} = default; // the arena is freed with the worker's context");
            s.Close();
            s.Close();
            s.Close();
            return s.ToString();
        }

        public static string EmitApp(AppModel app)
        {
            var workers = app.Workers;
            var names = UniqueNames(workers);                                    // WorkerSet properties
            var usedLocals = new HashSet<string>(System.StringComparer.Ordinal) { "_graph", "graph", "options", "p", "c" };
            var locals = names.Select(n => UniqueLocal(Camel(n), usedLocals)).ToList();   // ctor parameters and Create's locals
            var s = Header();
            s.Line($"namespace {app.Namespace};").Line();
            s.Line("/// <summary>");
            s.Line("/// The pinned workers of this assembly and the rings between them, planned on this machine: each [PinnedWorker] type's");
            s.Line("/// instances, one single-producer/single-consumer ring per (producer instance, consumer instance) on the producer's");
            s.Line("/// node, and the interleaved shared arrays. <see cref=\"Create\"/> plans and allocates; <see cref=\"StartAsync\"/> starts");
            s.Line("/// every worker on its own pinned thread; <see cref=\"StopAsync\"/> or <see cref=\"DisposeAsync\"/> stops them as one.");
            s.Line("/// </summary>");
            s.Line(s_generatedCode);
            s.Open("public sealed partial class NumaApp : global::System.IAsyncDisposable");
            s.Line("private readonly global::Numa.Workers.WorkerGraph _graph;").Line();

            s.Line($"private NumaApp(global::Numa.Workers.WorkerGraph graph{string.Concat(workers.Select((w, k) => $", global::Numa.Workers.WorkerSet<{w.FullName}> {locals[k]}"))})");
            s.Line("{");
            s.Line("    _graph = graph;");
            for (int k = 0; k < workers.Count; k++) s.Line($"    {Escape(names[k])} = {locals[k]};");
            s.Line("}").Line();

            for (int k = 0; k < workers.Count; k++)
            {
                s.Line($"/// <summary>The instances of <see cref=\"{workers[k].FullName}\"/> and where each runs.</summary>");
                s.Line($"{(workers[k].IsPublic ? "public" : "internal")} global::Numa.Workers.WorkerSet<{workers[k].FullName}> {Escape(names[k])} {{ get; }}").Line();
            }
            s.Line("/// <summary>The graph under this application: platform, sets, rings, placement queries.</summary>");
            s.Line("public global::Numa.Workers.WorkerGraph Graph => _graph;").Line();
            s.Line("/// <summary>Completes when every worker has returned; faults with the first failure.</summary>");
            s.Line("public global::System.Threading.Tasks.Task Completion => _graph.Completion;").Line();

            s.Line("/// <summary>Plans every worker type on this machine, creates the instances, the rings (each bound to its producer's");
            s.Line("/// node before first touch) and the interleaved arrays. Nothing runs until <see cref=\"StartAsync\"/>.</summary>");
            s.Line("/// <exception cref=\"global::Numa.NumaConfigurationException\">A worker's policy or count does not fit the machine.</exception>");
            s.Open("public static NumaApp Create(global::Numa.Workers.NumaAppOptions? options = null)");
            s.Line("var graph = new global::Numa.Workers.WorkerGraph(options);");
            s.Open("try");
            for (int k = 0; k < workers.Count; k++)
            {
                var w = workers[k];
                s.Line($"var {locals[k]} = graph.AddWorkers(\"{w.Name}\", {PolicyExpression(w)}, {CountExpression(w)}, static _ => new {w.FullName}());");
            }
            foreach (var w in workers)
                foreach (var m in w.Members.Where(m => m.Kind == MemberKind.InterleavedSpan))
                    s.Line($"{w.FullName}.__numaShared_{m.Name} = graph.AllocateInterleaved<{m.ElementType}>({m.Length.ToString(CultureInfo.InvariantCulture)}, \"{w.Name}.{m.Name}\");");

            // inbox (consumer index, method) -> connection variables feeding it
            var feeds = new Dictionary<(int, string), List<string>>();
            for (int p = 0; p < workers.Count; p++)
            {
                foreach (var o in workers[p].Outboxes)
                {
                    var consumers = new List<(int Worker, InboxModel Inbox)>();
                    for (int c = 0; c < workers.Count; c++)
                        foreach (var i in workers[c].Inboxes)
                            if (i.MessageType == o.MessageType) consumers.Add((c, i));
                    if (consumers.Count != 1)
                    {
                        s.Line($"// {workers[p].Name}.{o.Name}: {(consumers.Count == 0 ? "no" : "more than one")} [Inbox] takes {o.MessageType}; left unconnected (NUMA2003/NUMA2005).");
                        continue;
                    }
                    var (consumer, inbox) = consumers[0];
                    string connection = UniqueLocal(locals[p] + o.Name, usedLocals);
                    s.Line($"// {workers[p].Name}.{o.Name} -> {workers[consumer].Name}.{inbox.Method}: one ring per (producer, consumer) instance pair, on the producer's node.");
                    s.Line($"var {connection} = graph.Connect<{o.MessageType}>({locals[p]}, {locals[consumer]}, \"{workers[p].Name}.{o.Name}\");");
                    s.Line($"for (int p = 0; p < {locals[p]}.Count; p++) {locals[p]}[p].__numaOutbox_{o.Name} = {connection}.Outbox(p);");
                    var key = (consumer, inbox.Field);
                    if (!feeds.TryGetValue(key, out var list)) feeds[key] = list = new List<string>();
                    list.Add(connection);
                }
            }
            foreach (var feed in feeds.OrderBy(f => f.Key.Item1).ThenBy(f => f.Key.Item2, System.StringComparer.Ordinal))
            {
                string set = locals[feed.Key.Item1];
                string rings = feed.Value.Count == 1
                    ? $"{feed.Value[0]}.Inbox(c)"
                    : "[" + string.Join(", ", feed.Value.Select(v => $"..{v}.Inbox(c)")) + "]";
                s.Line($"for (int c = 0; c < {set}.Count; c++) {set}[c].{feed.Key.Item2} = {rings};");
            }
            s.Line($"return new NumaApp(graph{string.Concat(locals.Select(l => ", " + l))});");
            s.Close();
            s.Open("catch");
            s.Line("graph.DisposeAsync().AsTask().GetAwaiter().GetResult();");
            s.Line("throw;");
            s.Close();
            s.Close().Line();

            s.Line("/// <summary>Starts every worker on its own pinned thread; returns once all have pinned themselves.</summary>");
            s.Line("/// <exception cref=\"global::Numa.Native.NumaNativeException\">A worker could not pin itself (the others are stopped).</exception>");
            s.Line("public global::System.Threading.Tasks.Task StartAsync() => _graph.StartAsync();").Line();
            s.Line("/// <summary>Signals every worker to stop (blocking sends give up, inboxes are drained) and waits for them.</summary>");
            s.Line("public global::System.Threading.Tasks.Task StopAsync() => _graph.StopAsync();").Line();
            s.Line("/// <summary>Workers with their CPUs and nodes, rings with their nodes (what <c>numa graph</c> prints).</summary>");
            s.Line("public global::Numa.Workers.WorkerGraphDescription Describe() => _graph.Describe();").Line();
            s.Line("/// <summary>Stops the workers, frees the rings and the interleaved arrays.</summary>");
            s.Open("public async global::System.Threading.Tasks.ValueTask DisposeAsync()");
            s.Open("try");
            s.Line("await _graph.DisposeAsync().ConfigureAwait(false);");
            s.Close();
            s.Open("finally");
            bool anyShared = false;
            foreach (var w in workers)
                foreach (var m in w.Members.Where(m => m.Kind == MemberKind.InterleavedSpan))
                {
                    s.Line($"{w.FullName}.__numaShared_{m.Name} = default;");
                    anyShared = true;
                }
            if (!anyShared) s.Line("// no interleaved arrays to release");
            s.Close();
            s.Close();
            s.Close();
            return s.ToString();
        }

        private static string BatchExpression(string messageType) =>
            $"global::System.Math.Clamp({BatchBytes} / global::System.Runtime.CompilerServices.Unsafe.SizeOf<{messageType}>(), 1, {BatchSize})";

        private static SourceWriter Header() => new SourceWriter()
            .Line("// <auto-generated/>")
            .Line("// Generated by Numa.Generators from [PinnedWorker], [NumaPlacement] and [Inbox] declarations. Do not edit.")
            .Line("#nullable enable")
            .Line("#pragma warning disable CS0612, CS0618")
            .Line();

        private static string PolicyExpression(WorkerModel w) => (PinPolicyKind)w.Policy switch
        {
            PinPolicyKind.Scatter => "global::Numa.Scheduling.PinPolicy.Scatter",
            PinPolicyKind.BindNode => $"global::Numa.Scheduling.PinPolicy.BindNode({w.Node.ToString(CultureInfo.InvariantCulture)})",
            PinPolicyKind.Explicit => $"global::Numa.Scheduling.PinPolicy.Explicit({Literal(w.Cpus ?? "")})",
            _ => "global::Numa.Scheduling.PinPolicy.Compact",
        };

        private static string CountExpression(WorkerModel w) =>
            w.PerCpu ? "global::Numa.Workers.WorkerCount.PerCpu"
            : w.PerNode > 0 ? $"global::Numa.Workers.WorkerCount.PerNode({w.PerNode.ToString(CultureInfo.InvariantCulture)})"
            : $"global::Numa.Workers.WorkerCount.Fixed({(w.Count > 0 ? w.Count : 1).ToString(CultureInfo.InvariantCulture)})";

        private static string Literal(string text)
        {
            var b = new StringBuilder("\"");
            foreach (char ch in text)
            {
                if (ch is '"' or '\\') b.Append('\\').Append(ch);
                else if (char.IsControl(ch) || char.IsSurrogate(ch) || ch is '\u2028' or '\u2029' or '\u0085')
                    b.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));   // a newline ends a C# string
                else b.Append(ch);
            }
            return b.Append('"').ToString();
        }

        private static List<string> UniqueNames(EquatableArray<WorkerModel> workers)
        {
            // NumaApp's own members and object's are taken: a worker named Graph gets the property Shop_Graph, one named
            // GetType Shop_GetType (a property GetType would hide object.GetType, CS0108).
            var used = new HashSet<string>(System.StringComparer.Ordinal)
            {
                "NumaApp", "_graph", "Graph", "Completion", "Create", "StartAsync", "StopAsync", "Describe", "DisposeAsync",
                "GetType", "ToString", "Equals", "GetHashCode", "MemberwiseClone", "ReferenceEquals", "Finalize",
            };
            var names = new List<string>();
            foreach (var w in workers)
                names.Add(used.Add(w.Name) ? w.Name : UniqueLocal(Identifier(w.FullName.Replace("global::", "").Replace("@", "").Replace('.', '_')), used));
            return names;
        }

        private static string Camel(string name) => "_" + char.ToLowerInvariant(name[0]) + name.Substring(1);

        // Worker types "Shard" and "shard" are two properties but would be one local "_shard"; a worker named Graph would
        // shadow the _graph field. The first keeps its name, later ones get 2, 3 ….
        private static string UniqueLocal(string candidate, HashSet<string> used)
        {
            string name = candidate;
            for (int k = 2; !used.Add(name); k++) name = candidate + k.ToString(CultureInfo.InvariantCulture);
            return name;
        }

        /// <summary>A name as C# source: a reserved keyword gets its '@' back (a class declared <c>@class</c>).</summary>
        public static string Escape(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        public static string Identifier(string text)
        {
            var b = new StringBuilder();
            foreach (char ch in text)
                b.Append(char.IsLetterOrDigit(ch) || ch == '_' ? ch : '_');
            if (b.Length > 0 && char.IsDigit(b[0])) b.Insert(0, '_');
            return b.ToString();
        }
    }
}

// Checks the declarations the generator works from: worker classes, their [NumaPlacement] members, inboxes and
// outboxes, lifecycle methods, placed struct types and message types (NUMA0001–NUMA0009, NUMA1003), and, over the whole compilation,
// that every outbox has exactly one consumer type (NUMA2003, NUMA2005).
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Numa.Generators.Helpers;
using Numa.Scheduling;

namespace Numa.Analyzers;

/// <summary>Worker, placement, inbox and outbox declarations.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class WorkerDeclarationAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.PlacementTypeNotUnmanaged, DiagnosticDescriptors.MessageTypeNotUnmanaged,
        DiagnosticDescriptors.WorkerNotPartial, DiagnosticDescriptors.WorkerShapeNotSupported,
        DiagnosticDescriptors.InvalidWorkerConfiguration, DiagnosticDescriptors.InvalidInbox,
        DiagnosticDescriptors.InvalidPlacedMember, DiagnosticDescriptors.InvalidOutbox, DiagnosticDescriptors.LifecycleMethodNotCalled,
        DiagnosticDescriptors.LocalStateInMessage,
        DiagnosticDescriptors.OutboxWithoutConsumer, DiagnosticDescriptors.MessageWithSeveralConsumers);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var symbols = NumaSymbols.From(start.Compilation);
            if (symbols is null) return;
            var outboxes = new ConcurrentBag<IPropertySymbol>();
            var inboxes = new ConcurrentBag<IMethodSymbol>();
            start.RegisterSymbolAction(c => AnalyzeType(c, symbols), SymbolKind.NamedType);
            start.RegisterSymbolAction(c => AnalyzeProperty(c, symbols, outboxes), SymbolKind.Property);
            start.RegisterSymbolAction(c => AnalyzeMethod(c, symbols, inboxes), SymbolKind.Method);
            start.RegisterCompilationEndAction(c => AnalyzeWiring(c, symbols, outboxes, inboxes));
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, NumaSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (symbols.PlacementAttribute(type) is { } placed && !type.IsUnmanagedType)
            Report(context, DiagnosticDescriptors.PlacementTypeNotUnmanaged, Location(placed, type), Display(type), "node-placed");

        var attribute = symbols.WorkerAttribute(type);
        if (attribute is null) return;
        var declarations = type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(context.CancellationToken)).OfType<ClassDeclarationSyntax>().ToList();
        var notPartial = declarations.FirstOrDefault(d => !d.Modifiers.Any(m => m.Text == "partial"));
        if (notPartial is not null)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WorkerNotPartial, notPartial.Identifier.GetLocation(), type.Name));

        string? shape = WorkerShape.Problem(type);
        if (shape is not null)
            Report(context, DiagnosticDescriptors.WorkerShapeNotSupported, type.Locations.FirstOrDefault(), type.Name, shape);

        foreach (var problem in ConfigurationProblems(attribute))
            Report(context, DiagnosticDescriptors.InvalidWorkerConfiguration, Location(attribute, type), type.Name, problem);

        // A Run, OnStart or OnStop the thread body will not call: reported when no method of that name has the shape
        // (a helper overload Run(int) beside Run(WorkerContext) is fine).
        foreach (var named in type.GetMembers().OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary)
                     .GroupBy(m => m.Name).Where(g => WorkerShape.LifecycleShape(g.Key) is not null))
        {
            if (named.Any(m => WorkerShape.LifecycleRole(m) is not null)) continue;
            var first = named.First();
            Report(context, DiagnosticDescriptors.LifecycleMethodNotCalled, first.Locations.FirstOrDefault(), first.Name, WorkerShape.LifecycleShape(first.Name)!);
        }
    }

    private static IEnumerable<string> ConfigurationProblems(AttributeData attribute)
    {
        // A repeated argument (Count = 1, Count = 2) is the compiler's CS0643; the first counts, as in the generator.
        var args = attribute.NamedArguments.GroupBy(a => a.Key).ToDictionary(g => g.Key, g => g.First().Value.Value);
        int policy = args.TryGetValue(nameof(PinnedWorkerAttribute.Policy), out var p) && p is int pv ? pv : 0;
        bool perCpu = args.TryGetValue(nameof(PinnedWorkerAttribute.PerCpu), out var pc) && pc is true;
        int perNode = args.TryGetValue(nameof(PinnedWorkerAttribute.PerNode), out var pn) && pn is int pnv ? pnv : 0;
        int count = args.TryGetValue(nameof(PinnedWorkerAttribute.Count), out var c) && c is int cv ? cv : 0;
        int node = args.TryGetValue(nameof(PinnedWorkerAttribute.Node), out var n) && n is int nv ? nv : -1;
        string? cpus = args.TryGetValue(nameof(PinnedWorkerAttribute.Cpus), out var cs) ? cs as string : null;
        int rules = (perCpu ? 1 : 0) + (perNode != 0 ? 1 : 0) + (count != 0 ? 1 : 0);
        if (rules > 1) yield return "set only one of Count, PerNode and PerCpu";
        if (count < 0) yield return $"Count must be at least 1, not {count}";
        if (perNode < 0) yield return $"PerNode must be at least 1, not {perNode}";
        if ((PinPolicyKind)policy == PinPolicyKind.BindNode && node < 0) yield return "Policy = BindNode needs Node = <node id>";
        if ((PinPolicyKind)policy != PinPolicyKind.BindNode && node >= 0) yield return "Node is only used with Policy = BindNode";
        if ((PinPolicyKind)policy == PinPolicyKind.Explicit && string.IsNullOrWhiteSpace(cpus)) yield return "Policy = Explicit needs Cpus = \"<cpu list>\" (for example \"0-3,8\")";
        if ((PinPolicyKind)policy != PinPolicyKind.Explicit && cpus is not null) yield return "Cpus is only used with Policy = Explicit";
        if (cpus is not null && !IsCpuList(cpus)) yield return $"Cpus \"{cpus}\" is not a cpuset(7) list such as \"0-3,8\"";
    }

    // What CpuSet.Parse accepts at start: decimal ids 0..65535 (no sign, no other digits), ranges that run forwards.
    private static bool IsCpuList(string text)
    {
        foreach (var part in text.Split(','))
        {
            var bounds = part.Trim().Split('-');
            var ids = new int[bounds.Length];
            for (int i = 0; i < bounds.Length; i++)
                if (!int.TryParse(bounds[i].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out ids[i]) || ids[i] > MaxCpuId) return false;
            if (bounds.Length > 2 || (bounds.Length == 2 && ids[0] > ids[1])) return false;
        }
        return true;
    }

    private const int MaxCpuId = (1 << 16) - 1;                                // CpuSet's limit (NR_CPUS is at most 8192)

    private static void AnalyzeProperty(SymbolAnalysisContext context, NumaSymbols symbols, ConcurrentBag<IPropertySymbol> outboxes)
    {
        var property = (IPropertySymbol)context.Symbol;
        if (property.IsPartialDefinition is false && property.PartialDefinitionPart is not null) return; // the generated implementation
        bool inWorker = symbols.IsWorker(property.ContainingType);

        var attribute = symbols.PlacementAttribute(property);
        if (attribute is null && inWorker && symbols.OutboxMessage(property.Type) is { } message)
        {
            string? outboxProblem = OutboxProblem(property, message);
            if (outboxProblem is not null) Report(context, DiagnosticDescriptors.InvalidOutbox, property.Locations.FirstOrDefault(), property.Name, outboxProblem);
            else outboxes.Add(property);
            CheckMessageType(context, symbols, message, property.Locations.FirstOrDefault());
        }
        if (attribute is null) return;
        var placement = symbols.PlacementOf(property);
        int length = attribute.NamedArguments.FirstOrDefault(a => a.Key == nameof(NumaPlacementAttribute.Length)).Value.Value is int l ? l : 0;
        var location = property.Locations.FirstOrDefault();
        var element = property.Type is INamedTypeSymbol { TypeArguments.Length: 1 } span && span.ConstructedFrom.ToDisplayString() == "System.Span<T>"
            ? span.TypeArguments[0] : null;

        string? problem =
            !inWorker ? "it is not in a [PinnedWorker] class; place whole structs with [NumaPlacement] on the struct, or move the member into a worker"
            : !property.IsPartialDefinition ? "declare it as a partial property without a body, for example 'private partial ref State State { get; }'; the generator implements it"
            : property.SetMethod is not null ? "remove the setter; the generator allocates the memory and returns it"
            : placement == Placement.ProducerLocal ? "ProducerLocal applies to rings (outboxes are always on the producer's node); use Local or Interleaved"
            : placement == Placement.Local && property.IsStatic ? "Local state belongs to one worker instance; remove 'static', or use Interleaved for shared data"
            : placement == Placement.Interleaved && !property.IsStatic ? "Interleaved data is shared by every worker; declare it 'static partial Span<T>'"
            : placement == Placement.Local && property.RefKind != RefKind.Ref && element is null ? "declare it as 'partial ref T Name { get; }' or 'partial Span<T> Name { get; }' with Length"
            : placement == Placement.Interleaved && element is null ? "declare it as 'static partial Span<T> Name { get; }' with Length"
            : element is not null && length < 1 ? "set Length to the number of elements (at least 1)"
            : null;
        if (problem is not null)
        {
            Report(context, DiagnosticDescriptors.InvalidPlacedMember, location, property.Name, problem);
            return;
        }
        var valueType = element ?? property.Type;
        if (!TypeRules.IsUnmanagedValue(valueType))
            Report(context, DiagnosticDescriptors.PlacementTypeNotUnmanaged, location, Display(valueType), placement == Placement.Local ? "node-local" : "interleaved");
        else if (placement == Placement.Interleaved && !TypeRules.IsVisibleInAssembly(valueType))
            Report(context, DiagnosticDescriptors.InvalidPlacedMember, location, property.Name,
                $"the element type '{Display(valueType)}' is private, protected or file-local, and the generated NumaApp allocates the array; make it internal or public");
    }

    // What the generator's ParseOutbox needs: 'partial Outbox<T> Name { get; }' on an instance, T a type NumaApp can name.
    private static string? OutboxProblem(IPropertySymbol property, ITypeSymbol message) =>
        property.IsStatic ? "remove 'static'; an outbox belongs to one worker instance, its producer"
        : property.IsIndexer ? "an indexer cannot be an outbox; declare 'private partial Outbox<T> Name { get; }'"
        : property.RefKind != RefKind.None ? "return it by value: 'private partial Outbox<T> Name { get; }'"
        : property.SetMethod is not null ? "remove the setter; NumaApp.Create connects the outbox"
        : !property.IsPartialDefinition ? "declare it as a partial property without a body, for example 'private partial Outbox<T> Name { get; }'; the generator implements and connects it"
        : TypeRules.IsUnmanagedValue(message) && !TypeRules.IsVisibleInAssembly(message)
            ? $"the message type '{Display(message)}' is private, protected or file-local, and the generated NumaApp builds the rings; make it internal or public"
        : null;

    private static void AnalyzeMethod(SymbolAnalysisContext context, NumaSymbols symbols, ConcurrentBag<IMethodSymbol> inboxes)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (!symbols.IsInbox(method)) return;
        var location = method.Locations.FirstOrDefault();
        string? problem = !symbols.IsWorker(method.ContainingType) ? "it is not in a [PinnedWorker] class"
            : method.MethodKind != MethodKind.Ordinary ? "[Inbox] goes on an ordinary method, not an accessor, operator or explicit interface implementation"
            : method.IsStatic ? "remove 'static'; a handler runs on its worker instance"
            : method.IsAsync || !method.ReturnsVoid ? "a handler returns void and is not async"
            : method.IsGenericMethod ? "a handler is not generic; declare one per message type"
            : method.Parameters.Length != 1 ? "a handler takes exactly one parameter, the message ('in T message')"
            : method.Parameters[0].RefKind is not (RefKind.None or RefKind.In or RefKind.RefReadOnlyParameter) ? "pass the message 'in' or by value"
            : TypeRules.IsUnmanagedValue(method.Parameters[0].Type) && !TypeRules.IsVisibleInAssembly(method.Parameters[0].Type)
                ? $"the message type '{Display(method.Parameters[0].Type)}' is private, protected or file-local, and the generated NumaApp builds the rings; make it internal or public"
            : null;
        if (problem is not null)
        {
            Report(context, DiagnosticDescriptors.InvalidInbox, location, method.Name, problem);
            return;
        }
        var message = method.Parameters[0].Type;
        var duplicate = method.ContainingType.GetMembers().OfType<IMethodSymbol>()
            .FirstOrDefault(m => !SymbolEqualityComparer.Default.Equals(m, method) && symbols.IsInbox(m) && m.Parameters.Length == 1
                && SymbolEqualityComparer.Default.Equals(m.Parameters[0].Type, message));
        if (duplicate is not null && ComesFirst(duplicate, method))
            Report(context, DiagnosticDescriptors.InvalidInbox, location, method.Name, $"'{duplicate.Name}' already handles {message.Name}; keep one handler per message type");
        inboxes.Add(method);
        CheckMessageType(context, symbols, message, method.Parameters[0].Locations.FirstOrDefault() ?? location);
    }

    // Of two handlers for one message type the second is reported: by name, and for overloads (On(in M), On(M)) by
    // where they are declared.
    private static bool ComesFirst(IMethodSymbol a, IMethodSymbol b)
    {
        int byName = string.CompareOrdinal(a.Name, b.Name);
        if (byName != 0) return byName < 0;
        Location? x = a.Locations.FirstOrDefault(), y = b.Locations.FirstOrDefault();
        if (x is null || y is null) return false;
        int byFile = string.CompareOrdinal(x.SourceTree?.FilePath, y.SourceTree?.FilePath);
        return byFile != 0 ? byFile < 0 : x.SourceSpan.Start < y.SourceSpan.Start;
    }

    private static void CheckMessageType(SymbolAnalysisContext context, NumaSymbols symbols, ITypeSymbol message, Location? location)
    {
        if (!TypeRules.IsUnmanagedValue(message))
        {
            Report(context, DiagnosticDescriptors.MessageTypeNotUnmanaged, location, Display(message));
            return;
        }
        foreach (var field in message.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic))
        {
            var fieldType = field.Type is IPointerTypeSymbol pointer ? pointer.PointedAtType : field.Type;
            if (symbols.PlacementOf(fieldType) == Placement.Local)
                Report(context, DiagnosticDescriptors.LocalStateInMessage, location, message.Name, field.Name);
        }
    }

    private static void AnalyzeWiring(CompilationAnalysisContext context, NumaSymbols symbols,
        ConcurrentBag<IPropertySymbol> outboxes, ConcurrentBag<IMethodSymbol> inboxes)
    {
        var consumers = inboxes.Where(i => i.Parameters.Length == 1)
            .GroupBy(i => i.Parameters[0].Type, SymbolEqualityComparer.Default)
            .ToDictionary(g => (ITypeSymbol)g.Key!, g => g.Select(i => i.ContainingType).Distinct<INamedTypeSymbol>(SymbolEqualityComparer.Default).ToList(),
                SymbolEqualityComparer.Default);
        foreach (var outbox in outboxes)
        {
            var message = symbols.OutboxMessage(outbox.Type)!;
            var location = outbox.Locations.FirstOrDefault();
            if (!consumers.TryGetValue(message, out var types))
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.OutboxWithoutConsumer, location, outbox.Name, message.Name));
            else if (types.Count > 1)
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.MessageWithSeveralConsumers, location, message.Name,
                    string.Join(", ", types.Select(t => t.Name).OrderBy(n => n, System.StringComparer.Ordinal)), outbox.Name));
        }
    }

    // int?, Order, Outer.Inner: how the compiler's own messages name a type.
    private static string Display(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);

    private static Location? Location(AttributeData attribute, ISymbol fallback) =>
        attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? fallback.Locations.FirstOrDefault();

    private static void Report(SymbolAnalysisContext context, DiagnosticDescriptor descriptor, Location? location, params object[] args) =>
        context.ReportDiagnostic(Diagnostic.Create(descriptor, location, args));
}

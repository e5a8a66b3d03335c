// Flags code that makes one worker's node-local memory reachable from another thread or node: another instance's
// Local state (NUMA1001), Local state escaping into statics (NUMA1002) or into lambdas run elsewhere (NUMA1004),
// workers writing Interleaved shared data (NUMA1005), and outboxes written by a second producer (NUMA2004).
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Numa.Analyzers;

/// <summary>Cross-node access through Local state, Interleaved data and outboxes.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CrossNodeAccessAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.CrossWorkerLocalAccess, DiagnosticDescriptors.LocalStateEscapesToStatic,
        DiagnosticDescriptors.LocalStateCapturedByLambda, DiagnosticDescriptors.InterleavedWrite,
        DiagnosticDescriptors.RingWithSecondProducer);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var symbols = NumaSymbols.From(start.Compilation);
            if (symbols is null) return;
            start.RegisterOperationAction(c => AnalyzePropertyReference(c, symbols), OperationKind.PropertyReference);
            start.RegisterOperationAction(c => AnalyzeAssignment(c, symbols), OperationKind.SimpleAssignment,
                OperationKind.CoalesceAssignment, OperationKind.DeconstructionAssignment);
        });
    }

    private static void AnalyzePropertyReference(OperationAnalysisContext context, NumaSymbols symbols)
    {
        var reference = (IPropertyReferenceOperation)context.Operation;
        var property = reference.Property.OriginalDefinition;
        for (var up = reference.Parent; up is not null; up = up.Parent)
            if (up is INameOfOperation) return;                  // nameof(other.State) names the member, touches nothing
        if (symbols.IsLocalMember(property))
        {
            if (!IsOwnInstance(reference.Instance))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.CrossWorkerLocalAccess, reference.Syntax.GetLocation(), property.Name));
            }
            else if (ThreadHop.Find(reference) is { } sink)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LocalStateCapturedByLambda, reference.Syntax.GetLocation(), property.Name, sink));
            }
        }
        else if (symbols.IsInterleavedMember(property))
        {
            if (IsInWorkerInstanceCode(context, symbols) && IsWritten(reference))
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InterleavedWrite, reference.Syntax.GetLocation(), property.Name));
        }
        else if (symbols.IsWorkerOutbox(property))
        {
            string? how = !IsOwnInstance(reference.Instance)
                ? (reference.Instance is null ? "from static code" : "through another worker instance")
                : ThreadHop.Find(reference) is { } sink ? $"from a lambda passed to '{sink}'" : null;
            if (how is not null)
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.RingWithSecondProducer, reference.Syntax.GetLocation(), property.Name, how));
        }
    }

    // s_w = this, s_w ??= this, (s_w, _) = (this, 1): each target and the value it gets.
    private static void AnalyzeAssignment(OperationAnalysisContext context, NumaSymbols symbols)
    {
        var assignment = (IAssignmentOperation)context.Operation;
        if (assignment is IDeconstructionAssignmentOperation) CheckPairs(context, symbols, assignment, assignment.Target, assignment.Value);
        else CheckEscape(context, symbols, assignment, assignment.Target, assignment.Value);
    }

    private static void CheckPairs(OperationAnalysisContext context, NumaSymbols symbols, IAssignmentOperation assignment, IOperation target, IOperation value)
    {
        if (target is ITupleOperation targets && Unwrap(value) is ITupleOperation values && targets.Elements.Length == values.Elements.Length)
        {
            for (int i = 0; i < targets.Elements.Length; i++) CheckPairs(context, symbols, assignment, targets.Elements[i], values.Elements[i]);
            return;
        }
        CheckEscape(context, symbols, assignment, target, value);
    }

    private static void CheckEscape(OperationAnalysisContext context, NumaSymbols symbols, IAssignmentOperation assignment, IOperation targetOperation, IOperation valueOperation)
    {
        string? target = targetOperation switch
        {
            IFieldReferenceOperation { Field.IsStatic: true } f => f.Field.Name,
            IPropertyReferenceOperation { Property.IsStatic: true } p => p.Property.Name,
            _ => null,
        };
        if (target is null) return;
        var value = Unwrap(valueOperation);
        string? what = value switch
        {
            IInstanceReferenceOperation when symbols.IsWorker(context.ContainingSymbol.ContainingType) => "This worker (and with it its Local state)",
            _ when LocalStateAddress(value, symbols) is { } member => $"The address of Local state '{member}'",
            _ => null,
        };
        if (what is not null)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LocalStateEscapesToStatic, assignment.Syntax.GetLocation(), what, target));
    }

    /// <summary>The Local member whose address <paramref name="value"/> is: <c>&amp;State</c>, <c>&amp;State.Count</c>,
    /// <c>Unsafe.AsPointer(ref State)</c>, or a pointer local that only ever holds one of these
    /// (<c>fixed (State* p = &amp;State) { s_p = p; }</c>).</summary>
    private static string? LocalStateAddress(IOperation value, NumaSymbols symbols)
    {
        if (value is ILocalReferenceOperation pointer && pointer.Local.Type is IPointerTypeSymbol or IFunctionPointerTypeSymbol
            && OnlyValueOf(pointer) is { } held)
        {
            // A fixed statement's initializer is an operation of kind None around the address it pins.
            if (held is { Kind: OperationKind.None, ChildOperations.Count: 1 }) held = held.ChildOperations.First();
            value = Unwrap(held);
        }
        var target = value switch
        {
            IAddressOfOperation address => address.Reference,
            IInvocationOperation { TargetMethod.Name: "AsPointer", Arguments.Length: 1 } call
                when call.TargetMethod.ContainingType.ToDisplayString() == "System.Runtime.CompilerServices.Unsafe" => call.Arguments[0].Value,
            _ => null,
        };
        while (target is IFieldReferenceOperation { Instance: { } owner }) target = owner;   // &State.Count
        return target is IPropertyReferenceOperation p && symbols.IsLocalMember(p.Property.OriginalDefinition) ? p.Property.Name : null;
    }

    /// <summary>True for <c>this.X</c> or plain <c>X</c> in the worker's own instance code.</summary>
    // `this`, or a local whose only value is `this` (`var self = this; self.State.Count++` is the worker's own state).
    private static bool IsOwnInstance(IOperation? instance) => instance switch
    {
        IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } => true,
        ILocalReferenceOperation { Local.RefKind: RefKind.None } local => HoldsOnlyThis(local),
        _ => false,
    };

    private static bool HoldsOnlyThis(ILocalReferenceOperation reference) =>
        OnlyValueOf(reference) is { } value && Unwrap(value) is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance };

    /// <summary>The initializer of the local <paramref name="reference"/> reads when the local is never given another
    /// value in its body (<c>var self = this</c>, <c>fixed (State* p = &amp;State)</c>); null otherwise.</summary>
    private static IOperation? OnlyValueOf(ILocalReferenceOperation reference)
    {
        IOperation body = reference;
        while (body.Parent is not null) body = body.Parent;
        IOperation? initializer = null;
        foreach (var operation in body.Descendants())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, reference.Local):
                    initializer = declarator.Initializer?.Value;
                    if (initializer is null) return null;
                    break;
                case ILocalReferenceOperation other when SymbolEqualityComparer.Default.Equals(other.Local, reference.Local) && IsAssigned(other):
                    return null;
            }
        }
        return initializer;
    }

    // The local is given another value here: assigned (=, ??=, deconstruction) or passed by ref or out.
    private static bool IsAssigned(ILocalReferenceOperation local)
    {
        IOperation node = local;
        while (node.Parent is ITupleOperation tuple) node = tuple;      // (self, x) = …
        return node.Parent switch
        {
            IAssignmentOperation assignment => assignment.Target == node,
            IArgumentOperation argument => argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out,
            _ => false,
        };
    }

    private static bool IsInWorkerInstanceCode(OperationAnalysisContext context, NumaSymbols symbols) =>
        context.ContainingSymbol is { IsStatic: false } member && symbols.IsWorker(member.ContainingType);

    /// <summary>Whether the span returned by an Interleaved property (or a slice of it: <c>Slice</c>, <c>[1..]</c>) is
    /// written: an element assigned, incremented, passed by ref or bound to a <c>ref</c> local; a <c>foreach (ref …)</c>
    /// over it; a mutating Span method called on it; or the span passed where a writable Span is expected.</summary>
    private static bool IsWritten(IOperation span)
    {
        switch (span.Parent)
        {
            case IPropertyReferenceOperation { Property.IsIndexer: true } element when element.Instance == span:
                return IsElementWritten(element);
            case IImplicitIndexerReferenceOperation index when index.Instance == span:   // Table[^1], Table[1..]
                return IsSpan(index.Type) ? IsWritten(index) : IsElementWritten(index);
            case IInvocationOperation call when call.Instance == span:
                return call.TargetMethod.Name is "Clear" or "Fill" || (call.TargetMethod.Name == "Slice" && IsWritten(call));
            case IArgumentOperation argument:
                return IsSpan(argument.Parameter?.Type) && !IsReadOnlyTwin(argument);
            case IForEachLoopOperation:
                return IsRefLoopOver(span);
            case IConversionOperation conversion:
                return IsRefLoopOver(conversion);
            default:
                return false;
        }
    }

    // Table.Contains(3) under C# 13 binds MemoryExtensions.Contains(this Span<T>, T), the Span twin of a read-only
    // method: MemoryExtensions declares such twins beside the ReadOnlySpan<T> overload so that C# before first-class
    // spans finds them. A Span parameter whose overload also exists with ReadOnlySpan<T> in its place only reads.
    private static bool IsReadOnlyTwin(IArgumentOperation argument)
    {
        if (argument is not { Parameter: { } parameter, Parent: IInvocationOperation call }) return false;
        var method = call.TargetMethod.OriginalDefinition;
        if (method.ContainingType.ToDisplayString() != "System.MemoryExtensions") return false;
        return method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>().Any(twin =>
            twin.Parameters.Length == method.Parameters.Length && twin.Arity == method.Arity
            && twin.Parameters[parameter.Ordinal].Type is INamedTypeSymbol t && t.ConstructedFrom.ToDisplayString() == "System.ReadOnlySpan<T>"
            && twin.Parameters.Where(p => p.Ordinal != parameter.Ordinal).All(p =>
                p.Type.ToDisplayString() == method.Parameters[p.Ordinal].Type.ToDisplayString()));
    }

    // foreach (ref int x in Table): the loop writes through its variable.
    private static bool IsRefLoopOver(IOperation collection) =>
        collection.Parent is IForEachLoopOperation loop && loop.Collection == collection && loop.Locals.Any(l => l.RefKind == RefKind.Ref);

    private static bool IsElementWritten(IOperation element) => element.Parent switch
    {
        IAssignmentOperation a => a.Target == element,
        IIncrementOrDecrementOperation => true,
        IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } => true,
        IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Symbol.RefKind: RefKind.Ref } } => true,   // ref int t = ref Table[0]
        _ => false,
    };

    private static bool IsSpan(ITypeSymbol? type) =>
        type is INamedTypeSymbol t && t.ConstructedFrom.ToDisplayString() == "System.Span<T>";

    private static IOperation Unwrap(IOperation operation)
    {
        while (operation is IConversionOperation conversion) operation = conversion.Operand;
        return operation;
    }
}

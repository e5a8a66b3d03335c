// Flags what stalls a pinned worker inside an [Inbox] handler: blocking calls (NUMA2001) and await (NUMA2002). A
// blocked handler holds its CPU and delays every message queued behind it (thread-per-core: never block).
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Numa.Analyzers;

/// <summary>Blocking calls and await in pinned handlers.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PinnedHandlerAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.BlockingCallInHandler, DiagnosticDescriptors.AwaitInHandler);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var symbols = NumaSymbols.From(start.Compilation);
            if (symbols is null) return;
            start.RegisterOperationAction(c =>
            {
                if (Handler(c, symbols) is not { } handler) return;
                string? blocking = c.Operation switch
                {
                    IInvocationOperation call => BlockingApis.Describe(call.TargetMethod),
                    IPropertyReferenceOperation property => BlockingApis.Describe(property.Property),
                    ILockOperation => "lock",
                    _ => null,
                };
                if (blocking is not null)
                    c.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.BlockingCallInHandler, c.Operation.Syntax.GetLocation(), blocking, handler.Name));
            }, OperationKind.Invocation, OperationKind.PropertyReference, OperationKind.Lock);
            start.RegisterOperationAction(c =>
            {
                // `await foreach` and `await using` suspend too, but hold no IAwaitOperation: they are asynchronous loops
                // and usings.
                bool suspends = c.Operation switch
                {
                    IAwaitOperation => true,
                    IForEachLoopOperation loop => loop.IsAsynchronous,
                    IUsingOperation @using => @using.IsAsynchronous,
                    IUsingDeclarationOperation declaration => declaration.IsAsynchronous,
                    _ => false,
                };
                if (suspends && Handler(c, symbols) is { } handler)
                    c.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.AwaitInHandler, c.Operation.Syntax.GetLocation(), handler.Name));
            }, OperationKind.Await, OperationKind.Loop, OperationKind.Using, OperationKind.UsingDeclaration);
        });
    }

    /// <summary>The [Inbox] method whose body (not a nested lambda, which may run elsewhere) holds the operation.</summary>
    private static IMethodSymbol? Handler(OperationAnalysisContext context, NumaSymbols symbols) =>
        context.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Ordinary } method && symbols.IsInbox(method) && !InLambda(context.Operation)
            ? method : null;

    private static bool InLambda(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation) return true;
        return false;
    }
}

// The Numa types an analyzer needs, resolved once per compilation, and the questions every analyzer asks of them
// (is this a worker, a Local member, an inbox, an outbox).
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Numa.Analyzers;

internal sealed class NumaSymbols
{
    private NumaSymbols(INamedTypeSymbol pinnedWorker, INamedTypeSymbol placement, INamedTypeSymbol inbox, INamedTypeSymbol? outbox, INamedTypeSymbol? workerContext)
    {
        PinnedWorker = pinnedWorker;
        Placement = placement;
        Inbox = inbox;
        Outbox = outbox;
        WorkerContext = workerContext;
    }

    public INamedTypeSymbol PinnedWorker { get; }
    public INamedTypeSymbol Placement { get; }
    public INamedTypeSymbol Inbox { get; }
    public INamedTypeSymbol? Outbox { get; }
    public INamedTypeSymbol? WorkerContext { get; }

    /// <summary>Null when the compilation does not reference Numa.Runtime: nothing to analyze.</summary>
    public static NumaSymbols? From(Compilation compilation)
    {
        var worker = compilation.GetTypeByMetadataName(typeof(PinnedWorkerAttribute).FullName!);
        var placement = compilation.GetTypeByMetadataName(typeof(NumaPlacementAttribute).FullName!);
        var inbox = compilation.GetTypeByMetadataName(typeof(InboxAttribute).FullName!);
        if (worker is null || placement is null || inbox is null) return null;
        return new NumaSymbols(worker, placement, inbox,
            compilation.GetTypeByMetadataName("Numa.Messaging.Outbox`1"),
            compilation.GetTypeByMetadataName("Numa.Scheduling.WorkerContext"));
    }

    public AttributeData? WorkerAttribute(ITypeSymbol? type) =>
        type?.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, PinnedWorker));

    public bool IsWorker(ITypeSymbol? type) => WorkerAttribute(type) is not null;

    /// <summary>The placement declared on a member or type, or null.</summary>
    public Placement? PlacementOf(ISymbol? symbol)
    {
        var attribute = symbol?.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, Placement));
        return attribute is { ConstructorArguments.Length: 1 } && attribute.ConstructorArguments[0].Value is int kind ? (Placement)kind : null;
    }

    public AttributeData? PlacementAttribute(ISymbol symbol) =>
        symbol.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, Placement));

    public bool IsLocalMember(ISymbol? symbol) => symbol is IPropertySymbol { IsStatic: false } && PlacementOf(symbol) == Numa.Placement.Local;

    public bool IsInterleavedMember(ISymbol? symbol) => symbol is IPropertySymbol && PlacementOf(symbol) == Numa.Placement.Interleaved;

    public bool IsInbox(IMethodSymbol? method) =>
        method is not null && method.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, Inbox));

    /// <summary>The message type of an <c>Outbox&lt;T&gt;</c>, or null.</summary>
    public ITypeSymbol? OutboxMessage(ITypeSymbol? type) =>
        Outbox is not null && type is INamedTypeSymbol { TypeArguments.Length: 1 } named && SymbolEqualityComparer.Default.Equals(named.ConstructedFrom, Outbox)
            ? named.TypeArguments[0] : null;

    /// <summary>A worker's outbox: a property of type Outbox&lt;T&gt; declared in a [PinnedWorker] class.</summary>
    public bool IsWorkerOutbox(ISymbol? symbol) =>
        symbol is IPropertySymbol property && OutboxMessage(property.Type) is not null && IsWorker(property.ContainingType);
}

// Symbols → value model. The only part of the generator that touches ISymbol; invalid declarations are skipped
// here silently, because Numa.Analyzers reports them (NUMA0001–NUMA0007) with exact locations.
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Numa.Generators.Helpers;
using Numa.Generators.Model;

namespace Numa.Generators;

public sealed partial class NumaGenerator
{
    internal static class Parser
    {
        public static WorkerModel? ParseWorker(GeneratorAttributeSyntaxContext context, CancellationToken ct)
        {
            // A class without a name (`partial class { }`) is the compiler's CS1001 to report; nothing to generate.
            if (context.TargetSymbol is not INamedTypeSymbol { Name.Length: > 0 } type) return null;
            if (!IsGeneratable(type)) return null;
            var attribute = context.Attributes[0];
            int policy = 0, perNode = 0, count = 0, node = -1;
            bool perCpu = false;
            string? cpus = null;
            foreach (var arg in attribute.NamedArguments)
            {
                switch (arg.Key)
                {
                    case nameof(PinnedWorkerAttribute.Policy): policy = arg.Value.Value is int p ? p : 0; break;
                    case nameof(PinnedWorkerAttribute.PerNode): perNode = arg.Value.Value is int n ? n : 0; break;
                    case nameof(PinnedWorkerAttribute.PerCpu): perCpu = arg.Value.Value is true; break;
                    case nameof(PinnedWorkerAttribute.Count): count = arg.Value.Value is int c ? c : 0; break;
                    case nameof(PinnedWorkerAttribute.Node): node = arg.Value.Value is int d ? d : -1; break;
                    case nameof(PinnedWorkerAttribute.Cpus): cpus = arg.Value.Value as string; break;
                }
            }

            var members = new List<MemberModel>();
            var inboxes = new List<InboxModel>();
            var outboxes = new List<OutboxModel>();
            bool hasRun = false, hasOnStart = false, hasOnStop = false;
            foreach (var member in type.GetMembers())
            {
                ct.ThrowIfCancellationRequested();
                switch (member)
                {
                    case IPropertySymbol property when property.IsPartialDefinition && property.PartialImplementationPart is null:
                        if (ParsePlacedMember(property) is { } placed) members.Add(placed);
                        else if (ParseOutbox(property) is { } outbox) outboxes.Add(outbox);
                        break;
                    case IMethodSymbol method when HasAttribute(method, KnownTypeNames.InboxAttribute):
                        if (ParseInbox(method) is { } inbox)
                        {
                            // One handler per message type: the one NUMA0006 keeps (first by name, overloads in order).
                            int existing = inboxes.FindIndex(i => i.MessageType == inbox.MessageType);
                            if (existing < 0) inboxes.Add(inbox);
                            else if (string.CompareOrdinal(inbox.Method, inboxes[existing].Method) < 0) inboxes[existing] = inbox;
                        }
                        break;
                    case IMethodSymbol { Name: "Run", IsStatic: false, ReturnsVoid: true, Parameters.Length: 1 } run
                        when IsWorkerContext(run.Parameters[0].Type):
                        hasRun = true;
                        break;
                    case IMethodSymbol { Name: "OnStart", IsStatic: false, ReturnsVoid: true, Parameters.Length: 1 } start
                        when IsWorkerContext(start.Parameters[0].Type):
                        hasOnStart = true;
                        break;
                    case IMethodSymbol { Name: "OnStop", IsStatic: false, ReturnsVoid: true, Parameters.Length: 0 }:
                        hasOnStop = true;
                        break;
                }
            }

            return new WorkerModel(
                type.ContainingNamespace.IsGlobalNamespace ? "" : type.ContainingNamespace.ToDisplayString(),
                type.Name,
                type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                IsEffectivelyPublic(type),
                policy, perNode, perCpu, count, node, cpus, hasRun, hasOnStart, hasOnStop,
                members.ToEquatableArray(), inboxes.ToEquatableArray(), outboxes.ToEquatableArray());
        }

        /// <summary>A worker the generator can extend: every declaration a partial class, and a shape
        /// <see cref="WorkerShape"/> accepts (NUMA0003 and NUMA0004 report the others).</summary>
        public static bool IsGeneratable(INamedTypeSymbol type) =>
            WorkerShape.Problem(type) is null
            && type.DeclaringSyntaxReferences.All(r => r.GetSyntax() is ClassDeclarationSyntax c
                && c.Modifiers.Any(m => m.Text == "partial"));

        private static MemberModel? ParsePlacedMember(IPropertySymbol property)
        {
            var placement = property.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownTypeNames.NumaPlacementAttribute);
            if (placement is null || placement.ConstructorArguments.Length != 1 || placement.ConstructorArguments[0].Value is not int kind) return null;
            if (property.SetMethod is not null || property.IsIndexer) return null;
            int length = placement.NamedArguments.FirstOrDefault(a => a.Key == nameof(NumaPlacementAttribute.Length)).Value.Value is int l ? l : 0;
            string access = AccessibilityText(property.DeclaredAccessibility);
            switch ((Placement)kind)
            {
                case Placement.Local when !property.IsStatic && property.RefKind == RefKind.Ref && property.Type.IsUnmanagedType:
                    return new MemberModel(property.Name, MemberKind.LocalRef, property.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), 1, access);
                case Placement.Local when !property.IsStatic && property.RefKind == RefKind.None && SpanElement(property.Type) is { } element && length > 0:
                    return new MemberModel(property.Name, MemberKind.LocalSpan, element, length, access);
                case Placement.Interleaved when property.IsStatic && property.RefKind == RefKind.None && SpanElement(property.Type) is { } element && length > 0:
                    return new MemberModel(property.Name, MemberKind.InterleavedSpan, element, length, access);
                default:
                    return null;
            }
        }

        private static OutboxModel? ParseOutbox(IPropertySymbol property)
        {
            if (property.IsStatic || property.SetMethod is not null || property.RefKind != RefKind.None) return null;
            if (property.Type is not INamedTypeSymbol { TypeArguments.Length: 1 } outbox
                || outbox.ConstructedFrom.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) != "global::Numa.Messaging.Outbox<T>"
                || !outbox.TypeArguments[0].IsUnmanagedType) return null;
            return new OutboxModel(property.Name, outbox.TypeArguments[0].ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                AccessibilityText(property.DeclaredAccessibility));
        }

        private static InboxModel? ParseInbox(IMethodSymbol method)
        {
            if (method.IsStatic || !method.ReturnsVoid || method.IsAsync || method.IsGenericMethod || method.Parameters.Length != 1) return null;
            var parameter = method.Parameters[0];
            if (parameter.RefKind is not (RefKind.None or RefKind.In or RefKind.RefReadOnlyParameter) || !parameter.Type.IsUnmanagedType) return null;
            return new InboxModel(method.Name, parameter.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), parameter.RefKind != RefKind.None);
        }

        private static string? SpanElement(ITypeSymbol type) =>
            type is INamedTypeSymbol { TypeArguments.Length: 1 } span
            && span.ConstructedFrom.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) == "global::System.Span<T>"
            && span.TypeArguments[0].IsUnmanagedType
                ? span.TypeArguments[0].ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)
                : null;

        // Run(WorkerContext? context) is the same method to the caller: the annotation does not change the type.
        private static bool IsWorkerContext(ITypeSymbol type) =>
            type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString() == KnownTypeNames.WorkerContext;

        private static bool HasAttribute(ISymbol symbol, string metadataName) =>
            symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == metadataName);

        private static bool IsEffectivelyPublic(INamedTypeSymbol type) => type.DeclaredAccessibility == Accessibility.Public;

        private static string AccessibilityText(Accessibility accessibility) => accessibility switch
        {
            Accessibility.Public => "public",
            Accessibility.Internal => "internal",
            Accessibility.Protected => "protected",
            Accessibility.ProtectedOrInternal => "protected internal",
            Accessibility.ProtectedAndInternal => "private protected",
            _ => "private",
        };
    }
}

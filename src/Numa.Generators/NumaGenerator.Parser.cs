// Symbols → value model. The only part of the generator that touches ISymbol; invalid declarations are skipped
// here silently, because Numa.Analyzers reports them (NUMA0001–NUMA0009) with exact locations.
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
            var seen = new HashSet<string>();
            foreach (var arg in attribute.NamedArguments)
            {
                if (!seen.Add(arg.Key)) continue;   // a repeated argument is the compiler's CS0643; the first counts, as in NUMA0005
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
                    case IMethodSymbol method when WorkerShape.LifecycleRole(method) is { } role:
                        hasRun |= role == "Run";
                        hasOnStart |= role == "OnStart";
                        hasOnStop |= role == "OnStop";
                        break;
                }
            }
            NameInboxFields(inboxes);

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
            string modifiers = Modifiers(property);
            switch ((Placement)kind)
            {
                // Local state is named only inside the worker's own class, so a private nested struct is fine there.
                case Placement.Local when !property.IsStatic && property.RefKind == RefKind.Ref && TypeRules.IsUnmanagedValue(property.Type):
                    return new MemberModel(property.Name, MemberKind.LocalRef, property.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), 1, modifiers);
                case Placement.Local when !property.IsStatic && property.RefKind == RefKind.None && SpanElement(property.Type) is { } element && length > 0:
                    return new MemberModel(property.Name, MemberKind.LocalSpan, Name(element), length, modifiers);
                // Interleaved arrays are allocated by NumaApp.Create, which must be able to name the element type.
                case Placement.Interleaved when property.IsStatic && property.RefKind == RefKind.None && SpanElement(property.Type) is { } element && length > 0
                    && TypeRules.IsVisibleInAssembly(element):
                    return new MemberModel(property.Name, MemberKind.InterleavedSpan, Name(element), length, modifiers);
                default:
                    return null;
            }
        }

        private static OutboxModel? ParseOutbox(IPropertySymbol property)
        {
            if (property.IsStatic || property.IsIndexer || property.SetMethod is not null || property.RefKind != RefKind.None) return null;
            if (property.Type is not INamedTypeSymbol { TypeArguments.Length: 1 } outbox
                || outbox.ConstructedFrom.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) != "global::Numa.Messaging.Outbox<T>"
                || !IsRingMessage(outbox.TypeArguments[0])) return null;
            return new OutboxModel(property.Name, Name(outbox.TypeArguments[0]),
                property.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(
                    SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier)),
                Modifiers(property));
        }

        private static InboxModel? ParseInbox(IMethodSymbol method)
        {
            // An accessor or an explicit interface implementation cannot be called as this.Name(message) (CS0571).
            if (method.MethodKind != MethodKind.Ordinary) return null;
            if (method.IsStatic || !method.ReturnsVoid || method.IsAsync || method.IsGenericMethod || method.Parameters.Length != 1) return null;
            var parameter = method.Parameters[0];
            if (parameter.RefKind is not (RefKind.None or RefKind.In or RefKind.RefReadOnlyParameter) || !IsRingMessage(parameter.Type)) return null;
            return new InboxModel(method.Name, Name(parameter.Type), parameter.RefKind != RefKind.None, Field: "");
        }

        // "__numaInbox_{method}_{message}", with 2, 3 … appended where two handlers would get one name (On(A.B), On(A_B)).
        private static void NameInboxFields(List<InboxModel> inboxes)
        {
            var used = new HashSet<string>();
            for (int k = 0; k < inboxes.Count; k++)
            {
                string stem = "__numaInbox_" + inboxes[k].Method + "_" + Emitter.Identifier(inboxes[k].MessageType.Replace("global::", ""));
                string field = stem;
                for (int n = 2; !used.Add(field); n++) field = stem + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
                inboxes[k] = inboxes[k] with { Field = field };
            }
        }

        // A message crosses from one worker to another through a ring NumaApp.Create builds, so NumaApp must name it.
        private static bool IsRingMessage(ITypeSymbol type) => TypeRules.IsUnmanagedValue(type) && TypeRules.IsVisibleInAssembly(type);

        private static ITypeSymbol? SpanElement(ITypeSymbol type) =>
            type is INamedTypeSymbol { TypeArguments.Length: 1 } span
            && span.ConstructedFrom.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) == "global::System.Span<T>"
            && TypeRules.IsUnmanagedValue(span.TypeArguments[0])
                ? span.TypeArguments[0]
                : null;

        private static string Name(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

        // The definition's modifier keywords, one space apart (comments between them dropped: the emitter writes one line).
        private static string Modifiers(IPropertySymbol property) =>
            property.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is PropertyDeclarationSyntax declaration
                ? string.Join(" ", declaration.Modifiers.Select(m => m.Text))
                : "private partial";

        private static bool HasAttribute(ISymbol symbol, string metadataName) =>
            symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == metadataName);

        private static bool IsEffectivelyPublic(INamedTypeSymbol type) => type.DeclaredAccessibility == Accessibility.Public;
    }
}

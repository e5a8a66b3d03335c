// The rules for the types the generated code names: the element of an arena allocation, the message of a ring, and
// what the generated NumaApp (another class in the same assembly) can see. The generator skips what these reject, and
// Numa.Analyzers (which compiles this same file) reports it: NUMA0001, NUMA0002 (not unmanaged), NUMA0006, NUMA0007, NUMA0008 (not visible).
using Microsoft.CodeAnalysis;

namespace Numa.Generators.Helpers;

internal static class TypeRules
{
    /// <summary>True when <paramref name="type"/> is a struct or enum that satisfies C#'s <c>unmanaged</c> constraint,
    /// which ArenaRef&lt;T&gt;, ArenaArray&lt;T&gt; and SpscRing&lt;T&gt; carry. <see cref="ITypeSymbol.IsUnmanagedType"/>
    /// alone also holds for pointers and function pointers (which Roslyn counts as value types but which cannot be type
    /// arguments, CS0306) and for <c>Nullable&lt;T&gt;</c> (which does not meet the constraint, CS8377; C# spec, "Type
    /// parameter constraints"). NUMA0001 and NUMA0002 report the others.</summary>
    public static bool IsUnmanagedValue(ITypeSymbol type) =>
        type.IsUnmanagedType && type.TypeKind is TypeKind.Struct or TypeKind.Enum
        && type.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T;

    /// <summary>True when code elsewhere in the assembly (the generated NumaApp, in its own file) can name
    /// <paramref name="type"/>: it, every type it is nested in and every type argument is public or internal (protected
    /// internal counts) and none is file-local.</summary>
    public static bool IsVisibleInAssembly(ITypeSymbol type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array: return IsVisibleInAssembly(array.ElementType);
            case IPointerTypeSymbol pointer: return IsVisibleInAssembly(pointer.PointedAtType);
            case ITypeParameterSymbol: return false;
        }
        for (ISymbol? t = type; t is INamedTypeSymbol named; t = named.ContainingType)
        {
            if (named.IsFileLocal) return false;
            if (named.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal or Accessibility.NotApplicable))
                return false;
            foreach (var argument in named.TypeArguments)
                if (!IsVisibleInAssembly(argument)) return false;
        }
        return true;
    }
}

// The one rule for which [PinnedWorker] classes the generator can build: the generator skips a class this rejects,
// and NUMA0004 in Numa.Analyzers (which compiles this same file) reports the reason. Partial-ness is NUMA0003's.
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Numa.Generators.Helpers;

internal static class WorkerShape
{
    private const string SetsRequiredMembers = "System.Diagnostics.CodeAnalysis.SetsRequiredMembersAttribute";

    /// <summary>Why the generated NumaApp cannot create <paramref name="type"/> with <c>new T()</c> and extend it, or
    /// null when it can.</summary>
    public static string? Problem(INamedTypeSymbol type)
    {
        if (type.IsRecord) return "it is a record; declare it as a partial class";
        if (type.ContainingType is not null) return "it is nested in another type; declare it at namespace level";
        if (type.IsFileLocal) return "it is file-local ('file'); the generated NumaApp, in another file, cannot name it";
        if (type.IsGenericType) return "it is generic; workers are created by the generated NumaApp, which cannot pick type arguments";
        if (type.IsStatic) return "it is static; workers are instances";
        if (type.IsAbstract) return "it is abstract; the generated NumaApp must create instances";
        var constructor = type.InstanceConstructors
            .Where(c => c.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal
                && c.Parameters.All(p => p.IsOptional || p.IsParams))
            .OrderBy(c => c.Parameters.Length)
            .FirstOrDefault();
        if (constructor is null) return "it has no public or internal constructor callable without arguments for the generated NumaApp to call";
        if (HasRequiredMembers(type) && !constructor.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == SetsRequiredMembers))
            return "it has required members, which the generated 'new T()' cannot set; drop 'required' or mark the constructor [SetsRequiredMembers]";
        return null;
    }

    private static bool HasRequiredMembers(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.BaseType)
            if (t.GetMembers().Any(m => m is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true })) return true;
        return false;
    }
}

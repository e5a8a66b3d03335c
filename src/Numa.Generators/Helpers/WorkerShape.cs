// The one rule for which [PinnedWorker] classes the generator can build, and which of their methods the generated thread
// body calls: the generator skips a class this rejects and NUMA0004 in Numa.Analyzers (which compiles this same file)
// reports the reason; a Run/OnStart/OnStop it does not call is NUMA0009. Partial-ness is NUMA0003's.
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
        if (type.Name == "NumaApp") return "it is named NumaApp, the name of the generated application class; rename it";
        if (type.ContainingType is not null) return "it is nested in another type; declare it at namespace level";
        if (type.IsFileLocal) return "it is file-local ('file'); the generated NumaApp, in another file, cannot name it";
        if (type.IsGenericType) return "it is generic; workers are created by the generated NumaApp, which cannot pick type arguments";
        if (type.IsStatic) return "it is static; workers are instances";
        if (type.IsAbstract) return "it is abstract; the generated NumaApp must create instances";
        for (var b = type.BaseType; b is not null; b = b.BaseType)
            if (b.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownTypeNames.PinnedWorkerAttribute))
                return $"it derives from the worker '{b.Name}', whose generated members (outboxes, inbox rings) it would hide; move what they share into a base class without [PinnedWorker]";
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

    /// <summary>"Run" or "OnStart" for <c>void Name(WorkerContext context)</c> (by value or <c>in</c>, not generic),
    /// "OnStop" for <c>void OnStop()</c>, instance methods all; null for any other method. The generated thread body calls
    /// exactly these.</summary>
    public static string? LifecycleRole(IMethodSymbol method)
    {
        if (method is not { MethodKind: MethodKind.Ordinary, IsStatic: false, IsGenericMethod: false, ReturnsVoid: true }) return null;
        return method.Name switch
        {
            "Run" or "OnStart" when method.Parameters.Length == 1 && method.Parameters[0].RefKind is RefKind.None or RefKind.In
                && IsWorkerContext(method.Parameters[0].Type) => method.Name,
            "OnStop" when method.Parameters.Length == 0 => method.Name,
            _ => null,
        };
    }

    /// <summary>For a method named Run, OnStart or OnStop in a worker with no method of that name that
    /// <see cref="LifecycleRole"/> accepts: the declaration it needs. Null for other names.</summary>
    public static string? LifecycleShape(string name) => name switch
    {
        "Run" or "OnStart" => $"declare it as 'void {name}(WorkerContext context)' (an instance method, not generic, the context by value)",
        "OnStop" => "declare it as 'void OnStop()' (an instance method, not generic, no parameters)",
        _ => null,
    };

    // Run(WorkerContext? context) is the same method to the caller: the annotation does not change the type.
    private static bool IsWorkerContext(ITypeSymbol type) =>
        type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString() == KnownTypeNames.WorkerContext;

    private static bool HasRequiredMembers(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.BaseType)
            if (t.GetMembers().Any(m => m is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true })) return true;
        return false;
    }
}

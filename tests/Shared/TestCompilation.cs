// Plain-Roslyn test harness shared by the generator and analyzer tests (Microsoft.CodeAnalysis.Testing does not
// restore here): compilations against this test host's own framework plus Numa.Runtime, and a generator driver with
// step tracking.
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Numa.Tests.Roslyn;

internal static class TestCompilation
{
    private static readonly ImmutableArray<MetadataReference> s_references =
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is var f && (f.StartsWith("System.", StringComparison.Ordinal)
                || f.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) || f is "mscorlib.dll" or "netstandard.dll"))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(Numa.NumaPlacementAttribute).Assembly.Location))];

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    public static CSharpCompilation Create(params string[] sources) => Create(ParseOptions, sources);

    public static CSharpCompilation Create(CSharpParseOptions parseOptions, params string[] sources) => CSharpCompilation.Create("Tests",
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, parseOptions, path: $"Source{i}.cs")),
        s_references,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
            allowUnsafe: true));

    public static GeneratorDriver CreateDriver(params IIncrementalGenerator[] generators) => CreateDriver(ParseOptions, generators);

    public static GeneratorDriver CreateDriver(CSharpParseOptions parseOptions, params IIncrementalGenerator[] generators) =>
        CSharpGeneratorDriver.Create(generators.Select(GeneratorExtensions.AsSourceGenerator),
            parseOptions: parseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
}

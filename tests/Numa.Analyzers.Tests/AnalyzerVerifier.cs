// Runs the generator and then every Numa analyzer on marked-up source, and compares the diagnostics (ID and exact
// span) with the {|ID:span|} markup. The generator runs first because analyzers see the generated implementations.
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Numa.Analyzers;
using Numa.Generators;
using Numa.Tests.Roslyn;

namespace Numa.Tests.Analyzers;

internal static class AnalyzerVerifier
{
    public const string Usings = "using System; using System.Threading; using System.Threading.Tasks; using Numa; using Numa.Messaging; using Numa.Scheduling;\n";

    private static readonly ImmutableArray<DiagnosticAnalyzer> s_analyzers =
        [new WorkerDeclarationAnalyzer(), new CrossNodeAccessAnalyzer(), new PinnedHandlerAnalyzer()];

    public static Task VerifyAsync(string markup, params string[] allowedCompilerErrors) =>
        VerifyAsync(TestCompilation.ParseOptions.LanguageVersion, markup, allowedCompilerErrors);

    /// <summary>As <see cref="VerifyAsync(string, string[])"/>, compiled as <paramref name="languageVersion"/>.</summary>
    public static async Task VerifyAsync(LanguageVersion languageVersion, string markup, params string[] allowedCompilerErrors)
    {
        var (source, expected) = DiagnosticMarkup.Parse(Usings + markup);
        var parseOptions = TestCompilation.ParseOptions.WithLanguageVersion(languageVersion);
        var compilation = TestCompilation.Create(parseOptions, source);
        TestCompilation.CreateDriver(parseOptions, new NumaGenerator()).RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && !allowedCompilerErrors.Contains(d.Id)).ToList();
        Assert.True(errors.Count == 0, "the test source does not compile:\n" + string.Join("\n", errors));

        var actual = await output.WithAnalyzers(s_analyzers).GetAnalyzerDiagnosticsAsync();
        var crashes = actual.Where(d => d.Id == "AD0001").ToList();   // an analyzer that threw reports nothing else
        Assert.True(crashes.Count == 0, string.Join("\n", crashes));
        var want = expected.OrderBy(e => e.Span.Start).ThenBy(e => e.Id).Select(e => $"{e.Id}@{e.Span} '{source.Substring(e.Span.Start, e.Span.Length)}'");
        var got = actual.Where(d => d.Location.SourceTree?.FilePath == "Source0.cs")
            .OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id)
            .Select(d => $"{d.Id}@{d.Location.SourceSpan} '{source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length)}'");
        Assert.Equal(want, got);
        Assert.All(actual, d => Assert.False(string.IsNullOrEmpty(d.Descriptor.HelpLinkUri)));
    }
}

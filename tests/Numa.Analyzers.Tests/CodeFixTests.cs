// The NUMA0003 code fix (add 'partial'), before and after, on a real AdhocWorkspace.
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Numa.Analyzers;
using Numa.Analyzers.CodeFixes;
using Numa.Tests.Roslyn;

namespace Numa.Tests.Analyzers;

public sealed class CodeFixTests
{
    [Theory]
    [InlineData("[PinnedWorker] public sealed class W { }", "[PinnedWorker] public sealed partial class W { }")]
    [InlineData("[PinnedWorker]\nclass W { }", "[PinnedWorker]\npartial class W { }")]
    [InlineData("[PinnedWorker] internal class W { }", "[PinnedWorker] internal partial class W { }")]
    public async Task NUMA0003_fix_makes_the_worker_partial(string before, string after)
    {
        string fixedSource = await ApplyFixAsync(new WorkerDeclarationAnalyzer(), new MakeWorkerPartialCodeFix(), "using Numa;\n" + before);
        Assert.Equal("using Numa;\n" + after, fixedSource);
        var compilation = TestCompilation.Create(fixedSource);
        var remaining = await compilation.WithAnalyzers([new WorkerDeclarationAnalyzer()]).GetAnalyzerDiagnosticsAsync();
        Assert.DoesNotContain(remaining, d => d.Id == DiagnosticIds.WorkerNotPartial);
    }

    private static async Task<string> ApplyFixAsync(DiagnosticAnalyzer analyzer, CodeFixProvider fix, string source)
    {
        using var workspace = new AdhocWorkspace();
        var compilation = TestCompilation.Create(source);
        var project = workspace.AddProject(ProjectInfo.Create(ProjectId.CreateNewId(), VersionStamp.Default, "Test", "Test",
            LanguageNames.CSharp, compilationOptions: compilation.Options, parseOptions: TestCompilation.ParseOptions,
            metadataReferences: compilation.References));
        var document = workspace.AddDocument(project.Id, "Source0.cs", SourceText.From(source));
        var diagnostics = await (await document.Project.GetCompilationAsync())!
            .WithAnalyzers(ImmutableArray.Create(analyzer)).GetAnalyzerDiagnosticsAsync();
        var diagnostic = Assert.Single(diagnostics, d => fix.FixableDiagnosticIds.Contains(d.Id));
        var actions = new List<CodeAction>();
        await fix.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (a, _) => actions.Add(a), CancellationToken.None));
        var operation = (await Assert.Single(actions).GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>().Single();
        return (await operation.ChangedSolution.GetDocument(document.Id)!.GetTextAsync()).ToString();
    }
}

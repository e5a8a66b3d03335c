// Code fix for NUMA0003: adds 'partial' to a [PinnedWorker] class declaration.
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Numa.Analyzers.CodeFixes;

/// <summary>Makes a worker class partial so the generator can extend it (NUMA0003).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeWorkerPartialCodeFix)), Shared]
public sealed class MakeWorkerPartialCodeFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.WorkerNotPartial);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            var declaration = root?.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<ClassDeclarationSyntax>().FirstOrDefault();
            if (declaration is null) continue;
            context.RegisterCodeFix(CodeAction.Create("Make the worker class partial",
                ct => AddPartialAsync(context.Document, declaration, ct), equivalenceKey: nameof(MakeWorkerPartialCodeFix)), diagnostic);
        }
    }

    private static async Task<Document> AddPartialAsync(Document document, ClassDeclarationSyntax declaration, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        if (root is null) return document;
        // 'partial' goes last among the modifiers, right before 'class' (CS0267).
        var partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        ClassDeclarationSyntax updated;
        if (declaration.Modifiers.Count == 0)
        {
            updated = declaration
                .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(declaration.Keyword.LeadingTrivia)))
                .WithKeyword(declaration.Keyword.WithLeadingTrivia());
        }
        else
        {
            updated = declaration.WithModifiers(declaration.Modifiers.Add(partial));
        }
        return document.WithSyntaxRoot(root.ReplaceNode(declaration, updated));
    }
}

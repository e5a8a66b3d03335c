// Marks the code-fix assembly; the fixes (add `partial`, move state to its owner) arrive with the analyzer issue.
namespace Numa.Analyzers.CodeFixes;

/// <summary>The assembly that carries Numa's code fixes.</summary>
public static class CodeFixAssembly
{
    /// <summary>The analyzer assembly whose diagnostics these fixes address.</summary>
    public const string AnalyzerAssembly = "Numa.Analyzers";
}

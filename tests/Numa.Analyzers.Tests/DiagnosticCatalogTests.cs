// Every diagnostic Numa's analyzers can report has its help page (docs/diagnostics/ID.md, the descriptor's help link),
// its line in the release-tracking file with the same category and severity, and a test that makes it fire.
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Numa.Analyzers;

namespace Numa.Tests.Analyzers;

public sealed class DiagnosticCatalogTests
{
    private static readonly string Root = RepositoryRoot.Path;
    private static readonly DiagnosticDescriptor[] Supported = [.. typeof(DiagnosticDescriptors).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
        .SelectMany(t => ((DiagnosticAnalyzer)Activator.CreateInstance(t)!).SupportedDiagnostics)];

    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var d in Supported.OrderBy(d => d.Id)) data.Add(d.Id);
        return data;
    }

    [Fact]
    public void Every_descriptor_is_reported_by_an_analyzer_and_ids_are_unique()
    {
        var declared = typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id).ToList();
        Assert.Equal(declared.Count, declared.Distinct().Count());
        Assert.Equal(declared.Order(), Supported.Select(d => d.Id).Distinct().Order());
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_help_page_exists_and_the_help_link_points_at_it(string id)
    {
        var descriptor = Supported.First(d => d.Id == id);
        string page = Path.Combine(Root, "docs", "diagnostics", id + ".md");
        Assert.True(File.Exists(page), $"{id} has no help page at docs/diagnostics/{id}.md");
        string text = File.ReadAllText(page);
        Assert.StartsWith($"# {id}: {descriptor.Title}", text);
        Assert.Contains($"Severity: {descriptor.DefaultSeverity} · Category: {descriptor.Category}", text);
        Assert.EndsWith($"/docs/diagnostics/{id}.md", descriptor.HelpLinkUri);
        Assert.Contains($"[{id}]({id}.md)", File.ReadAllText(Path.Combine(Root, "docs", "diagnostics", "README.md")));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_release_tracking_line_matches_the_descriptor(string id)
    {
        var descriptor = Supported.First(d => d.Id == id);
        var lines = new[] { "AnalyzerReleases.Shipped.md", "AnalyzerReleases.Unshipped.md" }
            .Select(f => Path.Combine(Root, "src", "Numa.Analyzers", f)).Where(File.Exists)
            .SelectMany(File.ReadAllLines)
            .Where(l => l.StartsWith(id + " ", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(lines);
        var cells = line.Split('|').Select(c => c.Trim()).ToArray();
        Assert.Equal(descriptor.Category, cells[1]);
        Assert.Equal(descriptor.DefaultSeverity.ToString(), cells[2]);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void A_test_expects_it_at_an_exact_span(string id)
    {
        var sources = Directory.EnumerateFiles(Path.Combine(Root, "tests", "Numa.Analyzers.Tests"), "*.cs")
            .Where(f => !f.EndsWith(nameof(DiagnosticCatalogTests) + ".cs", StringComparison.Ordinal))
            .Select(File.ReadAllText);
        Assert.True(sources.Any(s => s.Contains("{|" + id + ":", StringComparison.Ordinal)),
            $"no analyzer test marks a {{|{id}:span|}}");
    }
}

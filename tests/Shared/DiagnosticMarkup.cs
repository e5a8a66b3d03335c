// {|ID:span|} markup (the notation of Microsoft.CodeAnalysis.Testing, which does not restore here): strips the
// markup and returns the expected diagnostics with their exact spans.
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.Text;

namespace Numa.Tests.Roslyn;

internal static partial class DiagnosticMarkup
{
    [GeneratedRegex(@"\{\|(?<id>[A-Za-z0-9]+):(?<text>.*?)\|\}", RegexOptions.Singleline)]
    private static partial Regex Markup();

    public static (string Source, List<(string Id, TextSpan Span)> Expected) Parse(string markup)
    {
        var expected = new List<(string, TextSpan)>();
        int removed = 0;
        foreach (Match m in Markup().Matches(markup))
        {
            var text = m.Groups["text"];
            expected.Add((m.Groups["id"].Value, new TextSpan(m.Index - removed, text.Length)));
            removed += m.Length - text.Length;
        }
        return (Markup().Replace(markup, m => m.Groups["text"].Value), expected);
    }
}

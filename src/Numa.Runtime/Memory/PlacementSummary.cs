// Page counts per node for a range, from PagePlacement.
using System.Globalization;
using Numa.Native;

namespace Numa.Memory;

/// <summary>How the pages of a range are spread: pages per node, pages never touched, pages in error.</summary>
public sealed class PlacementSummary
{
    private PlacementSummary(IReadOnlyDictionary<int, int> pagesByNode, int notPresent, int errors, int total)
    {
        PagesByNode = pagesByNode;
        NotPresent = notPresent;
        Errors = errors;
        TotalPages = total;
    }

    /// <summary>Resident pages per node id.</summary>
    public IReadOnlyDictionary<int, int> PagesByNode { get; }

    /// <summary>Pages never touched (move_pages status -ENOENT).</summary>
    public int NotPresent { get; }

    /// <summary>Pages with another negative status (-EFAULT: not mapped, …).</summary>
    public int Errors { get; }

    /// <summary>All pages of the range.</summary>
    public int TotalPages { get; }

    /// <summary>Resident pages.</summary>
    public int ResidentPages => TotalPages - NotPresent - Errors;

    /// <summary>Pages on node <paramref name="node"/>.</summary>
    public int PagesOn(int node) => PagesByNode.GetValueOrDefault(node);

    /// <summary>Fraction of resident pages on any of <paramref name="nodes"/> (0 when nothing is resident).</summary>
    public double FractionOn(IEnumerable<int> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        int resident = ResidentPages;
        if (resident == 0) return 0;
        int on = nodes.Distinct().Sum(PagesOn);
        return (double)on / resident;
    }

    /// <summary>The sum of several ranges' summaries (e.g. every arena of a shard).</summary>
    public static PlacementSummary Combine(IEnumerable<PlacementSummary> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var byNode = new SortedDictionary<int, int>();
        int notPresent = 0, errors = 0, total = 0;
        foreach (var part in parts)
        {
            foreach (var (node, pages) in part.PagesByNode) byNode[node] = byNode.GetValueOrDefault(node) + pages;
            notPresent += part.NotPresent;
            errors += part.Errors;
            total += part.TotalPages;
        }
        return new PlacementSummary(byNode, notPresent, errors, total);
    }

    /// <summary>Builds the summary from move_pages statuses.</summary>
    public static PlacementSummary From(ReadOnlySpan<int> statuses)
    {
        var byNode = new SortedDictionary<int, int>();
        int notPresent = 0, errors = 0;
        foreach (int s in statuses)
        {
            if (s >= 0) byNode[s] = byNode.GetValueOrDefault(s) + 1;
            else if (s == -Errno.ENOENT) notPresent++;
            else errors++;
        }
        return new PlacementSummary(byNode, notPresent, errors, statuses.Length);
    }

    /// <summary><c>node0=12 node1=0 untouched=3</c>.</summary>
    public override string ToString()
    {
        var parts = PagesByNode.Select(kv => string.Create(CultureInfo.InvariantCulture, $"node{kv.Key}={kv.Value}")).ToList();
        if (NotPresent > 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"untouched={NotPresent}"));
        if (Errors > 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"errors={Errors}"));
        return parts.Count == 0 ? "no pages" : string.Join(' ', parts);
    }
}

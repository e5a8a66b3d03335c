// The node of every page of a mapping, read from /proc/self/numa_maps (proc(5), numa(7)): the fallback
// PagePlacement uses for resident pages move_pages(2) cannot report. Linux-only, internal.
using System.Globalization;

namespace Numa.Memory;

/// <summary>
/// The process's mappings with the one node that holds all of their resident pages, from <c>/proc/self/maps</c>
/// (the ranges) and <c>/proc/self/numa_maps</c> (pages per node, <c>N&lt;node&gt;=&lt;pages&gt;</c>, keyed by
/// the same start address). numa_maps walks the page tables, so it counts pages automatic NUMA balancing has
/// made PROT_NONE, which move_pages(2) on Linux 6.1 answers with -ENOENT or -EFAULT.
/// </summary>
internal sealed class ProcNumaMaps
{
    /// <summary>A mapping [<paramref name="Start"/>, <paramref name="End"/>) whose resident pages all lie on
    /// <paramref name="OnlyNode"/>; -1 when they lie on several nodes or none is resident.</summary>
    internal readonly record struct Mapping(nuint Start, nuint End, int OnlyNode);

    private readonly Mapping[] _mappings; // sorted by Start, not overlapping

    private ProcNumaMaps(Mapping[] mappings) => _mappings = mappings;

    /// <summary>The mappings of the calling process. <c>/proc/self/maps</c> is read before and after
    /// numa_maps, and a mapping counts only when both reads agree on its range, so a mapping split or
    /// merged by another thread in between is never attributed.</summary>
    /// <exception cref="IOException">The files cannot be read (no procfs).</exception>
    internal static ProcNumaMaps ReadCurrentProcess()
    {
        string before = File.ReadAllText("/proc/self/maps");
        string numaMaps = File.ReadAllText("/proc/self/numa_maps");
        string after = File.ReadAllText("/proc/self/maps");
        return Parse(before, numaMaps, after);
    }

    /// <summary>Builds the table from the text of maps (read twice) and numa_maps. Lines that do not parse
    /// are ignored: an unknown mapping only means a page stays unattributed.</summary>
    internal static ProcNumaMaps Parse(string mapsBefore, string numaMaps, string mapsAfter)
    {
        var stable = new HashSet<(nuint, nuint)>(ParseRanges(mapsAfter));
        var onlyNode = new Dictionary<nuint, int>();
        foreach (var line in numaMaps.AsSpan().EnumerateLines())
        {
            if (TryParseNumaMapsLine(line, out nuint start, out int node)) onlyNode[start] = node;
        }
        var mappings = new List<Mapping>();
        foreach (var (start, end) in ParseRanges(mapsBefore))
        {
            if (stable.Contains((start, end)) && onlyNode.TryGetValue(start, out int node)) mappings.Add(new Mapping(start, end, node));
        }
        mappings.Sort((a, b) => a.Start.CompareTo(b.Start));
        return new ProcNumaMaps([.. mappings]);
    }

    /// <summary>The mappings found, sorted by start address.</summary>
    internal IReadOnlyList<Mapping> Mappings => _mappings;

    /// <summary>The mapping containing <paramref name="address"/>, or null when none does.</summary>
    internal Mapping? Find(nuint address)
    {
        int lo = 0, hi = _mappings.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var m = _mappings[mid];
            if (address < m.Start) hi = mid - 1;
            else if (address >= m.End) lo = mid + 1;
            else return m;
        }
        return null;
    }

    // maps: "7f9e25cf4000-7f9e29cf6000 rw-p 00000000 00:00 0    [path]".
    private static List<(nuint Start, nuint End)> ParseRanges(string maps)
    {
        var ranges = new List<(nuint, nuint)>();
        foreach (var line in maps.AsSpan().EnumerateLines())
        {
            int space = line.IndexOf(' ');
            var range = space < 0 ? line : line[..space];
            int dash = range.IndexOf('-');
            if (dash <= 0) continue;
            if (nuint.TryParse(range[..dash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out nuint start)
                && nuint.TryParse(range[(dash + 1)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out nuint end)
                && end > start)
                ranges.Add((start, end));
        }
        return ranges;
    }

    // numa_maps: "7f9e25cf4000 default anon=16386 dirty=16386 active=0 N1=16386 kernelpagesize_kB=4".
    private static bool TryParseNumaMapsLine(ReadOnlySpan<char> line, out nuint start, out int onlyNode)
    {
        onlyNode = -1;
        int space = line.IndexOf(' ');
        if (space <= 0 || !nuint.TryParse(line[..space], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out start))
        {
            start = 0;
            return false;
        }
        int nodes = 0;
        foreach (var range in line[(space + 1)..].Split(' '))
        {
            var token = line[(space + 1)..][range];
            int eq = token.IndexOf('=');
            if (token.Length < 4 || token[0] != 'N' || eq < 2) continue;
            if (!int.TryParse(token[1..eq], NumberStyles.None, CultureInfo.InvariantCulture, out int node)
                || !long.TryParse(token[(eq + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out long pages)
                || pages <= 0)
                continue;
            if (nodes++ == 0) onlyNode = node;
            else if (node != onlyNode) onlyNode = -1;
        }
        return true;
    }
}

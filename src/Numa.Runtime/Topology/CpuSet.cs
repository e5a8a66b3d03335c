// An immutable set of CPU (or node) ids and the kernel's list format for it ("0-3,8,10-11", cpuset(7)).
using System.Collections;
using System.Globalization;
using System.Text;

namespace Numa.Topology;

/// <summary>
/// An immutable, sorted set of CPU ids, written and parsed in the kernel's list format
/// (<c>0-3,8,10-11</c>; cpuset(7) "FORMATS", the format of <c>/sys/devices/system/node/nodeN/cpulist</c>).
/// The same format names node sets (<c>Mems_allowed_list</c>); <see cref="ParseList"/> serves both.
/// </summary>
public sealed class CpuSet : IReadOnlyCollection<int>, IEquatable<CpuSet>
{
    private readonly int[] _cpus; // sorted ascending, no duplicates

    /// <summary>The empty set.</summary>
    public static CpuSet Empty { get; } = new([]);

    private CpuSet(int[] sortedDistinct) => _cpus = sortedDistinct;

    /// <summary>A set of the given CPU ids (any order, duplicates allowed).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A CPU id is negative.</exception>
    public static CpuSet Of(IEnumerable<int> cpus)
    {
        ArgumentNullException.ThrowIfNull(cpus);
        var sorted = new SortedSet<int>();
        foreach (int cpu in cpus)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(cpu, nameof(cpus));
            sorted.Add(cpu);
        }
        return sorted.Count == 0 ? Empty : new CpuSet([.. sorted]);
    }

    /// <summary>A set of the given CPU ids.</summary>
    public static CpuSet Of(params int[] cpus) => Of((IEnumerable<int>)cpus);

    /// <summary>The CPUs <paramref name="first"/> to <paramref name="last"/>, inclusive.</summary>
    public static CpuSet Range(int first, int last)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfLessThan(last, first);
        var cpus = new int[last - first + 1];
        for (int i = 0; i < cpus.Length; i++) cpus[i] = first + i;
        return new CpuSet(cpus);
    }

    /// <summary>Parses the list format: comma-separated ids and inclusive ranges (<c>0-3,8</c>), surrounding
    /// whitespace ignored, an empty string is the empty set.</summary>
    /// <exception cref="FormatException">The text is not in the list format; the message quotes it.</exception>
    public static CpuSet Parse(string text) => new(ParseList(text));

    /// <summary>Parses the list format into sorted, distinct ids (used for CPU and node lists alike).</summary>
    /// <exception cref="FormatException">The text is not in the list format.</exception>
    public static int[] ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new SortedSet<int>();
        string trimmed = text.Trim();
        if (trimmed.Length == 0) return [];
        foreach (string part in trimmed.Split(','))
        {
            string item = part.Trim();
            int dash = item.IndexOf('-');
            if (dash < 0)
            {
                ids.Add(ParseId(item, text));
                continue;
            }
            int first = ParseId(item[..dash], text);
            int last = ParseId(item[(dash + 1)..], text);
            if (last < first) throw new FormatException($"Invalid CPU list '{text}': range '{item}' runs backwards.");
            if (last - first > 1 << 20) throw new FormatException($"Invalid CPU list '{text}': range '{item}' is too large.");
            for (int id = first; id <= last; id++) ids.Add(id);
        }
        return [.. ids];
    }

    /// <summary>The highest CPU id a list may hold (Linux's NR_CPUS is at most 8192); node ids are held to it too.</summary>
    internal const int MaxCpuId = (1 << 16) - 1;

    private static int ParseId(string s, string whole)
    {
        if (!int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int id))
            throw new FormatException($"Invalid CPU list '{whole}': '{s}' is not a non-negative integer. Expected a list such as '0-3,8'.");
        // Linux's NR_CPUS is at most 8192; this also keeps the range loop below int.MaxValue and CPU masks small.
        if (id > MaxCpuId) throw new FormatException($"Invalid CPU list '{whole}': CPU {id} is above {MaxCpuId}.");
        return id;
    }

    /// <summary>Tries <see cref="Parse"/>.</summary>
    public static bool TryParse(string? text, out CpuSet set)
    {
        set = Empty;
        if (text is null) return false;
        try { set = Parse(text); return true; }
        catch (FormatException) { return false; }
    }

    /// <summary>Number of CPUs in the set.</summary>
    public int Count => _cpus.Length;

    /// <summary>True when the set holds no CPU.</summary>
    public bool IsEmpty => _cpus.Length == 0;

    /// <summary>The CPU at position <paramref name="index"/> in ascending order.</summary>
    public int this[int index] => _cpus[index];

    /// <summary>The lowest CPU id. Throws on an empty set.</summary>
    public int Min => _cpus.Length > 0 ? _cpus[0] : throw new InvalidOperationException("The CPU set is empty.");

    /// <summary>The highest CPU id. Throws on an empty set.</summary>
    public int Max => _cpus.Length > 0 ? _cpus[^1] : throw new InvalidOperationException("The CPU set is empty.");

    /// <summary>True when <paramref name="cpu"/> is in the set.</summary>
    public bool Contains(int cpu) => Array.BinarySearch(_cpus, cpu) >= 0;

    /// <summary>The CPUs in both sets.</summary>
    public CpuSet Intersect(CpuSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var result = new List<int>(Math.Min(Count, other.Count));
        foreach (int cpu in _cpus) if (other.Contains(cpu)) result.Add(cpu);
        return result.Count == Count ? this : result.Count == 0 ? Empty : new CpuSet([.. result]);
    }

    /// <summary>The CPUs in either set.</summary>
    public CpuSet Union(CpuSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Of(_cpus.Concat(other._cpus));
    }

    /// <summary>The CPUs of this set that are not in <paramref name="other"/>.</summary>
    public CpuSet Except(CpuSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var result = new List<int>(Count);
        foreach (int cpu in _cpus) if (!other.Contains(cpu)) result.Add(cpu);
        return result.Count == Count ? this : result.Count == 0 ? Empty : new CpuSet([.. result]);
    }

    /// <summary>True when every CPU of this set is in <paramref name="other"/>.</summary>
    public bool IsSubsetOf(CpuSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (int cpu in _cpus) if (!other.Contains(cpu)) return false;
        return true;
    }

    /// <summary>The set in list format with ranges compressed (<c>0-3,8</c>); the empty set is "".</summary>
    public override string ToString() => FormatList(_cpus);

    /// <summary>Writes sorted ids in list format with ranges compressed.</summary>
    public static string FormatList(IReadOnlyList<int> sortedIds)
    {
        ArgumentNullException.ThrowIfNull(sortedIds);
        var sb = new StringBuilder();
        for (int i = 0; i < sortedIds.Count; i++)
        {
            int start = sortedIds[i];
            while (i + 1 < sortedIds.Count && sortedIds[i + 1] == sortedIds[i] + 1) i++;
            if (sb.Length > 0) sb.Append(',');
            sb.Append(start.ToString(CultureInfo.InvariantCulture));
            if (sortedIds[i] != start) sb.Append('-').Append(sortedIds[i].ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>The set as a kernel cpumask: bit <c>c % 64</c> of word <c>c / 64</c> is CPU c
    /// (the <c>cpu_set_t</c> layout that sched_setaffinity(2) reads), sized for at least <paramref name="minCpus"/>.</summary>
    internal ulong[] ToMask(int minCpus = 0)
    {
        int bits = Math.Max(minCpus, _cpus.Length == 0 ? 1 : _cpus[^1] + 1);
        var mask = new ulong[(bits + 63) / 64];
        foreach (int cpu in _cpus) mask[cpu / 64] |= 1UL << (cpu % 64);
        return mask;
    }

    /// <summary>The CPUs whose bits are set in <paramref name="mask"/> (cpu_set_t layout).</summary>
    internal static CpuSet FromMask(ReadOnlySpan<ulong> mask)
    {
        var cpus = new List<int>();
        for (int word = 0; word < mask.Length; word++)
        {
            ulong bits = mask[word];
            while (bits != 0)
            {
                int bit = System.Numerics.BitOperations.TrailingZeroCount(bits);
                cpus.Add(word * 64 + bit);
                bits &= bits - 1;
            }
        }
        return cpus.Count == 0 ? Empty : new CpuSet([.. cpus]);
    }

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)_cpus).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public bool Equals(CpuSet? other) => other is not null && _cpus.AsSpan().SequenceEqual(other._cpus);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as CpuSet);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int cpu in _cpus) hash.Add(cpu);
        return hash.ToHashCode();
    }
}

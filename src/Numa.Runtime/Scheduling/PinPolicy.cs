// A pinning policy: Compact | Scatter | BindNode(n) | Explicit(cpuset), parsed from and printed as text.
using System.Globalization;
using Numa.Topology;

namespace Numa.Scheduling;

/// <summary>
/// How workers are assigned to CPUs: <see cref="Compact"/>, <see cref="Scatter"/>, <see cref="BindNode"/>(n) or
/// <see cref="Explicit(CpuSet)"/>. Text form (CLI, configuration): <c>compact</c>, <c>scatter</c>,
/// <c>bind-node:1</c>, <c>explicit:0-3,8</c> (or a bare list <c>0-3,8</c>).
/// </summary>
public sealed record PinPolicy
{
    private PinPolicy(PinPolicyKind kind, int node, CpuSet? cpus)
    {
        Kind = kind;
        Node = node;
        Cpus = cpus;
    }

    /// <summary>The kind of policy.</summary>
    public PinPolicyKind Kind { get; }

    /// <summary>The node of <see cref="PinPolicyKind.BindNode"/>; -1 otherwise.</summary>
    public int Node { get; }

    /// <summary>The cpuset of <see cref="PinPolicyKind.Explicit"/>; null otherwise.</summary>
    public CpuSet? Cpus { get; }

    /// <summary>Fill node by node, SMT siblings together: workers that talk a lot share caches.</summary>
    public static PinPolicy Compact { get; } = new(PinPolicyKind.Compact, -1, null);

    /// <summary>Spread over nodes and physical cores: the most memory bandwidth and cache per worker.</summary>
    public static PinPolicy Scatter { get; } = new(PinPolicyKind.Scatter, -1, null);

    /// <summary>Only the CPUs of node <paramref name="node"/>.</summary>
    public static PinPolicy BindNode(int node)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(node);
        return new PinPolicy(PinPolicyKind.BindNode, node, null);
    }

    /// <summary>Exactly the CPUs of <paramref name="cpus"/>, in ascending order.</summary>
    public static PinPolicy Explicit(CpuSet cpus)
    {
        ArgumentNullException.ThrowIfNull(cpus);
        if (cpus.IsEmpty) throw new ArgumentException("An explicit cpuset must name at least one CPU.", nameof(cpus));
        return new PinPolicy(PinPolicyKind.Explicit, -1, cpus);
    }

    /// <summary>Exactly the CPUs of the list <paramref name="cpuList"/> ("0-3,8").</summary>
    /// <exception cref="FormatException">Not a CPU list.</exception>
    public static PinPolicy Explicit(string cpuList) => Explicit(CpuSet.Parse(cpuList));

    /// <summary>Parses the text form (case-insensitive).</summary>
    /// <exception cref="FormatException">Unknown policy; the message lists the accepted forms.</exception>
    public static PinPolicy Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        if (t.Equals("compact", StringComparison.OrdinalIgnoreCase)) return Compact;
        if (t.Equals("scatter", StringComparison.OrdinalIgnoreCase)) return Scatter;
        int colon = t.IndexOf(':');
        string head = colon < 0 ? t : t[..colon];
        string arg = colon < 0 ? "" : t[(colon + 1)..];
        if (head.Equals("bind-node", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out int node))
            return BindNode(node);
        if (head.Equals("explicit", StringComparison.OrdinalIgnoreCase))
        {
            var list = CpuSet.Parse(arg);
            if (list.IsEmpty) throw new FormatException($"Pin policy '{text}' names no CPUs. Use explicit:<cpu list>, for example explicit:0-3,8.");
            return Explicit(list);
        }
        if (t.Length > 0 && char.IsAsciiDigit(t[0]) && CpuSet.TryParse(t, out var cpus) && !cpus.IsEmpty) return Explicit(cpus);
        throw new FormatException($"Unknown pin policy '{text}'. Use compact, scatter, bind-node:<node> or explicit:<cpu list> (for example explicit:0-3,8).");
    }

    /// <summary>The text form.</summary>
    public override string ToString() => Kind switch
    {
        PinPolicyKind.Compact => "compact",
        PinPolicyKind.Scatter => "scatter",
        PinPolicyKind.BindNode => string.Create(CultureInfo.InvariantCulture, $"bind-node:{Node}"),
        _ => $"explicit:{Cpus}",
    };
}

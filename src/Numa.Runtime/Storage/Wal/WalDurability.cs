// The durability policy of a write-ahead log: Always (the default), Interval(ms) or None.
namespace Numa.Storage.Wal;

/// <summary>The durability policy: <see cref="Always"/> (an append completes only after <c>fdatasync(2)</c> of its
/// bytes), <see cref="Interval"/> (sync at most every n milliseconds) or <see cref="None"/>.
/// <c>default(WalDurability)</c> is <see cref="Always"/>.</summary>
public readonly record struct WalDurability
{
    private WalDurability(WalSyncMode mode, int intervalMilliseconds)
    {
        Mode = mode;
        IntervalMilliseconds = intervalMilliseconds;
    }

    /// <summary>When the log syncs.</summary>
    public WalSyncMode Mode { get; }

    /// <summary>The sync interval for <see cref="WalSyncMode.Interval"/>, in milliseconds; 0 otherwise.</summary>
    public int IntervalMilliseconds { get; }

    /// <summary>Append completes after fdatasync of its batch; appends that arrive during a sync share the next one.</summary>
    public static WalDurability Always => default;

    /// <summary>No fdatasync except when a segment is closed.</summary>
    public static WalDurability None => new(WalSyncMode.None, 0);

    /// <summary>One fdatasync at most every <paramref name="milliseconds"/> (1 to 60000).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The interval is outside 1..60000 ms.</exception>
    public static WalDurability Interval(int milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(milliseconds, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(milliseconds, 60_000);
        return new(WalSyncMode.Interval, milliseconds);
    }

    /// <summary>"always", "none" or "interval(10ms)".</summary>
    public override string ToString() => Mode switch
    {
        WalSyncMode.Always => "always",
        WalSyncMode.None => "none",
        _ => $"interval({IntervalMilliseconds}ms)",
    };

    /// <summary>Parses "always", "none", "interval:10" or "10ms" (an interval).</summary>
    /// <exception cref="FormatException">Not one of those.</exception>
    public static WalDurability Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        if (t == "always") return Always;
        if (t == "none") return None;
        string digits = t.StartsWith("interval:", StringComparison.Ordinal) ? t["interval:".Length..]
            : t.EndsWith("ms", StringComparison.Ordinal) ? t[..^2] : "";
        if (int.TryParse(digits, System.Globalization.NumberStyles.None, null, out int ms) && ms is >= 1 and <= 60_000) return Interval(ms);
        throw new FormatException($"\"{text}\" is not a WAL durability policy: use always, none, or interval:MS (1..60000).");
    }
}

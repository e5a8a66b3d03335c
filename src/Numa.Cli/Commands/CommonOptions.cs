// Options every subcommand understands, and how they become a NumaPlatform.
using System.CommandLine;
using Microsoft.Extensions.Logging;
using Numa.Topology;

namespace Numa.Cli.Commands;

internal static class CommonOptions
{
    internal static readonly Option<string?> Cpuset = new("--cpuset")
    {
        Description = "Use only these CPUs (list format, e.g. 0-3,8); must be inside the allowed CPUs.",
        Recursive = true,
    };

    internal static readonly Option<bool> Overprovisioned = new("--overprovisioned")
    {
        Description = "Share the machine: no thread pinning and no memory binding.",
        Recursive = true,
    };

    internal static readonly Option<string?> SysfsRoot = new("--sysfs-root")
    {
        Description = "Read the topology from this sysfs tree instead of /sys (for fixtures and debugging). A tree other " +
            "than /sys is read as a whole machine, not this process: every CPU in its devices/system/cpu/online is allowed " +
            "(this process's affinity only when the tree has no such file), and the proc tree beside it stands for /proc " +
            "(DIR/../proc/self/status for Mems_allowed_list, none there: every node's memory is allowed; DIR/../proc/meminfo " +
            "when the tree has no nodes). --sysfs-root /sys is the same as leaving the option out.",
        Recursive = true,
    };

    internal static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Print the runtime's log lines (topology, binding decisions) to stderr.",
        Recursive = true,
    };

    internal static IEnumerable<Option> All => [Cpuset, Overprovisioned, SysfsRoot, Verbose];

    internal static ILoggerFactory CreateLoggerFactory(ParseResult result, LogLevel quietLevel) =>
        LoggerFactory.Create(builder => builder
            .SetMinimumLevel(result.GetValue(Verbose) ? LogLevel.Information : quietLevel)
            .AddSimpleConsole(o => { o.SingleLine = true; o.IncludeScopes = false; })
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));

    /// <exception cref="FormatException">--cpuset is not a CPU list.</exception>
    internal static NumaPlatform CreatePlatform(ParseResult result, ILogger logger)
    {
        string? cpuset = result.GetValue(Cpuset);
        string? sysfs = result.GetValue(SysfsRoot);
        return NumaPlatform.Create(new NumaPlatformOptions
        {
            Cpuset = cpuset is null ? null : CpuSet.Parse(cpuset),
            Overprovisioned = result.GetValue(Overprovisioned),
            Topology = sysfs is null ? new NumaTopologyOptions() : TreeOptions(sysfs),
        }, logger);
    }

    // --sysfs-root's tree as a machine of its own: its online CPUs allowed, its procfs the "proc" beside it (as /proc
    // is beside /sys), so that a fixture does not take on this host's affinity mask and Mems_allowed_list. A missing,
    // empty or unreadable cpu/online leaves the affinity mask in place, as the reader does; a malformed one the reader
    // reports. The real /sys keeps this process's own restrictions (affinity, cgroup cpuset, Mems_allowed).
    internal static NumaTopologyOptions TreeOptions(string sysfsRoot)
    {
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(sysfsRoot));
        if (root == "/sys") return new NumaTopologyOptions();
        string online = Path.Combine(root, "devices", "system", "cpu", "online");
        CpuSet? allowed = ReadOnline(online) is { } text && CpuSet.TryParse(text, out var cpus) && !cpus.IsEmpty ? cpus : null;
        return new NumaTopologyOptions
        {
            SysfsRoot = root,
            ProcRoot = Path.Combine(Path.GetDirectoryName(root) ?? root, "proc"),
            AllowedCpus = allowed,
        };
    }

    private static string? ReadOnline(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Runs <paramref name="body"/>, turning the errors a user can fix into one line and exit code 2.</summary>
    internal static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is NumaConfigurationException or NumaTopologyException or FormatException or Native.NumaNativeException)
        {
            Console.Error.WriteLine($"numa: {e.Message}");
            return 2;
        }
    }
}

// Quickstart: ingest workers (one per node) → counters (one per CPU, node-local histograms) → a reporter, all declared
// with attributes; the generated NumaApp plans, wires and runs them. Then it shows where everything ran and checks
// that each counter's Local state and each ring sit on the expected node.
// Run: dotnet run --project samples/Quickstart [-- --overprovisioned] [--check]   (--check: exit 1 on a misplacement)
using Microsoft.Extensions.Logging;
using Numa;
using Numa.Workers;
using Quickstart;

using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
var platform = NumaPlatform.Create(new NumaPlatformOptions { Overprovisioned = args.Contains("--overprovisioned") },
    loggers.CreateLogger("Numa"));

await using var app = NumaApp.Create(new NumaAppOptions { Platform = platform });
for (int i = 0; i < Counter.Buckets; i++) Counter.Weights[i] = 1 + i % 7;   // written before the workers start
Console.Write(app.Describe().ToText());

await app.StartAsync();
await app.Completion;

var tallies = app.Reporter[0].Tallies.OrderBy(t => t.Counter).ToList();
long total = tallies.Sum(t => t.Readings);
foreach (var t in tallies)
    Console.WriteLine($"counter {t.Counter} (node {t.Node}): {t.Readings} readings, weighted sum {t.WeightedSum}, " +
                      $"histogram pages on its node {t.PagesOnExpectedNode}, elsewhere {t.PagesElsewhere}");
Console.WriteLine($"total {total} readings (expected {Program.ReadingsPerIngest * app.Ingest.Count})");

// Placement is checked wherever memory is bound; a kernel that refused the memory-policy calls on a multi-node machine
// fails the check (nothing would be where the attributes say), unless --overprovisioned asked for no binding.
bool checkPlacement = platform.Binding == BindingState.Active;
bool bindingRefused = platform.Binding == BindingState.Unavailable && !args.Contains("--overprovisioned");
int misplaced = checkPlacement ? tallies.Count(t => t.PagesElsewhere > 0 || t.PagesOnExpectedNode == 0) : 0;
foreach (var (ring, nodes, pages) in app.Graph.QueryRingPlacement())
{
    // A ring that carried messages has resident pages; none at all would make the node check vacuous.
    bool ok = !checkPlacement || (pages.ResidentPages > 0 && nodes.Sum(pages.PagesOn) == pages.ResidentPages);
    if (!ok) misplaced++;
    Console.WriteLine($"ring {ring}: memory expected on node {string.Join(',', nodes)}, pages {pages}{(ok ? "" : "  MISPLACED")}");
}
if (!checkPlacement) Console.WriteLine($"placement not checked: binding is {NumaPlatform.Format(platform.Binding)} ({platform.BindingReason})");

bool failed = total != Program.ReadingsPerIngest * app.Ingest.Count || tallies.Count != app.Counter.Count || misplaced > 0 || bindingRefused;
Console.WriteLine(failed
    ? $"check FAILED: {misplaced} misplaced, {tallies.Count}/{app.Counter.Count} tallies{(bindingRefused ? ", the kernel refused memory binding" : "")}"
    : "check passed");
return args.Contains("--check") && failed ? 1 : 0;

/// <summary>Quickstart's constants.</summary>
internal static partial class Program
{
    /// <summary>Readings each ingest worker produces.</summary>
    public const int ReadingsPerIngest = 200_000;
}

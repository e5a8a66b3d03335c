// Quickstart: start one pinned worker per allowed CPU (scatter over nodes), let each fill a histogram in its
// own node-local arena, then show where each worker ran and where its pages live.
// Run: dotnet run --project samples/Quickstart [-- --overprovisioned]
using Microsoft.Extensions.Logging;
using Numa;
using Numa.Memory;
using Numa.Scheduling;

using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
var platform = NumaPlatform.Create(new NumaPlatformOptions { Overprovisioned = args.Contains("--overprovisioned") },
    loggers.CreateLogger("Numa"));

int workers = platform.Topology.AllowedCpus.Count;
var report = new string[workers];

await using (var group = await WorkerGroup.StartAsync(platform, PinPolicy.Scatter, workers, ctx =>
{
    // The arena is created here, on the pinned thread, and bound to ctx.Node before its first touch.
    Span<long> histogram = ctx.Arena.AllocateSpan<long>(256 * 1024);
    var random = new Random(ctx.Index);
    for (int i = 0; i < 1_000_000; i++) histogram[random.Next(histogram.Length)]++;

    var pages = PagePlacement.Summarize(System.Runtime.InteropServices.MemoryMarshal.AsBytes(histogram));
    var where = ThreadAffinity.GetCurrentCpu();
    report[ctx.Index] = $"worker {ctx.Index}: planned cpu {ctx.Cpu} (node {ctx.Node}), ran on cpu {where.Cpu} (node {where.Node}); histogram pages: {pages}";
}))
{
    await group.Completion;
}

foreach (string line in report) Console.WriteLine(line);

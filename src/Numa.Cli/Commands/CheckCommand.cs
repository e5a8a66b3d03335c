// `numa check`: run the placement and pinning checks, print a table, exit 0 only if all pass.
using System.CommandLine;
using Microsoft.Extensions.Logging;
using Numa.Cli.Check;
using Spectre.Console;

namespace Numa.Cli.Commands;

internal static class CheckCommand
{
    internal static Command Create()
    {
        var command = new Command("check",
            "Verify on this machine that arena pages land on their node (move_pages), that interleaving spreads pages, " +
            "and that pinned threads run on their node (getcpu). Exit code 0 only if every check that applies passes. A refused " +
            "kernel call (move_pages under a seccomp filter) is reported in its check's row: n/a on one node, FAIL on several.");
        command.SetAction(result => CommonOptions.Run(() =>
        {
            using var loggers = CommonOptions.CreateLoggerFactory(result, LogLevel.Warning);
            var platform = CommonOptions.CreatePlatform(result, loggers.CreateLogger("Numa"));
            var topology = platform.Topology;
            AnsiConsole.MarkupLine($"[bold]numa check[/]: {Markup.Escape(topology.Describe())}; binding {NumaPlatform.Format(platform.Binding)}");
            if (!topology.IsMultiNode)
                AnsiConsole.MarkupLine("This machine has one node that holds memory: the interleave check does not apply; placement and pinning are still verified.");

            var results = NumaCheck.Run(platform);
            var table = new Table().AddColumns("check", "subject", "result", "detail");
            foreach (var r in results)
            {
                string outcome = r.Outcome switch
                {
                    CheckOutcome.Pass => "[green]pass[/]",
                    CheckOutcome.Fail => "[red]FAIL[/]",
                    _ => "[grey]n/a[/]",
                };
                table.AddRow(Markup.Escape(r.Check), Markup.Escape(r.Subject), outcome, Markup.Escape(r.Detail));
            }
            AnsiConsole.Write(table);
            int passed = results.Count(r => r.Outcome == CheckOutcome.Pass);
            int failed = results.Count(r => r.Outcome == CheckOutcome.Fail);
            int na = results.Count(r => r.Outcome == CheckOutcome.NotApplicable);
            Console.Out.WriteLine($"numa check: {passed} passed, {failed} failed, {na} not applicable");
            return failed == 0 ? 0 : 1;
        }));
        return command;
    }
}

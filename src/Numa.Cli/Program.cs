// Entry point of the `numa` command: wires the subcommands and the options they share.
using System.CommandLine;
using System.CommandLine.Invocation;
using Numa.Cli.Commands;

var root = new RootCommand("Numa: NUMA-aware, thread-per-core .NET. Inspect the machine, check placement and pinning, show an application's worker graph, verify and repair write-ahead logs, benchmark the vector index, load vectors into a Flight server and benchmark its searches.");
foreach (var option in CommonOptions.All) root.Options.Add(option);
root.Subcommands.Add(TopologyCommand.Create());
root.Subcommands.Add(CheckCommand.Create());
root.Subcommands.Add(GraphCommand.Create());
root.Subcommands.Add(WalCommand.Create());
root.Subcommands.Add(BenchIndexCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(LoadCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
var parsed = root.Parse(args);
int exitCode = await parsed.InvokeAsync();
// A usage error (unknown option, missing argument, bad value) exits 2, as every command's own errors do;
// System.CommandLine's 1 would read as a result here (a torn WAL tail, a failed placement check).
return parsed.Action is ParseErrorAction ? 2 : exitCode;

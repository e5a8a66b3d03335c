// Entry point of the `numa` command: wires the subcommands and the options they share.
using System.CommandLine;
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
return await root.Parse(args).InvokeAsync();

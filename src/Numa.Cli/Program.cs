// Entry point of the `numa` command: wires the subcommands and the options they share.
using System.CommandLine;
using Numa.Cli.Commands;

var root = new RootCommand("Numa: NUMA-aware, thread-per-core .NET. Inspect the machine, check placement and pinning, verify and repair write-ahead logs.");
foreach (var option in CommonOptions.All) root.Options.Add(option);
root.Subcommands.Add(TopologyCommand.Create());
root.Subcommands.Add(CheckCommand.Create());
root.Subcommands.Add(WalCommand.Create());
return await root.Parse(args).InvokeAsync();

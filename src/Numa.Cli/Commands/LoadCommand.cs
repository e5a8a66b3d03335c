// `numa load`: float32 vectors from a file (.fvecs, .npy, Fashion-MNIST IDX) into a collection of a Flight data
// server, reporting each acknowledged (durable) row count, then throughput, then how long the index took to catch up.
using System.CommandLine;
using System.Globalization;
using Numa.Cli.Client;
using Numa.Cli.Datasets;
using Spectre.Console;

namespace Numa.Cli.Commands;

internal static class LoadCommand
{
    private static readonly Option<string> Collection = new("--collection") { Description = "The collection to put into (created by the first put if missing).", Required = true };
    private static readonly Argument<string?> File = new("FILE")
    {
        Description = "The vectors: .fvecs, .npy ('<f4', 2-D, C order) or IDX3 unsigned-byte images (.gz for gzip).",
        Arity = ArgumentArity.ZeroOrOne,
    };
    private static readonly Option<bool> FashionMnist = new("--fashion-mnist") { Description = "Load Fashion-MNIST's 60,000 train images (apt-get install dataset-fashion-mnist) instead of FILE." };
    private static readonly Option<string> Address = ClientCommand.Address();
    private static readonly Option<string?> Token = ClientCommand.Token();
    private static readonly Option<int> BatchRows = new("--batch-rows") { Description = "Rows per record batch.", DefaultValueFactory = _ => 1000 };
    private static readonly Option<int> PutRows = new("--put-rows") { Description = "Rows per DoPut call; each call's rows are acknowledged together.", DefaultValueFactory = _ => 10000 };
    private static readonly Option<int?> Limit = new("--limit") { Description = "Load only the first N rows." };
    private static readonly Option<long> StartId = new("--start-id") { Description = "The id of the first row; row i gets start-id + i.", DefaultValueFactory = _ => 0 };
    private static readonly Option<string> Progress = new Option<string>("--progress")
    {
        Description = "auto: a progress bar on a terminal, else a line 'acknowledged N rows' after each put; plain: always the lines.",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong("auto", "plain");
    private static readonly Option<bool> Verify = new("--verify")
    {
        Description = "Put nothing: scan the collection and check that every row of the file (up to --limit) is there under its id with an identical vector. Exit 0 only if all are.",
    };
    private static readonly Option<bool> NoWait = new("--no-wait") { Description = "Do not wait for the server to index what was loaded." };
    private static readonly Option<int> WaitTimeout = new("--wait-timeout") { Description = "Seconds to wait for indexing before giving up (exit 1).", DefaultValueFactory = _ => 600 };

    private static readonly TimeSpan SlowDownPause = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    internal static Command Create()
    {
        var command = new Command("load",
            "Put float32 vectors from FILE (or --fashion-mnist) into a collection of a Flight data server as id int64, vector " +
            "FixedSizeList<float32>[dim] (ids start-id + row), pausing when the server says slow_down; print the acknowledged rows " +
            "after each put, then rows/s and MB/s, then wait until GetGraphStats reports indexing_pending 0. " +
            "With --verify, check instead that the collection holds the file's rows. " +
            "Exit 0: loaded (or verified); 1: server or transport error, or rows missing; 2: usage or input error.");
        command.Arguments.Add(File);
        foreach (var o in new Option[] { Collection, FashionMnist, Address, Token, BatchRows, PutRows, Limit, StartId, Progress, Verify, NoWait, WaitTimeout })
            command.Options.Add(o);
        command.Action = ClientCommand.Action("load", RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        string collection = result.GetValue(Collection)!;
        string? file = result.GetValue(File);
        bool fashion = result.GetValue(FashionMnist);
        int batchRows = result.GetValue(BatchRows), putRows = result.GetValue(PutRows);
        int? limit = result.GetValue(Limit);
        long startId = result.GetValue(StartId);
        if (collection.Length == 0) throw new FormatException("--collection is empty.");
        if ((file is not null) == fashion) throw new FormatException("give either FILE or --fashion-mnist (exactly one).");
        if (batchRows < 1 || putRows < 1) throw new FormatException("--batch-rows and --put-rows must be positive.");
        if (limit is < 1) throw new FormatException("--limit must be positive.");
        if (result.GetValue(WaitTimeout) < 0) throw new FormatException("--wait-timeout must not be negative.");

        string path = file ?? Datasets.FashionMnist.Train;
        var read = System.Diagnostics.Stopwatch.StartNew();
        var data = VectorDataset.Open(path, limit ?? int.MaxValue);
        Console.Error.WriteLine(Invariant($"read {data.Count} × {data.Dimension} float32 from {path} ({data.Format}) in {read.Elapsed.TotalSeconds:F2} s"));
        if (startId > long.MaxValue - data.Count) throw new FormatException(Invariant($"--start-id {startId} + {data.Count} rows overflows int64."));

        using var client = ClientCommand.Connect(result.GetValue(Address)!, result.GetValue(Token));
        if (result.GetValue(Verify))
        {
            var v = await VectorVerifier.VerifyAsync(client, collection, data, startId, cancellationToken).ConfigureAwait(false);
            bool complete = v.Missing == 0 && v.Different == 0;
            Console.Out.WriteLine(Invariant($"verified '{collection}' against {data.Count} rows of {path}: {v.Present} present and identical, {v.Missing} missing, {v.Different} different ({v.Scanned} rows scanned in {v.Seconds:F2} s)"));
            return complete ? 0 : 1;
        }
        var settings = new LoadSettings(batchRows, putRows, startId, SlowDownPause);
        bool bar = result.GetValue(Progress) == "auto" && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        LoadResult loaded;
        if (bar)
        {
            loaded = await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(Markup.Escape($"{collection} acknowledged"), maxValue: data.Count);
                    return await VectorLoader.LoadAsync(client, collection, data, settings, rows => task.Value = rows, cancellationToken).ConfigureAwait(false);
                }).ConfigureAwait(false);
        }
        else
        {
            loaded = await VectorLoader.LoadAsync(client, collection, data, settings,
                rows => Console.Out.WriteLine(Invariant($"acknowledged {rows} rows")), cancellationToken).ConfigureAwait(false);
        }
        double megabytes = (double)loaded.Rows * data.Dimension * sizeof(float) / 1e6;
        Console.Out.WriteLine(
            Invariant($"loaded {loaded.Rows} rows × {data.Dimension} into '{collection}' in {loaded.Seconds:F2} s: {loaded.Rows / loaded.Seconds:F0} rows/s, ") +
            Invariant($"{megabytes / loaded.Seconds:F1} MB/s of vectors ({loaded.Puts} puts, {loaded.SlowDownSignals} slow_down, paused {loaded.Paused.TotalSeconds:F2} s)"));

        if (result.GetValue(NoWait)) return 0;
        var (reported, waited) = await VectorLoader.WaitForIndexAsync(client, collection, PollInterval,
            TimeSpan.FromSeconds(result.GetValue(WaitTimeout)), cancellationToken).ConfigureAwait(false);
        if (reported) Console.Out.WriteLine(Invariant($"indexed: waited {waited.TotalSeconds:F2} s for indexing_pending to reach 0"));
        else Console.Out.WriteLine("indexed: the server's GetGraphStats has no indexing_pending, so nothing to wait for");
        return 0;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

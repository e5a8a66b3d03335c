// `numa wal verify|inspect|repair`: check a write-ahead log directory, show what is in it, and cut it at damage.
using System.CommandLine;
using System.Globalization;
using Numa.Native;
using Numa.Storage.Wal;
using Spectre.Console;

namespace Numa.Cli.Commands;

internal static class WalCommand
{
    private static readonly Argument<string> Dir = new("DIR") { Description = "The log directory of one shard (holds the *.wal segments)." };
    private static readonly Option<bool> Records = new("--records") { Description = "List every record (LSN, time, kind, collection, payload size)." };
    private static readonly Option<bool> Truncate = new("--truncate")
    {
        Description = "Required: cut the log at the first damage, deleting every record from there on.",
    };

    static WalCommand() =>
        Dir.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
                result.AddError("DIR is empty: give the log directory of one shard (it holds the *.wal segments).");
        });

    internal static Command Create()
    {
        var wal = new Command("wal", "Check, inspect and repair a write-ahead log directory (docs/wal.md).");
        wal.Subcommands.Add(Verify());
        wal.Subcommands.Add(Inspect());
        wal.Subcommands.Add(Repair());
        return wal;
    }

    private static Command Verify()
    {
        var command = new Command("verify",
            "Read every record and check CRC32C, lengths, names, LSN sequence and segment headers. " +
            "Exit 0: clean; 1: a torn tail (the incomplete last write of a crash; opening the log cuts it); 2: damage or an error.");
        command.Arguments.Add(Dir);
        command.SetAction(result => Run(() =>
        {
            var scan = WalReader.Scan(result.GetValue(Dir)!);
            Console.Out.WriteLine(Summary(scan));
            if (scan.TornTail is null)
            {
                Console.Out.WriteLine("ok");
                return 0;
            }
            Console.Out.WriteLine(scan.TornTail.ToString());
            Console.Out.WriteLine("Opening the log truncates the torn tail; `numa wal repair --truncate` does it now.");
            return 1;
        }));
        return command;
    }

    private static Command Inspect()
    {
        var command = new Command("inspect", "Show the segments (shard, LSN range, records, sizes), the torn tail if any, and with --records every record.");
        command.Arguments.Add(Dir);
        command.Options.Add(Records);
        command.SetAction(result => Run(() =>
        {
            string dir = result.GetValue(Dir)!;
            if (result.GetValue(Records))
            {
                var list = new Table().AddColumns("LSN", "time (UTC)", "kind", "collection", "payload bytes", "segment", "offset");
                using var reader = WalReader.Open(dir);
                while (reader.TryRead(out var r))
                {
                    var time = DateTimeOffset.UnixEpoch.AddTicks(r.TimestampUnixNanoseconds / 100);
                    list.AddRow(N(r.Lsn), time.ToString("yyyy-MM-dd HH:mm:ss.fffffff", CultureInfo.InvariantCulture), N(r.Kind),
                        Markup.Escape(r.Collection), N(r.Payload.Length), Path.GetFileName(r.Segment), N(r.Offset));
                }
                AnsiConsole.Write(list);
            }
            var scan = WalReader.Scan(dir);
            var table = new Table().AddColumns("segment", "shard", "first LSN", "last LSN", "records", "bytes", "valid bytes");
            foreach (var s in scan.Segments)
                table.AddRow(Path.GetFileName(s.Path), N(s.Shard), N(s.FirstLsn), s.Records == 0 ? "-" : N(s.LastLsn), N(s.Records), N(s.Bytes), N(s.ValidBytes));
            AnsiConsole.Write(table);
            Console.Out.WriteLine(Summary(scan));
            if (scan.TornTail is not null) Console.Out.WriteLine(scan.TornTail.ToString());
            return 0;
        }));
        return command;
    }

    private static Command Repair()
    {
        var command = new Command("repair",
            "Cut the log at its first damage (and any torn tail) so it opens again. Every record from the damage on is deleted " +
            "and listed; needs --truncate to say so.");
        command.Arguments.Add(Dir);
        command.Options.Add(Truncate);
        command.SetAction(result => Run(() =>
        {
            if (!result.GetValue(Truncate))
            {
                Console.Error.WriteLine("numa: wal repair deletes data from the first damage on; run it with --truncate to do that.");
                return 2;
            }
            var r = WalRepair.TruncateAtDamage(result.GetValue(Dir)!);
            if (r.NothingToDo)
            {
                Console.Out.WriteLine("nothing to repair: " + Summary(r.After));
                return 0;
            }
            foreach (string p in r.Problems) Console.Out.WriteLine("found: " + p);
            foreach (var (segment, offset) in r.TruncatedSegments) Console.Out.WriteLine($"truncated {segment} at offset {offset}");
            foreach (string segment in r.DeletedSegments) Console.Out.WriteLine($"deleted {segment}");
            Console.Out.WriteLine($"removed {r.BytesRemoved} bytes; records after LSN {r.After.LastLsn} are gone");
            Console.Out.WriteLine("now: " + Summary(r.After));
            return 0;
        }));
        return command;
    }

    private static string Summary(WalScanResult scan) =>
        scan.Records == 0
            ? $"{scan.Directory}: {scan.Segments.Count} segments, no records, next LSN {scan.LastLsn + 1}, {scan.Bytes} bytes"
            : $"{scan.Directory}: {scan.Records} records, LSN {scan.FirstLsn}..{scan.LastLsn}, {scan.Segments.Count} segments, {scan.Bytes} bytes";

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    // Damage, unreadable directories, unusable paths ("") and a failed fsync (EIO) are the user's to fix: one line on
    // stderr, exit 2.
    private static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is WalException or IOException or UnauthorizedAccessException or ArgumentException or NumaNativeException)
        {
            Console.Error.WriteLine($"numa: {e.Message}");
            return 2;
        }
    }
}

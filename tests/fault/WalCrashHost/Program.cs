// Fault driver for the write-ahead log. Each mode prints "PASS name" or "FAIL name: why" lines; run.sh counts them.
//   append DIR APPENDERS            child: append with Always from APPENDERS tasks, print "ack LSN A S" per durable append
//   crash DIR TRIALS                kill -9 (SIGKILL) the child at random moments; after each, every ack must be intact
//   corrupt DIR TRIALS              random bit flips and truncations of segments; every one must be detected
//   diskfull DIR                    DIR on a small file system: appends fail clearly, acks survive, works after freeing
//   badinput DIR                    oversize records, empty names, path separators: rejected, the log goes on
using System.Diagnostics;
using System.Text;
using Numa.Storage.Wal;

namespace Numa.Fault.Wal;

internal static class Program
{
    private static int s_passed, s_failed;

    private static async Task<int> Main(string[] args)
    {
        if (args.Length < 2) return Usage();
        string dir = args[1];
        switch (args[0])
        {
            case "append": return await AppendForever(dir, int.Parse(args[2]));
            case "crash": Crash(dir, int.Parse(args[2])); break;
            case "corrupt": await Corrupt(dir, int.Parse(args[2])); break;
            case "diskfull": await DiskFull(dir); break;
            case "badinput": await BadInput(dir); break;
            default: return Usage();
        }
        return s_failed == 0 ? 0 : 1;
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: WalCrashHost append DIR APPENDERS | crash DIR TRIALS | corrupt DIR TRIALS | diskfull DIR | badinput DIR");
        return 2;
    }

    private static void Report(string name, string? failure)
    {
        if (failure is null) { s_passed++; Console.Out.WriteLine($"PASS {name}"); }
        else { s_failed++; Console.Out.WriteLine($"FAIL {name}: {failure}"); }
    }

    // ---- payloads that check themselves: appender, sequence, then bytes derived from both ----

    private static byte[] Payload(int appender, int seq)
    {
        int size = 8 + (int)(((uint)appender * 7919u + (uint)seq * 104729u) % 2000u);
        var p = new byte[size];
        BitConverter.TryWriteBytes(p.AsSpan(0, 4), appender);
        BitConverter.TryWriteBytes(p.AsSpan(4, 4), seq);
        new Random(appender * 1_000_003 + seq).NextBytes(p.AsSpan(8));
        return p;
    }

    private static string? CheckPayload(ReadOnlySpan<byte> payload, out int appender, out int seq)
    {
        appender = seq = -1;
        if (payload.Length < 8) return $"payload of {payload.Length} bytes";
        appender = BitConverter.ToInt32(payload);
        seq = BitConverter.ToInt32(payload[4..]);
        if (appender is < 0 or > 1000 || seq < 0) return $"payload names appender {appender} seq {seq}";
        return payload.SequenceEqual(Payload(appender, seq)) ? null : $"payload of appender {appender} seq {seq} differs";
    }

    // ---- the child ----

    private static async Task<int> AppendForever(string dir, int appenders)
    {
        using var log = WriteAheadLog.Open(new WalOptions { Directory = dir, Durability = WalDurability.Always, BufferBytes = 256 * 1024, SegmentBytes = 512 * 1024 });
        var output = Console.Out;
        var gate = new Lock();
        // The acks name (process, appender, sequence), so the parent can check the record at each acked LSN.
        int baseId = Environment.ProcessId % 1000;
        var tasks = Enumerable.Range(0, appenders).Select(a => Task.Run(async () =>
        {
            for (int seq = 0; ; seq++)
            {
                long lsn = await log.AppendAsync((byte)a, "crash", Payload(baseId, a * 10_000_000 + seq));
                lock (gate) output.Write($"ack {lsn} {baseId} {a * 10_000_000 + seq}\n");
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        return 0;
    }

    // ---- crash trials ----

    private static void Crash(string dir, int trials)
    {
        Directory.CreateDirectory(dir);
        var acked = new Dictionary<long, (int Appender, int Seq)>();
        var random = new Random(Environment.TickCount);
        string self = Environment.ProcessPath!;
        int tornTails = 0, killedWithAcks = 0;
        for (int t = 1; t <= trials; t++)
        {
            var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in new[] { "append", dir, "8" }) psi.ArgumentList.Add(a);
            using var child = Process.Start(psi)!;
            var lines = new List<string>();
            var reader = new Thread(() => ReadCompleteLines(child.StandardOutput.BaseStream, lines)) { IsBackground = true };
            reader.Start();
            var errors = child.StandardError.ReadToEndAsync();
            int delay = random.Next(100, 1500);   // the child starts in 0.3-0.5 s here: some kills land during open and recovery
            bool exitedEarly = child.WaitForExit(delay);
            if (!exitedEarly) child.Kill();     // SIGKILL on Unix
            child.WaitForExit();
            reader.Join();
            string name = $"crash trial {t} (kill -9 after {delay} ms)";
            if (exitedEarly)
            {
                Report(name, $"the child exited by itself (code {child.ExitCode}): {errors.Result.Trim()}");
                continue;
            }
            int newAcks = 0;
            string? reused = null;
            foreach (string line in lines)
            {
                var f = line.Split(' ');
                if (f.Length != 4 || f[0] != "ack") continue;
                long lsn = long.Parse(f[1]);
                var record = (int.Parse(f[2]), int.Parse(f[3]));
                // An LSN acknowledged in an earlier trial and handed out again means recovery dropped that record.
                if (acked.TryGetValue(lsn, out var earlier) && earlier != record)
                    reused ??= $"LSN {lsn} was acknowledged for {earlier} and again for {record}: an acknowledged record was lost";
                acked[lsn] = record;
                newAcks++;
            }
            if (newAcks > 0) killedWithAcks++;
            Report(name + $", {newAcks} new acks, {acked.Count} in all", reused ?? VerifyAfterCrash(dir, acked, ref tornTails));
        }
        Console.Out.WriteLine($"crash: {trials} trials, {killedWithAcks} killed after acknowledging appends, {tornTails} torn tails found, {acked.Count} acknowledged records checked after every trial");
        // Trials whose child died before its first acknowledgement prove nothing: most must have acknowledged appends.
        Report($"crash: at least half of the {trials} trials killed a child after it acknowledged appends",
            killedWithAcks * 2 >= trials ? null : $"only {killedWithAcks} did; the kills land too early for this machine");
    }

    private static void ReadCompleteLines(Stream stream, List<string> lines)
    {
        var pending = new StringBuilder();
        var buffer = new byte[8192];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            pending.Append(Encoding.ASCII.GetString(buffer, 0, n));
            string text = pending.ToString();
            int end = text.LastIndexOf('\n');
            if (end < 0) continue;
            lines.AddRange(text[..end].Split('\n'));
            pending.Clear().Append(text[(end + 1)..]);   // a partial last line (cut by the kill) is never an ack
        }
    }

    private static string? VerifyAfterCrash(string dir, Dictionary<long, (int Appender, int Seq)> acked, ref int tornTails)
    {
        var found = new Dictionary<long, (int, int)>();
        try
        {
            using var reader = WalReader.Open(dir);
            while (reader.TryRead(out var r))
            {
                if (CheckPayload(r.Payload, out int a, out int s) is { } bad) return $"LSN {r.Lsn}: {bad}";
                if (r.Collection != "crash") return $"LSN {r.Lsn}: collection {r.Collection}";
                found[r.Lsn] = (a, s);
            }
            if (reader.TornTail is not null) tornTails++;
        }
        catch (WalCorruptionException e)
        {
            return "recovery found corruption after a crash: " + e.Message;
        }
        foreach (var (lsn, who) in acked)
        {
            if (!found.TryGetValue(lsn, out var got)) return $"acknowledged LSN {lsn} is missing";
            if (got != who) return $"acknowledged LSN {lsn} holds appender/seq {got}, expected {who}";
        }
        return null;
    }

    // ---- corruption ----

    private static async Task Corrupt(string dir, int trials)
    {
        string original = Path.Combine(dir, "original");
        Directory.CreateDirectory(original);
        var payloads = new Dictionary<long, byte[]>();
        using (var log = WriteAheadLog.Open(new WalOptions { Directory = original, Durability = WalDurability.None, BufferBytes = 64 * 1024, SegmentBytes = 64 * 1024 }))
        {
            for (int i = 0; i < 600; i++)
            {
                byte[] p = Payload(1, i);
                payloads[await log.AppendAsync(1, "corrupt", p)] = p;
            }
            await log.FlushAsync();
        }
        var segments = Directory.GetFiles(original, "*.wal").Order(StringComparer.Ordinal).ToArray();
        // Record boundaries of the last segment: cutting exactly there leaves a shorter but valid log, which no format
        // can tell from one that had fewer appends; cuts are made inside records instead.
        var lastBoundaries = new HashSet<long>();
        using (var reader = WalReader.Open(original))
            while (reader.TryRead(out var r))
                if (r.Segment == segments[^1]) lastBoundaries.Add(r.Offset);
        lastBoundaries.Add(new FileInfo(segments[^1]).Length);

        var random = new Random(Environment.TickCount);
        int flips = 0, cuts = 0;
        for (int t = 1; t <= trials; t++)
        {
            string trial = Path.Combine(dir, $"trial-{t}");
            CopyDirectory(original, trial);
            int which = random.Next(segments.Length);
            string segment = Path.Combine(trial, Path.GetFileName(segments[which]));
            long length = new FileInfo(segment).Length;
            string what;
            if (t % 3 != 0)
            {
                long offset = random.NextInt64(length);
                int bit = random.Next(8);
                using (var f = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite))
                {
                    f.Position = offset;
                    int b = f.ReadByte();
                    f.Position = offset;
                    f.WriteByte((byte)(b ^ (1 << bit)));
                }
                what = $"bit {bit} flipped at offset {offset} of segment {which + 1}/{segments.Length}";
                flips++;
            }
            else
            {
                long cut;
                do cut = random.NextInt64(length); while (which == segments.Length - 1 && lastBoundaries.Contains(cut));
                using (var f = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite)) f.SetLength(cut);
                what = $"segment {which + 1}/{segments.Length} cut from {length} to {cut} bytes";
                cuts++;
            }
            Report($"corruption trial {t}: {what}", DetectedAndNothingWrongLoaded(trial, payloads));
            Directory.Delete(trial, recursive: true);
        }
        Console.Out.WriteLine($"corruption: {trials} trials ({flips} bit flips, {cuts} truncations) over {segments.Length} segments");
    }

    // Reading must stop with an error or a torn-tail report before the end, and every record it returned must be
    // exactly what was appended.
    private static string? DetectedAndNothingWrongLoaded(string dir, Dictionary<long, byte[]> payloads)
    {
        long read = 0;
        try
        {
            using var reader = WalReader.Open(dir);
            while (reader.TryRead(out var r))
            {
                if (!payloads.TryGetValue(r.Lsn, out var p) || !r.Payload.SequenceEqual(p) || r.Collection != "corrupt")
                    return $"LSN {r.Lsn} was loaded with wrong contents";
                read++;
            }
            if (reader.TornTail is null) return $"not detected: all {read} records read without an error or a torn tail";
            if (read == payloads.Count) return "a torn tail was reported but every record came back: the damage was not seen";
            return null;
        }
        catch (WalCorruptionException e)
        {
            return e.Segment.StartsWith(dir, StringComparison.Ordinal) && e.Offset >= 0 ? null : "the error does not name the segment: " + e.Message;
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    // ---- disk full ----

    private static async Task DiskFull(string mount)
    {
        string dir = Path.Combine(mount, "wal");
        string ballast = Path.Combine(mount, "ballast");
        File.WriteAllBytes(ballast, new byte[512 * 1024]);
        var options = new WalOptions { Directory = dir, BufferBytes = 64 * 1024, SegmentBytes = 256 * 1024, MaxRecordBytes = 8 * 1024 };
        var acked = new Dictionary<long, int>();
        Exception? failure = null;
        using (var log = WriteAheadLog.Open(options))
        {
            try
            {
                for (int i = 0; i < 1_000_000; i++)
                {
                    long lsn = await log.AppendAsync(1, "full", Payload(2, i % 4000));
                    acked[lsn] = i % 4000;
                }
            }
            catch (WalException e)
            {
                failure = e;
            }
            Report("disk full: an append fails with WalException naming the cause",
                failure is null ? "the disk never filled" : failure.ToString().Contains("No space left on device") ? null : "unexpected error: " + failure);
            Report("disk full: the failed log refuses further appends clearly", Refuses(log));
        }
        Report("disk full: every acknowledged record is intact after the failure", CheckAcked(dir, acked, "full"));

        File.Delete(ballast);
        try
        {
            using var log = WriteAheadLog.Open(options);
            long before = log.LastLsn;
            for (int i = 0; i < 100; i++) acked[await log.AppendAsync(1, "full", Payload(2, i))] = i;
            Report("disk full: after space is freed the log opens and appends durably again",
                log.DurableLsn == before + 100 ? null : $"durable LSN {log.DurableLsn}, expected {before + 100}");
        }
        catch (Exception e)
        {
            Report("disk full: after space is freed the log opens and appends durably again", e.ToString());
        }
        Report("disk full: all acknowledged records intact after reopening", CheckAcked(dir, acked, "full"));
    }

    private static string? Refuses(WriteAheadLog log)
    {
        try
        {
            log.TryAppend(1, "full", [1], out _);
            return "an append after the failure was accepted";
        }
        catch (WalException e)
        {
            return e.Message.Contains("accepts no appends", StringComparison.Ordinal) ? null : "unclear error: " + e.Message;
        }
    }

    private static string? CheckAcked(string dir, Dictionary<long, int> acked, string collection)
    {
        var found = new Dictionary<long, int>();
        try
        {
            using var reader = WalReader.Open(dir);
            while (reader.TryRead(out var r))
            {
                if (CheckPayload(r.Payload, out _, out int seq) is { } bad) return $"LSN {r.Lsn}: {bad}";
                if (r.Collection != collection) return $"LSN {r.Lsn}: collection {r.Collection}";
                found[r.Lsn] = seq;
            }
        }
        catch (WalCorruptionException e)
        {
            return e.Message;
        }
        foreach (var (lsn, seq) in acked)
            if (!found.TryGetValue(lsn, out int got) || got != seq) return $"acknowledged LSN {lsn} is missing or wrong";
        return null;
    }

    // ---- bad input ----

    private static async Task BadInput(string dir)
    {
        using var log = WriteAheadLog.Open(new WalOptions { Directory = dir, MaxRecordBytes = 4096, BufferBytes = 64 * 1024, SegmentBytes = 64 * 1024 });
        (string Name, string Collection, int Size)[] cases =
        [
            ("record over the size limit", "vectors", 4096),
            ("empty collection name", "", 10),
            ("name with a slash", "a/b", 10),
            ("name with a backslash", "a\\b", 10),
            ("name that is ..", "..", 10),
            ("name with NUL", "a\0b", 10),
            ("name longer than 255 bytes", new string('n', 256), 10),
        ];
        foreach (var (name, collection, size) in cases)
        {
            string? failure;
            try
            {
                await log.AppendAsync(1, collection, new byte[size]);
                failure = "accepted";
            }
            catch (ArgumentException e)
            {
                failure = e.Message.Length > 20 ? null : "unclear message: " + e.Message;
            }
            Report($"bad input rejected: {name}", failure);
        }
        long lsn = await log.AppendAsync(1, "vectors", new byte[10]);
        Report("bad input: the log goes on and no LSN was consumed", lsn == 1 ? null : $"first good append got LSN {lsn}");
    }
}

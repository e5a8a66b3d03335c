// Recovery: a torn tail is cut and reported, damage anywhere else stops replay with the segment and offset, and
// repair makes the loss explicit.
using Numa.Storage.Wal;
using static Numa.Tests.Storage.WalTestData;

namespace Numa.Tests.Storage;

public sealed class WalRecoveryTests
{
    private const int Size = 300;
    private const int RecordBytes = 28 + 7 + Size;   // header, "vectors", payload

    // Writes `count` records of Size bytes into segments of 64 KiB or a little more (about 200 records each).
    private static void Write(string dir, int count)
    {
        using var log = WriteAheadLog.Open(Options(dir, bufferBytes: 64 * 1024, segmentBytes: 64 * 1024));
        for (int i = 1; i <= count; i++) Append(log, i, Size);
    }

    private static long RecordOffset(int indexInSegment) => 32 + (long)indexInSegment * RecordBytes;

    private static void Flip(string path, long offset, int bit)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        f.Position = offset;
        int b = f.ReadByte();
        f.Position = offset;
        f.WriteByte((byte)(b ^ (1 << bit)));
    }

    private static void Cut(string path, long length)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        f.SetLength(length);
    }

    [Fact]
    public async Task A_record_cut_short_at_the_end_is_a_torn_tail_that_open_truncates_and_reports()
    {
        using var dir = new TempDirectory();
        Write(dir.Path, 1000);
        string last = dir.Segments()[^1];
        long length = new FileInfo(last).Length;
        Cut(last, length - 100);

        var scan = WalReader.Scan(dir.Path);
        Assert.NotNull(scan.TornTail);
        Assert.Equal(last, scan.TornTail.Segment);
        Assert.Equal(length - RecordBytes, scan.TornTail.Offset);
        Assert.Equal(RecordBytes - 100, scan.TornTail.DroppedBytes);
        Assert.Equal(999, scan.LastLsn);

        using (var log = WriteAheadLog.Open(Options(dir.Path)))
        {
            Assert.Equal(scan.TornTail, log.Recovery.TornTail);
            Assert.Equal(length - RecordBytes, new FileInfo(last).Length);
            Assert.Equal(1000, await log.AppendAsync(1000 % 7, "vectors", Payload(1000, Size)));
        }
        Assert.Equal(1000, ReadAndCheck(dir.Path, 1, _ => Size, out var torn));
        Assert.Null(torn);
    }

    [Theory]
    [InlineData(1)]    // a partial header
    [InlineData(27)]
    [InlineData(28)]   // a header without its name and payload
    [InlineData(200)]
    public void Every_cut_inside_the_last_record_is_torn(int keep)
    {
        using var dir = new TempDirectory();
        Write(dir.Path, 20);
        string last = dir.Segments()[^1];
        long end = new FileInfo(last).Length;
        Cut(last, end - RecordBytes + keep);
        var scan = WalReader.Scan(dir.Path);
        Assert.Equal(end - RecordBytes, scan.TornTail!.Offset);
        Assert.Equal(19, scan.LastLsn);
    }

    [Fact]
    public void Zero_filled_space_after_the_last_record_is_torn()
    {
        using var dir = new TempDirectory();
        Write(dir.Path, 10);
        string last = dir.Segments()[^1];
        long end = new FileInfo(last).Length;
        using (var f = new FileStream(last, FileMode.Append)) f.Write(new byte[4096]);
        var scan = WalReader.Scan(dir.Path);
        Assert.Equal(end, scan.TornTail!.Offset);
        Assert.Equal(4096, scan.TornTail.DroppedBytes);
        Assert.Equal(10, scan.LastLsn);
    }

    [Fact]
    public void A_segment_whose_header_never_reached_the_disk_is_torn_and_removed_on_open()
    {
        using var dir = new TempDirectory();
        Write(dir.Path, 30);
        string next = Path.Combine(dir.Path, "00000000000000000031.wal");
        File.WriteAllBytes(next, new byte[10]);
        var scan = WalReader.Scan(dir.Path);
        Assert.Equal(next, scan.TornTail!.Segment);
        Assert.Equal(0, scan.TornTail.Offset);
        using var log = WriteAheadLog.Open(Options(dir.Path));
        Assert.False(File.Exists(next));
        Assert.Equal(30, log.LastLsn);
    }

    [Fact]
    public void A_CRC_mismatch_before_the_tail_stops_replay_naming_segment_and_offset_and_open_changes_nothing()
    {
        using var dir = new TempDirectory();
        Write(dir.Path, 1000);
        string last = dir.Segments()[^1];
        Flip(last, RecordOffset(1) + 100, 3);   // the second record of the last segment, inside its payload
        byte[] before = File.ReadAllBytes(last);

        var e = Assert.Throws<WalCorruptionException>(() => WalReader.Scan(dir.Path));
        Assert.Equal(last, e.Segment);
        Assert.Equal(RecordOffset(1), e.Offset);
        Assert.Contains("CRC32C mismatch", e.Message);
        Assert.Throws<WalCorruptionException>(() => WriteAheadLog.Open(Options(dir.Path)));
        Assert.Equal(before, File.ReadAllBytes(last));

        // Records before the damage still replay; the reader throws when it reaches it.
        using var reader = WalReader.Open(dir.Path);
        long read = 0;
        Assert.Throws<WalCorruptionException>(() => { while (reader.TryRead(out _)) read++; });
        Assert.True(long.TryParse(Path.GetFileNameWithoutExtension(last), out long firstOfLast));
        Assert.Equal(firstOfLast, read);   // everything before the last segment, and its first record
    }

    [Fact]
    public void Damage_in_the_last_record_of_the_last_segment_is_corruption_not_a_torn_tail()
    {
        using var dir = new TempDirectory();
        Write(dir.Path, 20);
        string last = dir.Segments()[^1];
        long end = new FileInfo(last).Length;
        Flip(last, end - 5, 0);
        var e = Assert.Throws<WalCorruptionException>(() => WalReader.Scan(dir.Path));
        Assert.Equal(end - RecordBytes, e.Offset);
    }

    [Fact]
    public void A_length_field_flipped_to_run_past_the_end_is_caught_by_the_records_after_it()
    {
        using var dir = new TempDirectory();
        Write(dir.Path, 20);
        string last = dir.Segments()[^1];
        Flip(last, RecordOffset(0) + 2, 7);   // length += 8 MiB
        var e = Assert.Throws<WalCorruptionException>(() => WalReader.Scan(dir.Path));
        Assert.Equal(RecordOffset(0), e.Offset);
        Assert.Contains("an intact record", e.Message);
    }

    [Fact]
    public void Damage_in_an_earlier_segment_is_corruption_even_at_its_end()
    {
        using var dir = new TempDirectory();
        Write(dir.Path, 1000);
        string first = dir.Segments()[0];
        long end = new FileInfo(first).Length;
        Cut(first, end - 10);
        var e = Assert.Throws<WalCorruptionException>(() => WalReader.Scan(dir.Path));
        Assert.Equal(first, e.Segment);
        Assert.Equal(end - RecordBytes, e.Offset);
    }

    [Fact]
    public void A_damaged_segment_header_or_a_missing_segment_is_corruption()
    {
        using var dir = new TempDirectory();
        Write(dir.Path, 1000);
        var segments = dir.Segments();
        Assert.True(segments.Length >= 3);
        Flip(segments[1], 17, 1);   // first LSN
        var e = Assert.Throws<WalCorruptionException>(() => WalReader.Scan(dir.Path));
        Assert.Equal((segments[1], 0L), (e.Segment, e.Offset));
        Assert.Contains("header CRC32C", e.Message);

        Flip(segments[1], 17, 1);
        File.Delete(segments[1]);
        var gap = Assert.Throws<WalCorruptionException>(() => WalReader.Scan(dir.Path));
        Assert.Equal(segments[2], gap.Segment);
        Assert.Contains("previous segment ends at LSN", gap.Message);
    }

    [Fact]
    public async Task Repair_cuts_at_the_damage_deletes_later_segments_and_the_log_opens_again()
    {
        using var dir = new TempDirectory();
        Write(dir.Path, 1000);
        var segments = dir.Segments();
        Flip(segments[2], RecordOffset(3) + 40, 5);
        var damage = Assert.Throws<WalCorruptionException>(() => WalReader.Scan(dir.Path));

        var result = WalRepair.TruncateAtDamage(dir.Path);
        Assert.Single(result.Problems);
        Assert.Equal([(segments[2], damage.Offset)], result.TruncatedSegments);
        Assert.Equal(segments.Skip(3).Reverse(), result.DeletedSegments);
        Assert.True(result.BytesRemoved > 0);
        Assert.Null(result.After.TornTail);
        long kept = result.After.LastLsn;
        Assert.Equal(kept, ReadAndCheck(dir.Path, 1, _ => Size, out _));

        using (var log = WriteAheadLog.Open(Options(dir.Path)))
        {
            Assert.Equal(kept + 1, await log.AppendAsync(1, "vectors", new byte[1]));
            // One owner at a time: neither a repair nor a second log may touch a directory an open log writes to.
            Assert.Contains("is open elsewhere", Assert.Throws<WalException>(() => WalRepair.TruncateAtDamage(dir.Path)).Message);
            Assert.Throws<WalException>(() => WriteAheadLog.Open(Options(dir.Path)));
        }
        Assert.True(WalRepair.TruncateAtDamage(dir.Path).NothingToDo);
        using var reopened = WriteAheadLog.Open(Options(dir.Path));
        Assert.Equal(kept + 1, reopened.LastLsn);
    }

    [Fact]
    public async Task A_log_that_ends_before_the_snapshot_continues_after_it_and_never_reuses_a_covered_LSN()
    {
        // What a machine crash under Interval leaves when the snapshot (LSN 900) reached the disk and the log's
        // unsynced tail did not: a log that ends at 500, in several segments.
        using var dir = new TempDirectory();
        Write(dir.Path, 500);
        var old = dir.Segments();
        Assert.True(old.Length > 1);

        using (var log = WriteAheadLog.Open(Options(dir.Path, afterLsn: 900)))
        {
            Assert.Equal(500, log.Recovery.LastLsn);                         // what was found…
            Assert.Equal(900, log.LastLsn);                                  // …and where the log goes on
            Assert.All(old, path => Assert.False(File.Exists(path), $"{path} holds only covered records and stays"));
            Assert.Equal(901, await log.AppendAsync(901 % 7, "vectors", Payload(901, Size)));
            Assert.Equal(902, await log.AppendAsync(902 % 7, "vectors", Payload(902, Size)));
        }
        Assert.Equal("00000000000000000901.wal", Path.GetFileName(Assert.Single(dir.Segments())));
        // Replay from the snapshot gets exactly the records after it.
        Assert.Equal(2, ReadAndCheck(dir.Path, 901, _ => Size, out var torn));
        Assert.Null(torn);

        // A log that reaches the snapshot is opened as it is, whatever AfterLsn says.
        using (var again = WriteAheadLog.Open(Options(dir.Path, afterLsn: 901)))
            Assert.Equal(902, again.LastLsn);
        Assert.Single(dir.Segments());
    }

    [Fact]
    public async Task A_new_log_with_a_snapshot_starts_after_it()
    {
        using var dir = new TempDirectory();
        using (var log = WriteAheadLog.Open(Options(Path.Combine(dir.Path, "wal"), afterLsn: 41)))
            Assert.Equal(42, await log.AppendAsync(0, "vectors", new byte[1]));
        Assert.Equal(42, WalReader.Scan(Path.Combine(dir.Path, "wal")).FirstLsn);
        Assert.Throws<ArgumentOutOfRangeException>(() => WriteAheadLog.Open(Options(dir.Path, afterLsn: -1)));
    }
}

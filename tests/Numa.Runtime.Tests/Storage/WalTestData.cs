// Deterministic payloads (a function of the LSN) so tests can check every byte that comes back.
using Numa.Storage.Wal;

namespace Numa.Tests.Storage;

internal static class WalTestData
{
    public static byte[] Payload(long lsn, int size)
    {
        var p = new byte[size];
        new Random((int)(lsn * 7919 % int.MaxValue)).NextBytes(p);
        return p;
    }

    public static WalOptions Options(string dir, WalDurability? durability = null, int bufferBytes = 256 * 1024,
        long segmentBytes = 1 << 20, long maxLogBytes = 100L << 20, int maxRecordBytes = 64 * 1024, long afterLsn = 0) => new()
    {
        AfterLsn = afterLsn,
        Directory = dir,
        Durability = durability ?? WalDurability.Always,
        BufferBytes = bufferBytes,
        SegmentBytes = segmentBytes,
        MaxLogBytes = maxLogBytes,
        MaxRecordBytes = maxRecordBytes,
    };

    /// <summary>Reads every record, checking LSNs are dense from <paramref name="first"/> and payloads match.</summary>
    public static long ReadAndCheck(string dir, long first, Func<long, int> size, out WalTornTail? torn)
    {
        using var reader = WalReader.Open(dir);
        long expected = first;
        while (reader.TryRead(out var r))
        {
            Assert.Equal(expected, r.Lsn);
            Assert.Equal("vectors", r.Collection);
            Assert.Equal((byte)(r.Lsn % 7), r.Kind);
            Assert.True(r.Payload.SequenceEqual(Payload(r.Lsn, size(r.Lsn))), $"payload of LSN {r.Lsn} differs");
            expected++;
        }
        torn = reader.TornTail;
        return expected - first;
    }

    public static long Append(WriteAheadLog log, long lsnExpected, int size)
    {
        byte[] payload = Payload(lsnExpected, size);
        long lsn;
        while (!log.TryAppend((byte)(lsnExpected % 7), "vectors", payload, out lsn)) Thread.Yield();   // both buffers busy
        Assert.Equal(lsnExpected, lsn);
        return lsn;
    }
}

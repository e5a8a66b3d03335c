// One record as replay hands it out: views into the reader's buffer, valid until the next read.
using System.Text;

namespace Numa.Storage.Wal;

/// <summary>A record read back from the log. The spans point into the reader's buffer and are valid until the
/// next <see cref="WalReader.TryRead"/> or <see cref="WalReader.Dispose"/>; copy what you keep.</summary>
public readonly ref struct WalRecord
{
    internal WalRecord(long lsn, long timestamp, byte kind, ReadOnlySpan<byte> name, ReadOnlySpan<byte> payload, string segment, long offset)
    {
        Lsn = lsn;
        TimestampUnixNanoseconds = timestamp;
        Kind = kind;
        CollectionUtf8 = name;
        Payload = payload;
        Segment = segment;
        Offset = offset;
    }

    /// <summary>The log sequence number: 1 for the first record ever appended, one more for each record after.</summary>
    public long Lsn { get; }

    /// <summary>When the record was appended: nanoseconds since the Unix epoch, UTC.</summary>
    public long TimestampUnixNanoseconds { get; }

    /// <summary>The application's record kind (an insert, a delete, …), stored as given.</summary>
    public byte Kind { get; }

    /// <summary>The collection name, UTF-8.</summary>
    public ReadOnlySpan<byte> CollectionUtf8 { get; }

    /// <summary>The payload as appended.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The segment file the record is in.</summary>
    public string Segment { get; }

    /// <summary>The record's byte offset in <see cref="Segment"/>.</summary>
    public long Offset { get; }

    /// <summary>The collection name (allocates a string).</summary>
    public string Collection => Encoding.UTF8.GetString(CollectionUtf8);

    /// <summary>The record's length on disk, header included.</summary>
    public int Length => WalFormat.RecordHeaderBytes + CollectionUtf8.Length + Payload.Length;
}

// Replay: reads a log directory's segments in LSN order, checks every record, stops at a torn tail and throws
// at damage anywhere else. Read-only: WriteAheadLog.Open and WalRepair are the ones that cut files.
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Numa.Storage.Wal;

/// <summary>
/// Reads the records of a log directory in LSN order (<see cref="TryRead"/>), checking each one: CRC32C over header,
/// name and payload, the length and name fields, LSNs that follow one another without gaps within and across
/// segments, and the segment headers (magic, version, CRC, shard, first LSN equal to the file name).
/// </summary>
/// <remarks>
/// A torn tail, the incomplete last record a crash in the middle of a write leaves in the last segment, ends the
/// replay and is reported in <see cref="TornTail"/>. It is recognised by shape: the bytes left in the last segment
/// do not hold a whole record (a short header, or a length that runs past the end of the file) and no intact record
/// follows. Anything else that fails a check, in any segment, throws <see cref="WalCorruptionException"/> naming the
/// segment and offset: a complete record with a CRC mismatch, an intact record after damaged bytes, an LSN gap.
/// A whole segment is read into memory at a time (segments are at most a few tens of MiB).
/// </remarks>
public sealed class WalReader : IDisposable
{
    private readonly (string Path, long FirstLsn)[] _files;
    private readonly long _fromLsn;
    private readonly List<WalSegmentInfo> _segments = [];
    private int _fileIndex = -1;
    private byte[] _data = [];
    private int _length;           // bytes of the current segment in _data
    private int _offset;           // next record in the current segment
    private long _expectedLsn;     // the LSN the next record must have; 0 before the first segment is read
    private int _shard = -1;
    private long _segmentFirstLsn;
    private long _segmentRecords;
    private bool _inSegment;
    private bool _done;

    private WalReader(string directory, (string, long)[] files, long fromLsn)
    {
        Directory = directory;
        _files = files;
        _fromLsn = fromLsn;
    }

    /// <summary>The log directory.</summary>
    public string Directory { get; }

    /// <summary>The torn tail found at the end, or null (also null until the end is reached).</summary>
    public WalTornTail? TornTail { get; private set; }

    /// <summary>Segments read to their end so far, in LSN order (all of them once <see cref="TryRead"/> returned false;
    /// segments skipped because of <c>fromLsn</c> are not listed).</summary>
    public IReadOnlyList<WalSegmentInfo> Segments => _segments;

    /// <summary>The LSN of the last valid record read (skipped records included), or 0.</summary>
    public long LastLsn => _expectedLsn == 0 ? 0 : _expectedLsn - 1;

    /// <summary>Opens <paramref name="directory"/> for replay from <paramref name="fromLsn"/> (records below it are
    /// checked but not returned; segments that hold only such records are not read at all).</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public static WalReader Open(string directory, long fromLsn = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"The WAL directory {directory} does not exist.");
        return new WalReader(directory, ListSegments(directory), fromLsn);
    }

    /// <summary>Reads the whole log and summarises it: segments, LSN range, sizes, torn tail.</summary>
    /// <exception cref="WalCorruptionException">Damage before the tail (segment and offset in the exception).</exception>
    public static WalScanResult Scan(string directory)
    {
        using var reader = Open(directory);
        while (reader.TryRead(out _)) { }
        return new WalScanResult(directory, reader.Segments, reader.TornTail);
    }

    internal static (string Path, long FirstLsn)[] ListSegments(string directory)
    {
        var files = new List<(string, long)>();
        foreach (string path in System.IO.Directory.EnumerateFiles(directory))
            if (WalFormat.TryParseSegmentName(Path.GetFileName(path), out long lsn)) files.Add((path, lsn));
        files.Sort((a, b) => a.Item2.CompareTo(b.Item2));
        return [.. files];
    }

    /// <summary>Reads the next record at or after <c>fromLsn</c>; false at the end of the log (check
    /// <see cref="TornTail"/>). The record's spans are valid until the next call.</summary>
    /// <exception cref="WalCorruptionException">Damage before the tail.</exception>
    /// <exception cref="IOException">A segment cannot be read.</exception>
    public bool TryRead(out WalRecord record)
    {
        while (!_done)
        {
            if (!_inSegment || _offset == _length)
            {
                if (_inSegment) FinishSegment(_length);
                if (!LoadNextSegment()) break;
                continue;
            }
            int at = _offset;
            string? problem = CheckRecord(at, out bool complete);
            if (problem is not null)
            {
                Damage(at, problem, complete);
                break;
            }
            ReadOnlySpan<byte> r = _data.AsSpan(at, (int)BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(at)));
            long lsn = _expectedLsn++;
            _segmentRecords++;
            _offset = at + r.Length;
            if (lsn < _fromLsn) continue;
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(r[26..]);
            record = new WalRecord(lsn, BinaryPrimitives.ReadInt64LittleEndian(r[16..]), r[24],
                r.Slice(WalFormat.RecordHeaderBytes, nameLength), r[(WalFormat.RecordHeaderBytes + nameLength)..],
                _files[_fileIndex].Path, at);
            return true;
        }
        record = default;
        return false;
    }

    // Null when the record at `at` is valid. `complete`: the bytes hold a whole record by its length field.
    private string? CheckRecord(int at, out bool complete)
    {
        complete = false;
        int remaining = _length - at;
        if (remaining < WalFormat.RecordHeaderBytes)
            return $"{remaining} bytes left, fewer than a {WalFormat.RecordHeaderBytes}-byte record header";
        ReadOnlySpan<byte> h = _data.AsSpan(at, WalFormat.RecordHeaderBytes);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(h);
        if (length < WalFormat.RecordHeaderBytes + 1) return $"record length {length} is smaller than a header and a name";
        if (length > remaining) return $"record length {length} runs past the end of the segment ({remaining} bytes left)";
        complete = true;
        ReadOnlySpan<byte> r = _data.AsSpan(at, (int)length);
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(h[4..]);
        uint actual = Crc32C.Compute(r[8..]);
        if (stored != actual) return $"CRC32C mismatch (stored 0x{stored:X8}, computed 0x{actual:X8})";
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(h[26..]);
        if (nameLength < 1 || nameLength > WalFormat.MaxNameBytes || WalFormat.RecordHeaderBytes + nameLength > length)
            return $"collection name length {nameLength} is impossible in a {length}-byte record";
        if (h[25] != 0) return $"flags byte is 0x{h[25]:X2}, expected 0";
        long lsn = BinaryPrimitives.ReadInt64LittleEndian(h[8..]);
        if (lsn != _expectedLsn) return $"LSN {lsn} where {_expectedLsn} must follow";
        return null;
    }

    // A record failed its checks: a torn tail if it is the incomplete end of the last segment, else corruption.
    private void Damage(int at, string problem, bool complete)
    {
        string path = _files[_fileIndex].Path;
        bool last = _fileIndex == _files.Length - 1;
        if (!last) throw new WalCorruptionException(path, at, problem + " (not the last segment, so not a torn tail)");
        if (complete) throw new WalCorruptionException(path, at, problem);
        int intact = FindIntactRecord(at + 1);
        if (intact >= 0)
            throw new WalCorruptionException(path, at, $"{problem}; an intact record (LSN ≥ {_expectedLsn}) follows at offset {intact}, so this is not a torn tail");
        TornTail = new WalTornTail(path, at, _length - at, problem);
        FinishSegment(at);
        _done = true;
    }

    // The offset of the first record after `from` that passes every check with an LSN at or after the expected
    // one; -1 when none. Only run on damage in the last segment.
    private int FindIntactRecord(int from)
    {
        for (int o = from; o <= _length - WalFormat.RecordHeaderBytes - 1; o++)
        {
            ReadOnlySpan<byte> h = _data.AsSpan(o, WalFormat.RecordHeaderBytes);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(h);
            if (length < WalFormat.RecordHeaderBytes + 1 || length > _length - o || h[25] != 0) continue;
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(h[26..]);
            if (nameLength < 1 || WalFormat.RecordHeaderBytes + nameLength > length) continue;
            if (BinaryPrimitives.ReadInt64LittleEndian(h[8..]) < _expectedLsn) continue;
            if (BinaryPrimitives.ReadUInt32LittleEndian(h[4..]) == Crc32C.Compute(_data.AsSpan(o + 8, (int)length - 8))) return o;
        }
        return -1;
    }

    private bool LoadNextSegment()
    {
        _inSegment = false;
        while (true)
        {
            _fileIndex++;
            if (_fileIndex >= _files.Length)
            {
                _done = true;
                return false;
            }
            // Skip a segment whose records all precede fromLsn: the next segment starts at or before it.
            if (_fileIndex + 1 < _files.Length && _files[_fileIndex + 1].FirstLsn <= _fromLsn)
            {
                _expectedLsn = 0;
                continue;
            }
            break;
        }
        var (path, nameLsn) = _files[_fileIndex];
        bool last = _fileIndex == _files.Length - 1;
        ReadFile(path);
        if (_length < WalFormat.SegmentHeaderBytes)
        {
            string problem = $"{_length} bytes, fewer than the {WalFormat.SegmentHeaderBytes}-byte segment header";
            if (!last) throw new WalCorruptionException(path, 0, problem);
            TornTail = new WalTornTail(path, 0, _length, problem);
            _done = true;
            return false;
        }
        string? headerProblem = WalFormat.CheckSegmentHeader(_data.AsSpan(0, WalFormat.SegmentHeaderBytes), out int shard, out long firstLsn);
        if (headerProblem is not null)
        {
            if (last && _data.AsSpan(0, _length).IndexOfAnyExcept((byte)0) < 0)
            {
                TornTail = new WalTornTail(path, 0, _length, "the segment holds only zero bytes (its header was never written)");
                _done = true;
                return false;
            }
            throw new WalCorruptionException(path, 0, headerProblem);
        }
        if (firstLsn != nameLsn) throw new WalCorruptionException(path, 0, $"the header's first LSN {firstLsn} differs from the file name's {nameLsn}");
        if (_shard >= 0 && shard != _shard) throw new WalCorruptionException(path, 0, $"the header names shard {shard}; earlier segments belong to shard {_shard}");
        if (_expectedLsn != 0 && firstLsn != _expectedLsn)
            throw new WalCorruptionException(path, 0, $"the segment starts at LSN {firstLsn}, but the previous segment ends at LSN {_expectedLsn - 1}");
        _shard = shard;
        _expectedLsn = firstLsn;
        _segmentFirstLsn = firstLsn;
        _segmentRecords = 0;
        _offset = WalFormat.SegmentHeaderBytes;
        _inSegment = true;
        return true;
    }

    private void FinishSegment(int validBytes)
    {
        _segments.Add(new WalSegmentInfo(_files[_fileIndex].Path, _shard, _segmentFirstLsn, _segmentFirstLsn + _segmentRecords - 1,
            _segmentRecords, _length, validBytes));
        _inSegment = false;
    }

    private void ReadFile(string path)
    {
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        long length = RandomAccess.GetLength(handle);
        if (length > Array.MaxLength) throw new WalCorruptionException(path, 0, $"the segment is {length} bytes, larger than any segment the log writes");
        if (_data.Length < length) _data = new byte[Math.Max(length, Math.Min(2L * _data.Length, Array.MaxLength))];
        int read = 0;
        while (read < length)
        {
            int n = RandomAccess.Read(handle, _data.AsSpan(read, (int)length - read), read);
            if (n == 0) break;   // the file shrank while we read it: treat what we have as the segment
            read += n;
        }
        _length = read;
    }

    /// <summary>Releases the read buffer.</summary>
    public void Dispose()
    {
        _data = [];
        _done = true;
    }
}

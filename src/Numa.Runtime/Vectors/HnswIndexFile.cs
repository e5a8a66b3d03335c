// The on-disk form of an HnswIndex (docs/vectors.md "File format"): a fixed header with its own CRC-32C, then
// the slots, vectors and link lists, then a trailer with the body's length and CRC-32C. Loading checks the
// header and every slot record (with the file length their levels imply) before allocating anything, every other
// field as it is read, and the body checksum at the end.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Numa.Memory;

using Numa.Storage;

namespace Numa.Vectors;

internal static unsafe class HnswIndexFile
{
    public const uint Version = 1;
    public const int HeaderBytes = 64;
    public const int TrailerBytes = 16;
    private const int SlotBytes = 16;                 // i64 id, i32 state, i32 level
    private static ReadOnlySpan<byte> Magic => "NUMAHNSW"u8;
    private static ReadOnlySpan<byte> EndMagic => "HEND"u8;

    // Header (little-endian):
    //  0 magic "NUMAHNSW"   8 version u32   12 metric u32   16 dimension u32   20 M u32   24 efConstruction u32
    // 28 efSearch u32      32 slots u32    36 entry node i32   40 entry level i32   44 flags u32 (bit 0: keepPruned)
    // 48 level generator state u64   56 header CRC-32C of bytes 0..56 u32   60 reserved u32 (0)
    // Body: slots × {id i64, state i32 (1 live, 2 deleted), level i32}; slots × dimension f32;
    //       slots × (1 + 2M) i32 level-0 lists {count, links}; for each slot with level > 0, level × (1 + M) i32.
    // Trailer: body length u64, body CRC-32C u32, "HEND".

    public static void Save(HnswIndex index, string path)
    {
        var options = index.Options;
        var store = index.Store;
        int slots = store.SlotCount;
        long entry = index.Entry;
        Span<byte> header = stackalloc byte[HeaderBytes];
        header.Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)options.Metric);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)options.Dimension);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], (uint)options.M);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], (uint)options.EfConstruction);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], (uint)options.EfSearch);
        BinaryPrimitives.WriteUInt32LittleEndian(header[32..], (uint)slots);
        BinaryPrimitives.WriteInt32LittleEndian(header[36..], HnswIndex.NodeOf(entry));
        BinaryPrimitives.WriteInt32LittleEndian(header[40..], HnswIndex.LevelOfEntry(entry));
        BinaryPrimitives.WriteUInt32LittleEndian(header[44..], options.KeepPrunedConnections ? 1u : 0u);
        BinaryPrimitives.WriteUInt64LittleEndian(header[48..], index.RandomState);
        BinaryPrimitives.WriteUInt32LittleEndian(header[56..], Crc32C.Compute(header[..56]));

        string full = Path.GetFullPath(path);
        string temporary = full + HnswIndex.TemporarySuffix;
        try
        {
            WriteTemporary(index, temporary, header);
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            DeleteQuietly(temporary);                 // a failed save leaves the old file and nothing else
            throw;
        }
        FileSync.Directory(Path.GetDirectoryName(full)!);
    }

    // The save's own error is the one to report; a temporary file that cannot be removed either is swept by the next save
    // of its owner (ShardEngine deletes stray *.hnsw.tmp files).
    private static void DeleteQuietly(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static void WriteTemporary(HnswIndex index, string temporary, ReadOnlySpan<byte> header)
    {
        var options = index.Options;
        var store = index.Store;
        int slots = store.SlotCount;
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            file.Write(header);
            var body = new Writer(file);
            Span<byte> slot = stackalloc byte[SlotBytes];
            for (int i = 0; i < slots; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(slot, store.ExternalId(i));
                BinaryPrimitives.WriteInt32LittleEndian(slot[8..], store.State(i));
                BinaryPrimitives.WriteInt32LittleEndian(slot[12..], index.LevelOf(i));
                body.Write(slot);
            }
            int vectorBytes = options.Dimension * sizeof(float);
            for (int i = 0; i < slots; i++) body.Write(new ReadOnlySpan<byte>(store.Vector(i), vectorBytes));
            int level0Bytes = (1 + index.MaxLinks(0)) * sizeof(int);
            for (int i = 0; i < slots; i++) body.Write(new ReadOnlySpan<byte>(index.LinksOf(i, 0), level0Bytes));
            int upperBytes = (1 + index.MaxLinks(1)) * sizeof(int);
            for (int i = 0; i < slots; i++)
                for (int layer = 1; layer <= index.LevelOf(i); layer++)
                    body.Write(new ReadOnlySpan<byte>(index.LinksOf(i, layer), upperBytes));
            Span<byte> trailer = stackalloc byte[TrailerBytes];
            BinaryPrimitives.WriteInt64LittleEndian(trailer, body.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(trailer[8..], body.Crc);
            EndMagic.CopyTo(trailer[12..]);
            file.Write(trailer);
            file.Flush();
            FileSync.DataSync(file.SafeFileHandle, temporary);
        }
    }

    public static HnswIndex Load(string path, NumaArena? arena)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long fileLength = file.Length;
        Span<byte> header = stackalloc byte[HeaderBytes];
        if (fileLength < HeaderBytes + TrailerBytes)
            throw new VectorIndexFormatException(path, fileLength, "header", $"the file is {fileLength} bytes, shorter than a header and trailer ({HeaderBytes + TrailerBytes}); truncated or not an index file");
        file.ReadExactly(header);
        if (!header[..8].SequenceEqual(Magic))
            throw new VectorIndexFormatException(path, 0, "magic", "not a Numa HNSW index file (expected \"NUMAHNSW\")");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (version != Version)
            throw new VectorIndexFormatException(path, 8, "version", $"format version {version}; this build reads version {Version}");
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(header[56..]);
        uint computed = Crc32C.Compute(header[..56]);
        if (stored != computed)
            throw new VectorIndexFormatException(path, 56, "header checksum", $"CRC-32C mismatch: stored 0x{stored:X8}, computed 0x{computed:X8}; the header is corrupted");

        uint reserved = BinaryPrimitives.ReadUInt32LittleEndian(header[60..]);
        if (reserved != 0)
            throw new VectorIndexFormatException(path, 60, "reserved", $"0x{reserved:X8} where version {Version} writes 0; corrupted");

        HnswOptions options;
        try
        {
            options = new HnswOptions
            {
                Metric = (VectorMetric)BinaryPrimitives.ReadUInt32LittleEndian(header[12..]),
                Dimension = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(header[16..])),
                M = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(header[20..])),
                EfConstruction = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(header[24..])),
                EfSearch = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(header[28..])),
                KeepPrunedConnections = (BinaryPrimitives.ReadUInt32LittleEndian(header[44..]) & 1) != 0,
            };
            options.Validate();
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            throw new VectorIndexFormatException(path, 12, "options", e.Message);
        }
        uint slotField = BinaryPrimitives.ReadUInt32LittleEndian(header[32..]);
        int entryNode = BinaryPrimitives.ReadInt32LittleEndian(header[36..]);
        int entryLevel = BinaryPrimitives.ReadInt32LittleEndian(header[40..]);
        ulong rng = BinaryPrimitives.ReadUInt64LittleEndian(header[48..]);
        int m0 = 2 * options.M;
        long fixedBody = (long)slotField * (SlotBytes + options.Dimension * sizeof(float) + (1 + m0) * sizeof(int));
        if (slotField > int.MaxValue - 2 || HeaderBytes + fixedBody + TrailerBytes > fileLength)
            throw new VectorIndexFormatException(path, 32, "slots", $"{slotField} slots need at least {HeaderBytes + fixedBody + TrailerBytes} bytes; the file has {fileLength}; truncated");
        int slots = (int)slotField;
        if (slots == 0 ? entryNode != -1 : entryNode < 0 || entryNode >= slots)
            throw new VectorIndexFormatException(path, 36, "entry node", $"{entryNode} is not a slot (slots: {slots})");

        // The slot records are read twice: first to check every state and level and the file length the levels
        // imply, before anything is allocated; then, from the start of the body again, to restore them.
        Span<byte> slot = stackalloc byte[SlotBytes];
        long upperInts = 0;
        var scan = new Reader(file, path, HeaderBytes);
        for (int i = 0; i < slots; i++)
            upperInts += (long)ReadSlot(scan, slot, i, out _, out _) * (1 + options.M);
        long bodyEnd = HeaderBytes + fixedBody + upperInts * sizeof(int);
        if (bodyEnd + TrailerBytes != fileLength)
            throw new VectorIndexFormatException(path, scan.Offset, "body length",
                $"the slots' levels need {bodyEnd + TrailerBytes} bytes in all; the file has {fileLength}");
        file.Position = HeaderBytes;

        var index = new HnswIndex(options, arena);
        try
        {
            var store = index.Store;
            var body = new Reader(file, path, HeaderBytes);
            long restoredInts = 0;
            for (int i = 0; i < slots; i++)
            {
                long at = body.Offset;
                int level = ReadSlot(body, slot, i, out long id, out int state);
                restoredInts += (long)level * (1 + options.M);
                if (restoredInts > upperInts)
                    throw new VectorIndexFormatException(path, at + 12, $"level of slot {i}", $"{level}, more than the first read of the file found; the file changed while loading");
                try
                {
                    store.RestoreSlot(id, state);
                }
                catch (InvalidDataException e)
                {
                    throw new VectorIndexFormatException(path, at, $"id of slot {i}", e.Message);
                }
                index.InitRestoredNode(i, level);
            }
            if (slots > 0 && index.LevelOf(entryNode) != entryLevel)
                throw new VectorIndexFormatException(path, 40, "entry level", $"{entryLevel}, but the entry node {entryNode} has level {index.LevelOf(entryNode)}");

            for (int i = 0; i < slots; i++)
            {
                long at = body.Offset;
                var vector = new Span<float>(store.Vector(i), options.Dimension);
                body.Read(MemoryMarshal.AsBytes(vector), $"vector of slot {i}");
                if (store.Problem(vector) is { } problem)               // what Add refuses; tombstones still route searches
                    throw new VectorIndexFormatException(path, at, $"vector of slot {i}", problem);
            }
            for (int i = 0; i < slots; i++) ReadList(body, index.LinksOf(i, 0), m0, slots, $"level-0 links of slot {i}");
            for (int i = 0; i < slots; i++)
                for (int layer = 1; layer <= index.LevelOf(i); layer++)
                    ReadList(body, index.LinksOf(i, layer), options.M, slots, $"layer-{layer} links of slot {i}", i, index, layer);

            Span<byte> trailer = stackalloc byte[TrailerBytes];
            long trailerAt = body.Offset;
            uint crc = body.Crc;
            file.ReadExactly(trailer);
            long length = BinaryPrimitives.ReadInt64LittleEndian(trailer);
            uint storedBody = BinaryPrimitives.ReadUInt32LittleEndian(trailer[8..]);
            if (!trailer[12..].SequenceEqual(EndMagic))
                throw new VectorIndexFormatException(path, trailerAt + 12, "trailer magic", "expected \"HEND\"; truncated or corrupted");
            if (length != trailerAt - HeaderBytes)
                throw new VectorIndexFormatException(path, trailerAt, "body length", $"trailer says {length} bytes, the body read was {trailerAt - HeaderBytes}");
            if (storedBody != crc)
                throw new VectorIndexFormatException(path, trailerAt + 8, "body checksum",
                    $"CRC-32C mismatch over bytes {HeaderBytes}..{trailerAt}: stored 0x{storedBody:X8}, computed 0x{crc:X8}; the file is corrupted");
            index.Entry = HnswIndex.MakeEntry(entryNode, entryLevel);
            index.RandomState = rng;
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    // One slot record {id, state, level}, its state and level checked; returns the level.
    private static int ReadSlot(Reader body, Span<byte> record, int i, out long id, out int state)
    {
        long at = body.Offset;
        body.Read(record, "slot");
        id = BinaryPrimitives.ReadInt64LittleEndian(record);
        state = BinaryPrimitives.ReadInt32LittleEndian(record[8..]);
        int level = BinaryPrimitives.ReadInt32LittleEndian(record[12..]);
        if (state is not (VectorStore.StateLive or VectorStore.StateDeleted))
            throw new VectorIndexFormatException(body.Path, at + 8, $"state of slot {i}", $"{state} (expected 1 live or 2 deleted)");
        if (level is < 0 or > HnswIndex.MaxLevel)
            throw new VectorIndexFormatException(body.Path, at + 12, $"level of slot {i}", $"{level} (expected 0 to {HnswIndex.MaxLevel})");
        return level;
    }

    private static void ReadList(Reader body, int* list, int max, int slots, string field, int owner = -1, HnswIndex? index = null, int layer = 0)
    {
        long at = body.Offset;
        body.Read(new Span<byte>(list, (1 + max) * sizeof(int)), field);
        if (list[0] < 0 || list[0] > max)
            throw new VectorIndexFormatException(body.Path, at, field, $"count {list[0]} (expected 0 to {max})");
        for (int i = 1; i <= list[0]; i++)
        {
            if ((uint)list[i] >= (uint)slots)
                throw new VectorIndexFormatException(body.Path, at + 4L * i, field, $"link {list[i]} is not a slot (slots: {slots})");
            if (index is not null && index.LevelOf(list[i]) < layer)
                throw new VectorIndexFormatException(body.Path, at + 4L * i, field, $"link {list[i]} has level {index.LevelOf(list[i])}, below layer {layer} (from slot {owner})");
        }
    }

    /// <summary>Writes through to the file, keeping the running CRC-32C and length of everything written.</summary>
    private sealed class Writer(Stream stream)
    {
        public uint Crc { get; private set; } = 0u;

        public long Length { get; private set; }

        public void Write(ReadOnlySpan<byte> data)
        {
            Crc = Crc32C.Append(Crc, data);
            Length += data.Length;
            stream.Write(data);
        }
    }

    /// <summary>Reads exactly, keeping the running CRC-32C and the file offset; end of file is a format error.</summary>
    private sealed class Reader(Stream stream, string path, long offset)
    {
        public string Path => path;

        public long Offset { get; private set; } = offset;

        public uint Crc { get; private set; } = 0u;

        public void Read(Span<byte> destination, string field)
        {
            try
            {
                stream.ReadExactly(destination);
            }
            catch (EndOfStreamException)
            {
                throw new VectorIndexFormatException(path, Offset, field, "unexpected end of file; truncated");
            }
            Crc = Crc32C.Append(Crc, destination);
            Offset += destination.Length;
        }
    }
}

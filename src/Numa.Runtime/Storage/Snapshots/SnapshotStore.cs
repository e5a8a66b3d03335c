// Writes snapshots atomically (one Parquet file per collection and shard, then a manifest naming them and the LSN
// they cover) and restores the latest one, trusting nothing it reads back.
using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Numa.Storage.Parquet;

namespace Numa.Storage.Snapshots;

/// <summary>
/// Snapshots in one directory. <see cref="Write"/> writes each shard to <c>{collection}.{shard}.g{generation}.parquet</c>
/// through a temporary file (write, fsync, rename), fsyncs the directory, then replaces <c>manifest.json</c> the same
/// way; only then are the previous snapshot's files deleted. A crash at any point leaves either the old or the new
/// manifest, each with all of its files. <see cref="Restore"/> checks each file's length and CRC-32C against the
/// manifest before the first row reaches the target, then streams the rows row group by row group.
/// <para>Manifest (UTF-8 JSON): <c>{"crc32c":"XXXXXXXX","manifest":{"format":1,"generation":G,"lsn":L,"createdUtc":"…",
/// "files":[{"collection":…,"shard":…,"dimension":…,"file":…,"rows":…,"bytes":…,"crc32c":"XXXXXXXX"}]}}</c>, where the
/// outer crc32c covers the exact bytes of the <c>manifest</c> value.</para>
/// Not thread-safe; one writer per directory.
/// </summary>
public sealed class SnapshotStore
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestFileName = "manifest.json";

    private const int FormatVersion = 1;
    private const string TempSuffix = ".tmp";

    private readonly ParquetWriterOptions _writerOptions;
    private readonly ParquetReaderOptions? _readerOptions;

    /// <summary>A store in <paramref name="directory"/> (created if missing).</summary>
    public SnapshotStore(string directory, ParquetWriterOptions? writerOptions = null, ParquetReaderOptions? readerOptions = null)
    {
        Directory = Path.GetFullPath(directory);
        FileSync.CreateDirectory(Directory);               // its entry durable before the first snapshot relies on it
        _writerOptions = writerOptions ?? new ParquetWriterOptions();
        _readerOptions = readerOptions;
    }

    /// <summary>The snapshot directory (absolute).</summary>
    public string Directory { get; }

    /// <summary>Writes a snapshot of <paramref name="source"/> covering every LSN up to <paramref name="lsn"/> and makes
    /// it the current one. Returns its manifest.</summary>
    /// <exception cref="ArgumentException">The LSN is below the current snapshot's, or the shards are invalid or repeat.</exception>
    /// <exception cref="IOException">Writing failed; the previous snapshot stays current.</exception>
    /// <exception cref="Native.NumaNativeException">fsync of a file or of the directory failed (EIO, ENOSPC …); the previous snapshot stays current.</exception>
    /// <exception cref="SnapshotException">The current manifest is corrupt (it would be overwritten blindly otherwise).</exception>
    public SnapshotManifest Write(long lsn, ISnapshotSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(lsn);
        SnapshotManifest? previous = ReadManifest();
        if (previous is not null && lsn < previous.Lsn)
            throw new ArgumentException($"LSN {lsn} is below the current snapshot's {previous.Lsn}", nameof(lsn));
        long generation = (previous?.Generation ?? 0) + 1;
        DeleteTemporaryFiles();

        IReadOnlyList<SnapshotShard> shards = source.Shards;
        var seen = new HashSet<(string, int)>();
        foreach (SnapshotShard shard in shards)
        {
            shard.Validate();
            if (!seen.Add((shard.Collection, shard.Shard)))
                throw new ArgumentException($"shard {shard.Shard} of '{shard.Collection}' is listed twice", nameof(source));
        }

        var files = new List<SnapshotFile>(shards.Count);
        foreach (SnapshotShard shard in shards)
        {
            string name = string.Create(CultureInfo.InvariantCulture, $"{shard.Collection}.{shard.Shard}.g{generation}.parquet");
            files.Add(WriteShardFile(shard, name, source));
        }
        FileSync.Directory(Directory);

        var manifest = new SnapshotManifest(generation, lsn, DateTimeOffset.UtcNow, files);
        WriteAtomically(ManifestFileName, stream =>
        {
            stream.Write(Serialize(manifest));
            return 0u;
        });
        FileSync.Directory(Directory);
        DeleteUnreferencedFiles(manifest);
        return manifest;
    }

    /// <summary>The current manifest, or null when the directory holds no snapshot.</summary>
    /// <exception cref="SnapshotException">The manifest is unreadable, fails its checksum or is inconsistent (a file
    /// outside the directory, a shard listed twice …).</exception>
    public SnapshotManifest? ReadManifest()
    {
        string path = Path.Combine(Directory, ManifestFileName);
        if (!File.Exists(path)) return null;
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Restores the current snapshot into <paramref name="target"/>; returns its manifest, or null when
    /// there is none (nothing is called). Every file is verified (present, length, CRC-32C) before the first
    /// <see cref="ISnapshotRestoreTarget.BeginShard"/>.</summary>
    /// <exception cref="SnapshotException">The manifest or a file is missing, corrupt or does not match, or the target
    /// refused one of its rows with an <see cref="ArgumentException"/> (the inner exception; a repeated id …).</exception>
    /// <exception cref="ParquetFormatException">A file passed its checksum but is not a valid snapshot file.</exception>
    public SnapshotManifest? Restore(ISnapshotRestoreTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        SnapshotManifest? manifest = ReadManifest();
        if (manifest is null) return null;
        foreach (SnapshotFile file in manifest.Files) Verify(file);
        foreach (SnapshotFile file in manifest.Files)
        {
            string path = Path.Combine(Directory, file.FileName);
            using ParquetVectorReader reader = ParquetVectorReader.Open(path, _readerOptions);
            if (reader.RowCount != file.Rows) throw new SnapshotException(path, $"holds {reader.RowCount} rows, the manifest says {file.Rows}");
            if (reader.RowCount > 0 && reader.Dimension != file.Shard.Dimension)
                throw new SnapshotException(path, $"holds vectors of dimension {reader.Dimension}, the manifest says {file.Shard.Dimension}");
            target.BeginShard(file.Shard, file.Rows);
            var buffer = new VectorBatchBuffer(file.Shard.Dimension);
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                reader.ReadRowGroup(g, buffer);
                try
                {
                    target.Restore(file.Shard, buffer.AsBatch());
                }
                catch (ArgumentException e)              // the target refuses a row: a repeated id, a non-finite value
                {
                    throw new SnapshotException(path, $"row group {g} holds a row the store refuses: {e.Message}", e);
                }
            }
            target.EndShard(file.Shard);
        }
        return manifest;
    }

    private SnapshotFile WriteShardFile(SnapshotShard shard, string name, ISnapshotSource source)
    {
        long rows = 0, bytes = 0;
        uint crc = WriteAtomically(name, stream =>
        {
            using var checksummed = new ChecksumStream(stream);
            using (var writer = new ParquetVectorWriter(checksummed, shard.Dimension, _writerOptions))
            {
                source.WriteShard(shard, writer);
                writer.Finish();
                rows = writer.RowCount;
                bytes = writer.BytesWritten;
            }
            return checksummed.State;
        });
        return new SnapshotFile(shard, name, rows, bytes, crc);
    }

    // temp file → write → fsync → close → rename over the final name (rename(2) is atomic within a file system).
    private uint WriteAtomically(string name, Func<Stream, uint> write)
    {
        string final = Path.Combine(Directory, name);
        string temp = final + TempSuffix;
        uint result;
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                result = write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, final, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        return result;
    }

    private void Verify(SnapshotFile file)
    {
        string path = Path.Combine(Directory, file.FileName);
        if (!File.Exists(path)) throw new SnapshotException(path, "is missing (listed in the manifest)");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        if (stream.Length != file.Bytes) throw new SnapshotException(path, $"is {stream.Length} bytes, the manifest says {file.Bytes} (truncated or replaced)");
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            uint state = 0u;
            int n;
            while ((n = stream.Read(buffer)) > 0) state = Crc32C.Append(state, buffer.AsSpan(0, n));
            uint crc = state;
            if (crc != file.Crc32C) throw new SnapshotException(path, $"CRC-32C is {crc:X8}, the manifest says {file.Crc32C:X8}: the file is corrupt");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void DeleteTemporaryFiles()
    {
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, "*" + TempSuffix)) File.Delete(path);
    }

    private void DeleteUnreferencedFiles(SnapshotManifest manifest)
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (SnapshotFile f in manifest.Files) keep.Add(f.FileName);
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, "*.parquet"))
        {
            if (!keep.Contains(Path.GetFileName(path))) File.Delete(path);
        }
    }

    // ---- manifest JSON ----

    internal static byte[] Serialize(SnapshotManifest manifest)
    {
        var inner = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(inner))
        {
            w.WriteStartObject();
            w.WriteNumber("format", FormatVersion);
            w.WriteNumber("generation", manifest.Generation);
            w.WriteNumber("lsn", manifest.Lsn);
            w.WriteString("createdUtc", manifest.CreatedUtc);
            w.WriteStartArray("files");
            foreach (SnapshotFile f in manifest.Files)
            {
                w.WriteStartObject();
                w.WriteString("collection", f.Shard.Collection);
                w.WriteNumber("shard", f.Shard.Shard);
                w.WriteNumber("dimension", f.Shard.Dimension);
                w.WriteString("file", f.FileName);
                w.WriteNumber("rows", f.Rows);
                w.WriteNumber("bytes", f.Bytes);
                w.WriteString("crc32c", f.Crc32C.ToString("X8", CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        var outer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(outer, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartObject();
            w.WriteString("crc32c", Crc32C.Compute(inner.WrittenSpan).ToString("X8", CultureInfo.InvariantCulture));
            w.WritePropertyName("manifest");
            w.WriteRawValue(inner.WrittenSpan, skipInputValidation: true);
            w.WriteEndObject();
        }
        return outer.WrittenSpan.ToArray();
    }

    internal static SnapshotManifest Parse(byte[] bytes, string path)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(bytes);
            JsonElement root = document.RootElement;
            string stored = root.GetProperty("crc32c").GetString() ?? "";
            JsonElement body = root.GetProperty("manifest");
            // GetRawText returns the value's exact source text, which is what the checksum covers.
            uint crc = Crc32C.Compute(System.Text.Encoding.UTF8.GetBytes(body.GetRawText()));
            if (!uint.TryParse(stored, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint expected) || crc != expected)
                throw new SnapshotException(path, $"manifest CRC-32C is {crc:X8}, it records '{stored}': the manifest is corrupt");
            int format = body.GetProperty("format").GetInt32();
            if (format != FormatVersion) throw new SnapshotException(path, $"manifest format {format} is not {FormatVersion}");
            var files = new List<SnapshotFile>();
            var seen = new HashSet<(string, int)>();
            foreach (JsonElement f in body.GetProperty("files").EnumerateArray())
            {
                var shard = new SnapshotShard(f.GetProperty("collection").GetString()!, f.GetProperty("shard").GetInt32(), f.GetProperty("dimension").GetInt32());
                shard.Validate();
                if (!seen.Add((shard.Collection, shard.Shard)))
                    throw new SnapshotException(path, $"manifest lists shard {shard.Shard} of '{shard.Collection}' twice");
                string file = f.GetProperty("file").GetString()!;
                if (file != Path.GetFileName(file) || !file.EndsWith(".parquet", StringComparison.Ordinal))
                    throw new SnapshotException(path, $"manifest names file '{file}', which is not a .parquet file in the snapshot directory");
                files.Add(new SnapshotFile(shard, file, f.GetProperty("rows").GetInt64(), f.GetProperty("bytes").GetInt64(),
                    uint.Parse(f.GetProperty("crc32c").GetString()!, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }
            return new SnapshotManifest(body.GetProperty("generation").GetInt64(), body.GetProperty("lsn").GetInt64(),
                body.GetProperty("createdUtc").GetDateTimeOffset(), files);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new SnapshotException(path, $"manifest is malformed: {e.Message}", e);
        }
    }

    /// <summary>A write-through stream that keeps the CRC-32C of everything written.</summary>
    private sealed class ChecksumStream(Stream inner) : Stream
    {
        public uint State { get; private set; } = 0u;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            State = Crc32C.Append(State, buffer);
            inner.Write(buffer);
        }
    }
}

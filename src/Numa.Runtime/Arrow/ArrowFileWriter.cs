// Writes the Arrow IPC file format: magic, the streaming format, then a footer that indexes every record batch.
using System.Buffers.Binary;
using Numa.Arrow.FlatBuffers;

namespace Numa.Arrow;

/// <summary>
/// Writes an Arrow IPC file (Arrow Columnar Format, "IPC File Format"; File.fbs):
/// <c>"ARROW1" + 2 zero bytes, the stream (schema, batches, end-of-stream marker), Footer FlatBuffer, int32 footer
/// length, "ARROW1"</c>. The footer holds the schema and one Block {offset, metaDataLength, bodyLength} per batch,
/// offsets counted from the start of the file, which must be the stream's position when writing starts.
/// Call <see cref="ArrowStreamWriter.Finish"/> to write the footer; without it the file is unreadable.
/// </summary>
public sealed class ArrowFileWriter : ArrowStreamWriter
{
    /// <summary>The file magic, padded to 8 bytes.</summary>
    internal static ReadOnlySpan<byte> Magic => "ARROW1\0\0"u8;

    private readonly List<(long Offset, int MetadataLength, long BodyLength)> _blocks = [];

    /// <summary>A writer of <paramref name="schema"/> batches to <paramref name="stream"/>; nothing is written
    /// before the first batch or <see cref="ArrowStreamWriter.Finish"/>.</summary>
    public ArrowFileWriter(Stream stream, ArrowSchema schema, bool leaveOpen = false)
        : base(stream, schema, leaveOpen)
    {
    }

    private protected override void OnStart() => WriteRaw(Magic);

    private protected override void OnRecordBatch(long offset, int metadataLength, long bodyLength) =>
        _blocks.Add((offset, metadataLength, bodyLength));

    private protected override void OnFinish()
    {
        var b = new FlatBufferBuilder();
        int schema = ArrowMetadata.WriteSchema(b, Schema);
        b.StartVector(24, _blocks.Count, 8);
        for (int i = _blocks.Count - 1; i >= 0; i--)
        {
            b.PutInt64(_blocks[i].BodyLength);
            b.PutInt32(0);
            b.PutInt32(_blocks[i].MetadataLength);
            b.PutInt64(_blocks[i].Offset);
        }
        int batches = b.EndVector(_blocks.Count);
        int dictionaries = b.CreateOffsetVector([]);
        b.StartTable(4);
        b.AddOffsetField(ArrowMetadata.FooterSchema, schema);
        b.AddOffsetField(ArrowMetadata.FooterDictionaries, dictionaries);
        b.AddOffsetField(ArrowMetadata.FooterRecordBatches, batches);
        b.AddField(ArrowMetadata.FooterVersion, ArrowMetadata.VersionV5);
        b.Finish(b.EndTable());
        var footer = b.WrittenSpan;
        WriteRaw(footer);
        Span<byte> tail = stackalloc byte[10];
        BinaryPrimitives.WriteInt32LittleEndian(tail, footer.Length);
        Magic[..6].CopyTo(tail[4..]);
        WriteRaw(tail);
    }
}

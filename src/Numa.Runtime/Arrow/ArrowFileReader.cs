// Reads the Arrow IPC file format from memory: checks the magic at both ends, the footer, and each Block before
// decoding the record batch it points at. Batches view the file bytes in place.
using System.Buffers.Binary;
using Numa.Arrow.FlatBuffers;

namespace Numa.Arrow;

/// <summary>
/// Random access to the record batches of an Arrow IPC file held in memory (Arrow Columnar Format, "IPC File
/// Format"; File.fbs). The schema comes from the footer; batch <c>i</c> from footer Block <c>i</c>, whose offset,
/// metadata length and body length are checked against the file and the message before use. Dictionaries are
/// rejected. Faults raise <see cref="ArrowFormatException"/> with the file offset. Safe for concurrent reads.
/// </summary>
public sealed class ArrowFileReader
{
    private const int BlockSize = 24;

    private readonly ReadOnlyMemory<byte> _file;
    private readonly ArrowReadOptions _options;
    // The footer's position and the Blocks, read once: (offset, metaDataLength, bodyLength).
    private readonly (long Offset, int MetadataLength, long BodyLength)[] _blocks;
    private readonly long _footerStart;

    /// <exception cref="ArrowFormatException">The magic, footer length, footer or schema is invalid.</exception>
    public ArrowFileReader(ReadOnlyMemory<byte> file, ArrowReadOptions? options = null)
    {
        _file = file;
        _options = options ?? ArrowReadOptions.Default;
        var bytes = file.Span;
        var magic = ArrowFileWriter.Magic[..6];
        if (bytes.Length < 8 + 4 + 6)
            throw new ArrowFormatException($"Arrow file: {bytes.Length} bytes is too short for the magic and footer.", 0);
        if (!bytes[..6].SequenceEqual(magic)) throw new ArrowFormatException("Arrow file: it does not start with the ARROW1 magic.", 0);
        if (!bytes[^6..].SequenceEqual(magic)) throw new ArrowFormatException("Arrow file: it does not end with the ARROW1 magic (truncated?).", bytes.Length - 6);
        int footerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[^10..]);
        _footerStart = bytes.Length - 10L - footerLength;
        if (footerLength <= 0 || _footerStart < 8 || footerLength > _options.MaxMetadataLength)
            throw new ArrowFormatException($"Arrow file: footer length {footerLength} does not fit the {bytes.Length}-byte file (or the {_options.MaxMetadataLength}-byte limit).", bytes.Length - 10);
        try
        {
            var r = new FlatBufferReader(bytes.Slice((int)_footerStart, footerLength), "Footer");
            var footer = r.Root("Footer");
            short version = r.GetInt16(footer, ArrowMetadata.FooterVersion, 0, "version");
            if (version is not (ArrowMetadata.VersionV4 or ArrowMetadata.VersionV5))
                throw new ArrowFormatException($"Footer: metadata version V{version + 1} is not supported (V4 and V5 are).");
            var schema = r.GetTable(footer, ArrowMetadata.FooterSchema, "schema")
                ?? throw new ArrowFormatException("Footer: the schema is missing.");
            Schema = ArrowMetadata.ReadSchema(r, schema, _options);
            if (r.GetVector(footer, ArrowMetadata.FooterDictionaries, BlockSize, 8, "dictionaries").Count != 0)
                throw new ArrowFormatException("Footer: the file has dictionary batches, which are not supported.");
            var blocks = r.GetVector(footer, ArrowMetadata.FooterRecordBatches, BlockSize, 8, "recordBatches");
            _blocks = new (long, int, long)[blocks.Count];
            for (int i = 0; i < _blocks.Length; i++)
                _blocks[i] = (r.Int64At(blocks, i, 0), r.Int32At(blocks, i, 8), r.Int64At(blocks, i, 16));
        }
        catch (ArrowFormatException e)
        {
            throw new ArrowFormatException($"Arrow file, footer at byte {_footerStart}: {e.Message}", _footerStart);
        }
    }

    /// <summary>The schema, from the footer.</summary>
    public ArrowSchema Schema { get; }

    /// <summary>Number of record batches the footer lists.</summary>
    public int RecordBatchCount => _blocks.Length;

    /// <summary>Record batch <paramref name="index"/>, viewing the file bytes in place.</summary>
    /// <exception cref="ArrowFormatException">Its Block or message is invalid.</exception>
    public ArrowRecordBatch ReadRecordBatch(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _blocks.Length);
        var (offset, metadataLength, bodyLength) = _blocks[index];
        if (offset < 8 || (offset & 7) != 0 || metadataLength < 8 || bodyLength < 0
            || offset > _footerStart - metadataLength - bodyLength)
            throw new ArrowFormatException($"Arrow file: Block {index} (offset {offset}, metaDataLength {metadataLength}, bodyLength {bodyLength}) does not lie between the magic and the footer at byte {_footerStart}.", offset);
        try
        {
            var block = _file.Span.Slice((int)offset, metadataLength);
            int prefix = ArrowMessageDecoder.ReadPrefix(block, 0, _options, out int length);
            if (length == 0) throw new ArrowFormatException("it is an end-of-stream marker, not a RecordBatch.");
            var r = ArrowMessageDecoder.Reader(block.Slice(prefix, length), _options);
            var (type, table, messageBodyLength) = ArrowMetadata.ReadMessage(r, _options);
            if (type != ArrowMessageType.RecordBatch) throw new ArrowFormatException($"it is a {type}, not a RecordBatch.");
            if (messageBodyLength != bodyLength)
                throw new ArrowFormatException($"the message's bodyLength {messageBodyLength} differs from the Block's {bodyLength}.");
            var body = _file.Slice((int)(offset + metadataLength), (int)bodyLength);
            return BatchBodyDecoder.Decode(Schema, r, table, body);
        }
        catch (ArrowFormatException e)
        {
            throw new ArrowFormatException($"Arrow file, record batch {index} at byte {offset}: {e.Message}", offset);
        }
    }

    /// <summary>Every record batch, in file order.</summary>
    public IEnumerable<ArrowRecordBatch> ReadAll()
    {
        for (int i = 0; i < _blocks.Length; i++) yield return ReadRecordBatch(i);
    }
}

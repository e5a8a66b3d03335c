// Decodes single Arrow IPC messages given as (metadata, body) pairs — the form Arrow Flight carries them in
// (FlightData.data_header = the Message FlatBuffer, FlightData.data_body = the body) — and the encapsulated schema
// bytes of SchemaResult and FlightInfo.schema.
using System.Buffers.Binary;
using Numa.Arrow.FlatBuffers;

namespace Numa.Arrow;

/// <summary>
/// Decoders for one encapsulated Arrow IPC message (Arrow Columnar Format, "Encapsulated message format";
/// Message.fbs). <c>header</c> is the bare <c>Message</c> FlatBuffer, without the continuation marker and length.
/// Every decoder validates untrusted input and throws <see cref="ArrowFormatException"/> naming the problem.
/// </summary>
public static class ArrowMessageDecoder
{
    /// <summary>Which header <paramref name="header"/> carries (after checking the Message table).</summary>
    public static ArrowMessageType GetMessageType(ReadOnlySpan<byte> header, ArrowReadOptions? options = null)
    {
        options ??= ArrowReadOptions.Default;
        var r = Reader(header, options);
        return ArrowMetadata.ReadMessage(r, options).Type;
    }

    /// <summary>The body length a message header declares (<c>Message.bodyLength</c>).</summary>
    public static long GetBodyLength(ReadOnlySpan<byte> header, ArrowReadOptions? options = null)
    {
        options ??= ArrowReadOptions.Default;
        var r = Reader(header, options);
        return ArrowMetadata.ReadMessage(r, options).BodyLength;
    }

    /// <summary>Decodes a Schema message.</summary>
    /// <exception cref="ArrowFormatException">Not a valid Schema message, or it uses an unsupported type.</exception>
    public static ArrowSchema DecodeSchema(ReadOnlySpan<byte> header, ArrowReadOptions? options = null)
    {
        options ??= ArrowReadOptions.Default;
        var r = Reader(header, options);
        var (type, table, _) = ArrowMetadata.ReadMessage(r, options);
        if (type != ArrowMessageType.Schema) throw new ArrowFormatException($"Expected a Schema message, got {type}.");
        return ArrowMetadata.ReadSchema(r, table, options);
    }

    /// <summary>Decodes a RecordBatch message of <paramref name="schema"/>. The arrays view
    /// <paramref name="body"/> in place: keep it alive and unchanged while the batch is used.</summary>
    /// <param name="schema">The stream's schema (from its Schema message).</param>
    /// <param name="header">The Message FlatBuffer (FlightData.data_header).</param>
    /// <param name="body">The message body; at least <c>Message.bodyLength</c> bytes (extra bytes are ignored).</param>
    /// <param name="options">Limits; default <see cref="ArrowReadOptions.Default"/>.</param>
    /// <exception cref="ArrowFormatException">Not a valid RecordBatch of this schema: wrong node or buffer counts,
    /// buffers outside the body or misaligned, bad offsets or null counts, a compressed body, a short body.</exception>
    public static ArrowRecordBatch DecodeRecordBatch(ArrowSchema schema, ReadOnlySpan<byte> header, ReadOnlyMemory<byte> body, ArrowReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        options ??= ArrowReadOptions.Default;
        var r = Reader(header, options);
        var (type, table, bodyLength) = ArrowMetadata.ReadMessage(r, options);
        if (type == ArrowMessageType.DictionaryBatch)
            throw new ArrowFormatException("DictionaryBatch messages are not supported (dictionary-encoded fields are not).");
        if (type != ArrowMessageType.RecordBatch) throw new ArrowFormatException($"Expected a RecordBatch message, got {type}.");
        if (body.Length < bodyLength)
            throw new ArrowFormatException($"RecordBatch: Message.bodyLength is {bodyLength} bytes but the body has {body.Length}.");
        return BatchBodyDecoder.Decode(schema, r, table, body[..(int)bodyLength]);
    }

    /// <summary>Decodes an encapsulated Schema message: optional 0xFFFFFFFF continuation, int32 metadata length,
    /// the Message FlatBuffer (the form of Flight's <c>SchemaResult.schema</c> and <c>FlightInfo.schema</c>).</summary>
    public static ArrowSchema DecodeEncapsulatedSchema(ReadOnlySpan<byte> bytes, ArrowReadOptions? options = null)
    {
        options ??= ArrowReadOptions.Default;
        int prefix = ReadPrefix(bytes, 0, options, out int length);
        if (length == 0) throw new ArrowFormatException("The encapsulated schema is an end-of-stream marker.");
        return DecodeSchema(bytes.Slice(prefix, length), options);
    }

    /// <summary>Reads an encapsulated-message prefix at <paramref name="position"/>: 0xFFFFFFFF then an int32
    /// metadata length, or (before Arrow 0.15) the int32 length alone. Returns the prefix size; length 0 is the
    /// end-of-stream marker.</summary>
    internal static int ReadPrefix(ReadOnlySpan<byte> bytes, long position, ArrowReadOptions options, out int length)
    {
        var rest = bytes[(int)position..];
        if (rest.Length < 4) throw new ArrowFormatException($"Truncated message prefix at byte {position}: {rest.Length} bytes remain.", position);
        int first = BinaryPrimitives.ReadInt32LittleEndian(rest);
        int prefix = 4;
        length = first;
        if (first == -1)
        {
            if (rest.Length < 8) throw new ArrowFormatException($"Truncated message prefix at byte {position}: {rest.Length} bytes remain.", position);
            length = BinaryPrimitives.ReadInt32LittleEndian(rest[4..]);
            prefix = 8;
        }
        if (length < 0) throw new ArrowFormatException($"Message at byte {position} declares metadata length {length}.", position);
        if (length > options.MaxMetadataLength)
            throw new ArrowFormatException($"Message at byte {position} declares {length} metadata bytes, past the limit of {options.MaxMetadataLength}.", position);
        if (length > rest.Length - prefix)
            throw new ArrowFormatException($"Message at byte {position} declares {length} metadata bytes; only {rest.Length - prefix} remain.", position);
        return prefix;
    }

    internal static FlatBufferReader Reader(ReadOnlySpan<byte> header, ArrowReadOptions options)
    {
        if (header.Length > options.MaxMetadataLength)
            throw new ArrowFormatException($"Message metadata of {header.Length} bytes exceeds the limit of {options.MaxMetadataLength}.");
        return new FlatBufferReader(header, "Message");
    }
}

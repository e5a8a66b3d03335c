// Turns a stream of FlightData into an Arrow schema and record batches: DoGet's responses on the client, DoPut's and
// DoExchange's requests on the server. Each batch views its message's own body array (copied once off the wire).
using System.Runtime.CompilerServices;
using Numa.Arrow;
using Numa.Flight.Protocol;
using Numa.Grpc;

namespace Numa.Flight;

/// <summary>
/// Reads an Arrow IPC stream carried as FlightData (Arrow Flight RPC, "Protocol Buffer Definitions": the first
/// message with a header carries the Schema, each later one a RecordBatch; messages with only <c>app_metadata</c> may
/// come in between). Malformed Arrow data throws <see cref="ArrowFormatException"/> naming the FlightData message;
/// transport errors and non-OK statuses throw <see cref="RpcException"/>. One reader at a time.
/// </summary>
public sealed class FlightBatchReader : IDisposable
{
    private readonly GrpcStreamReader<FlightDataMessage> _source;
    private readonly ArrowReadOptions _options;
    private readonly IDisposable? _owner;
    private readonly Action<ReadOnlyMemory<byte>>? _onAppMetadata;
    private long _messages;

    // onAppMetadata: called, in stream order, with every non-empty app_metadata, those of metadata-only messages
    // included, before the batch after them is returned (DoExchange's options).
    internal FlightBatchReader(GrpcStreamReader<FlightDataMessage> source, ArrowReadOptions? options, IDisposable? owner,
        Action<ReadOnlyMemory<byte>>? onAppMetadata = null)
    {
        _source = source;
        _options = options ?? ArrowReadOptions.Default;
        _owner = owner;
        _onAppMetadata = onAppMetadata;
    }

    /// <summary>The descriptor of the first message that had one (DoPut, DoExchange); null otherwise.</summary>
    public FlightDescriptor? Descriptor { get; private set; }

    /// <summary>The stream's schema, once <see cref="ReadSchemaAsync"/> (or the first batch read) has read it.</summary>
    public ArrowSchema? Schema { get; private set; }

    /// <summary>The <c>app_metadata</c> of the last message read (empty when it had none).</summary>
    public ReadOnlyMemory<byte> AppMetadata { get; private set; }

    /// <summary>Reads up to and including the Schema message.</summary>
    /// <exception cref="ArrowFormatException">The stream ends first, or its first header is not a Schema.</exception>
    public async ValueTask<ArrowSchema> ReadSchemaAsync(CancellationToken cancellationToken = default)
    {
        if (Schema is { } schema) return schema;
        var message = await NextWithHeaderAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new ArrowFormatException($"The Flight stream ended after {_messages} messages without a Schema message.");
        try
        {
            return Schema = ArrowMessageDecoder.DecodeSchema(message.DataHeader.Span, _options);
        }
        catch (ArrowFormatException ex)
        {
            throw new ArrowFormatException($"FlightData message {_messages} (the schema): {ex.Message}", ex.Offset);
        }
    }

    /// <summary>The next record batch, or null when the stream has ended.</summary>
    /// <exception cref="ArrowFormatException">A header that is not a valid RecordBatch of the schema, or a body
    /// shorter than the header declares.</exception>
    public async ValueTask<ArrowRecordBatch?> ReadNextBatchAsync(CancellationToken cancellationToken = default)
    {
        var schema = await ReadSchemaAsync(cancellationToken).ConfigureAwait(false);
        var message = await NextWithHeaderAsync(cancellationToken).ConfigureAwait(false);
        if (message is null) return null;
        try
        {
            return ArrowMessageDecoder.DecodeRecordBatch(schema, message.DataHeader.Span, message.DataBody, _options);
        }
        catch (ArrowFormatException ex)
        {
            throw new ArrowFormatException($"FlightData message {_messages}: {ex.Message}", ex.Offset);
        }
    }

    /// <summary>All remaining record batches.</summary>
    public async IAsyncEnumerable<ArrowRecordBatch> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await ReadNextBatchAsync(cancellationToken).ConfigureAwait(false) is { } batch) yield return batch;
    }

    /// <summary>Releases the call this reader came from (a client DoGet); unread messages are abandoned.</summary>
    public void Dispose() => _owner?.Dispose();

    private async ValueTask<FlightDataMessage?> NextWithHeaderAsync(CancellationToken cancellationToken)
    {
        while (await _source.MoveNextAsync(cancellationToken).ConfigureAwait(false))
        {
            var message = _source.Current;
            _messages++;
            Descriptor ??= message.Descriptor;
            AppMetadata = message.AppMetadata;
            if (!message.AppMetadata.IsEmpty) _onAppMetadata?.Invoke(message.AppMetadata);
            if (!message.DataHeader.IsEmpty) return message;
        }
        return null;
    }
}

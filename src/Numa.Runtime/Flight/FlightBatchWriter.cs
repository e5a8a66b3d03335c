// Turns an Arrow schema and record batches into FlightData messages for any FlightData stream: DoGet's and
// DoExchange's responses on the server, DoPut's and DoExchange's requests on the client.
using Numa.Arrow;
using Numa.Flight.Protocol;

namespace Numa.Flight;

/// <summary>
/// Writes an Arrow IPC stream as FlightData: first the Schema message (with the descriptor, when given), then one
/// message per record batch whose body is copied once, column buffer by column buffer, from the batch into the
/// transport. The batch must stay unchanged until its write has completed. One write at a time.
/// </summary>
public sealed class FlightBatchWriter
{
    private readonly Func<FlightDataMessage, CancellationToken, Task> _send;
    private readonly ArrowMessageEncoder _encoder = new();
    private readonly ArrowSchema _schema;
    private FlightDescriptor? _descriptor;
    private bool _schemaSent;

    internal FlightBatchWriter(Func<FlightDataMessage, CancellationToken, Task> send, ArrowSchema schema, FlightDescriptor? descriptor)
    {
        _send = send;
        _schema = schema;
        _descriptor = descriptor;
    }

    /// <summary>The schema every batch must follow.</summary>
    public ArrowSchema Schema => _schema;

    /// <summary>Sends the Schema message now (otherwise it goes before the first batch).</summary>
    public async Task WriteSchemaAsync(CancellationToken cancellationToken = default)
    {
        if (_schemaSent) return;
        byte[] header = _encoder.EncodeSchema(_schema).ToArray();
        _schemaSent = true;
        var descriptor = _descriptor;
        _descriptor = null;
        await _send(new FlightDataMessage(descriptor, header, ReadOnlyMemory<byte>.Empty), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends <paramref name="batch"/> (and the schema first, if not sent yet), with optional app metadata.</summary>
    /// <exception cref="ArgumentException">The batch's schema has different fields.</exception>
    public async Task WriteAsync(ArrowRecordBatch batch, ReadOnlyMemory<byte> appMetadata = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!ReferenceEquals(batch.Schema, _schema) && !SameFields(batch.Schema, _schema))
            throw new ArgumentException($"The batch has the schema [{batch.Schema}]; the stream's is [{_schema}].", nameof(batch));
        await WriteSchemaAsync(cancellationToken).ConfigureAwait(false);
        byte[] header = _encoder.EncodeRecordBatch(batch).ToArray();
        await _send(new FlightDataMessage(null, header, _encoder, appMetadata), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a message with only <c>app_metadata</c> (no Arrow data).</summary>
    public Task WriteMetadataAsync(ReadOnlyMemory<byte> appMetadata, CancellationToken cancellationToken = default) =>
        _send(new FlightDataMessage(null, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty, appMetadata), cancellationToken);

    private static bool SameFields(ArrowSchema a, ArrowSchema b)
    {
        if (a.Fields.Count != b.Fields.Count) return false;
        for (int i = 0; i < a.Fields.Count; i++)
            if (a.Fields[i].Name != b.Fields[i].Name || !a.Fields[i].Type.Equals(b.Fields[i].Type)) return false;
        return true;
    }
}

// A DoExchange in progress on the client: an Arrow stream out and an Arrow stream back, independently.
using Numa.Grpc;

namespace Numa.Flight;

/// <summary>An open DoExchange: <see cref="Writer"/> sends record batches (the descriptor and schema first),
/// <see cref="Reader"/> reads the server's. Call <see cref="CompleteAsync"/> when done writing.</summary>
public sealed class FlightExchangeStream : IDisposable
{
    private readonly GrpcClientCall<FlightDataMessage, FlightDataMessage> _call;

    internal FlightExchangeStream(GrpcClientCall<FlightDataMessage, FlightDataMessage> call, FlightBatchWriter writer, FlightBatchReader reader)
    {
        _call = call;
        Writer = writer;
        Reader = reader;
    }

    /// <summary>The outgoing stream.</summary>
    public FlightBatchWriter Writer { get; }

    /// <summary>The incoming stream.</summary>
    public FlightBatchReader Reader { get; }

    /// <summary>Ends the outgoing stream (the schema is sent first if no batch was).</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        await Writer.WriteSchemaAsync(cancellationToken).ConfigureAwait(false);
        await _call.RequestStream.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Cancels the exchange if it has not completed.</summary>
    public void Dispose() => _call.Dispose();
}

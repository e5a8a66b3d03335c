// A DoPut in progress on the client: batches go out as FlightData while PutResults (e.g. slow_down) are collected.
using Numa.Arrow;
using Numa.Flight.Protocol;
using Numa.Grpc;

namespace Numa.Flight;

/// <summary>An open DoPut: write record batches with <see cref="WriteAsync"/>, then <see cref="CompleteAsync"/> ends
/// the upload and returns every PutResult's <c>app_metadata</c> (the server's slow_down signals and its final
/// summary). A server error surfaces as <see cref="RpcException"/> from the next write or from CompleteAsync.</summary>
public sealed class FlightPutStream : IDisposable
{
    private readonly GrpcClientCall<FlightDataMessage, PutResult> _call;
    private readonly FlightBatchWriter _writer;
    private readonly Task<List<byte[]>> _results;

    internal FlightPutStream(GrpcClientCall<FlightDataMessage, PutResult> call, ArrowSchema schema, FlightDescriptor descriptor)
    {
        _call = call;
        _writer = new FlightBatchWriter((m, t) => call.RequestStream.WriteAsync(m, t), schema, descriptor);
        _results = ReadResultsAsync(call);
    }

    /// <summary>Sends one batch (the descriptor and schema go first, with the first write).</summary>
    public Task WriteAsync(ArrowRecordBatch batch, CancellationToken cancellationToken = default) =>
        _writer.WriteAsync(batch, default, cancellationToken);

    /// <summary>Ends the upload and waits for the server's answer.</summary>
    /// <returns>Each PutResult's app_metadata, in order.</returns>
    /// <exception cref="RpcException">The put failed (its status: INVALID_ARGUMENT for a wrong schema, …).</exception>
    public async Task<IReadOnlyList<byte[]>> CompleteAsync(CancellationToken cancellationToken = default)
    {
        await _writer.WriteSchemaAsync(cancellationToken).ConfigureAwait(false);   // an empty put still names its collection
        await _call.RequestStream.CompleteAsync().ConfigureAwait(false);
        return await _results.ConfigureAwait(false);
    }

    /// <summary>Cancels the put if it has not completed.</summary>
    public void Dispose() => _call.Dispose();

    private static async Task<List<byte[]>> ReadResultsAsync(GrpcClientCall<FlightDataMessage, PutResult> call)
    {
        await Task.Yield();
        var results = new List<byte[]>();
        while (await call.ResponseStream.MoveNextAsync().ConfigureAwait(false))
            results.Add(call.ResponseStream.Current.AppMetadata.ToByteArray());
        return results;
    }
}

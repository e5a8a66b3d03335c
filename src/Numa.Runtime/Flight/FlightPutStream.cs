// A DoPut in progress on the client: batches go out as FlightData while PutResults (e.g. slow_down) are collected.
using Numa.Arrow;
using Numa.Flight.Protocol;
using Numa.Grpc;

namespace Numa.Flight;

/// <summary>An open DoPut: write record batches with <see cref="WriteAsync"/>, then <see cref="CompleteAsync"/> ends
/// the upload and returns every PutResult's <c>app_metadata</c> (the server's slow_down signals and its final
/// summary); <see cref="ReceivedResults"/> shows those that have arrived so far. A server error surfaces as
/// <see cref="RpcException"/> with the server's status from the next write or from CompleteAsync.</summary>
public sealed class FlightPutStream : IDisposable
{
    private readonly GrpcClientCall<FlightDataMessage, PutResult> _call;
    private readonly FlightBatchWriter _writer;
    private readonly Lock _lock = new();                      // guards _received: the reading task appends, writers look
    private readonly List<byte[]> _received = [];             // every PutResult's app_metadata so far
    private readonly Task<List<byte[]>> _results;

    internal FlightPutStream(GrpcClientCall<FlightDataMessage, PutResult> call, ArrowSchema schema, FlightDescriptor descriptor)
    {
        _call = call;
        _writer = new FlightBatchWriter((m, t) => call.RequestStream.WriteAsync(m, t), schema, descriptor);
        _results = ReadResultsAsync(call);
    }

    /// <summary>The PutResults received so far, each one's <c>app_metadata</c>, in order: a copy. A server signals
    /// backpressure (<c>{"status":"slow_down",…}</c>) while the put is still being written, so a writer can look here
    /// between batches and pause. Safe to call from any thread.</summary>
    public IReadOnlyList<byte[]> ReceivedResults()
    {
        lock (_lock) return [.. _received];
    }

    /// <summary>Sends one batch (the descriptor and schema go first, with the first write).</summary>
    /// <exception cref="RpcException">The server ended the put (its status: UNAUTHENTICATED, INVALID_ARGUMENT, …), or
    /// the transport failed (UNAVAILABLE).</exception>
    public async Task WriteAsync(ArrowRecordBatch batch, CancellationToken cancellationToken = default)
    {
        try
        {
            await _writer.WriteAsync(batch, default, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == GrpcStatusCode.Unavailable)
        {
            throw await ServerStatusAsync(ex).ConfigureAwait(false);
        }
    }

    /// <summary>Ends the upload and waits for the server's answer.</summary>
    /// <returns>Each PutResult's app_metadata, in order.</returns>
    /// <exception cref="RpcException">The put failed (its status: INVALID_ARGUMENT for a wrong schema, …).</exception>
    public async Task<IReadOnlyList<byte[]>> CompleteAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _writer.WriteSchemaAsync(cancellationToken).ConfigureAwait(false);   // an empty put still names its collection
        }
        catch (RpcException ex) when (ex.StatusCode == GrpcStatusCode.Unavailable)
        {
            throw await ServerStatusAsync(ex).ConfigureAwait(false);
        }
        await _call.RequestStream.CompleteAsync().ConfigureAwait(false);
        return await _results.ConfigureAwait(false);
    }

    // A request stream breaks when the server has ended the put with a status, e.g. UNAUTHENTICATED before it read
    // the first batch; on a duplex call that status arrives on the response stream, and it is what explains the failed
    // write. When the responses do not end with a status of their own soon, the write's failure is the explanation.
    private async Task<RpcException> ServerStatusAsync(RpcException writeFailure)
    {
        try
        {
            await _results.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (RpcException status) when (status.StatusCode != GrpcStatusCode.Unavailable)
        {
            return status;
        }
        catch (Exception ex) when (ex is RpcException or TimeoutException)
        {
            // the responses broke too, or are still open: the transport failed, as the write said
        }
        return writeFailure;
    }

    /// <summary>Cancels the put if it has not completed.</summary>
    public void Dispose() => _call.Dispose();

    private async Task<List<byte[]>> ReadResultsAsync(GrpcClientCall<FlightDataMessage, PutResult> call)
    {
        await Task.Yield();
        while (await call.ResponseStream.MoveNextAsync().ConfigureAwait(false))
        {
            byte[] metadata = call.ResponseStream.Current.AppMetadata.ToByteArray();
            lock (_lock) _received.Add(metadata);
        }
        lock (_lock) return [.. _received];
    }
}

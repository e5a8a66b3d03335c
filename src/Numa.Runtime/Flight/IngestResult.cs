// A backend's answer to one appended batch: accepted, whether the client should slow down, and when it is durable.
namespace Numa.Flight;

/// <summary>The outcome of <see cref="IVectorPut.AppendAsync"/>: the batch is accepted; when <see cref="SlowDown"/>
/// is true the backend is under pressure (Longbow: WAL queue above 80 %) and DoPut tells the client with a
/// <c>{"status":"slow_down","reason":…}</c> PutResult.</summary>
/// <param name="SlowDown">The backend is under pressure.</param>
/// <param name="Reason">Why (e.g. <c>shard_queue_full</c>), for the slow_down PutResult.</param>
/// <param name="Durable">Completes when the batch is durable (a write-ahead log's fsync); null: it already is. DoPut
/// awaits every batch's task before its final <c>{"status":"ok"}</c>, so a backend can take the next batch while
/// earlier ones are being synced (group commit across batches); a faulted task fails the put.</param>
public readonly record struct IngestResult(bool SlowDown, string? Reason = null, Task? Durable = null)
{
    /// <summary>Stored and durable, no pressure.</summary>
    public static IngestResult Accepted => default;
}

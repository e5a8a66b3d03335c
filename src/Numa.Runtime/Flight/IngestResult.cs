// A backend's answer to one appended batch: accepted, and whether the client should slow down.
namespace Numa.Flight;

/// <summary>The outcome of <see cref="IVectorBackend.AppendAsync"/>: the batch is stored; when <see cref="SlowDown"/>
/// is true the backend is under pressure (Longbow: WAL queue above 80 %) and DoPut tells the client with a
/// <c>{"status":"slow_down","reason":…}</c> PutResult.</summary>
public readonly record struct IngestResult(bool SlowDown, string? Reason = null)
{
    /// <summary>Stored, no pressure.</summary>
    public static IngestResult Accepted => default;
}

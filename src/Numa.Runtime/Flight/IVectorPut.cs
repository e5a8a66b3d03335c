// One DoPut stream's hold on its collection. BeginPut fixes the incarnation of the collection the put writes to, so
// the batches of a put that outlives a delete of its collection (and a re-create under the same name) are refused
// rather than stored in the new one.
using Numa.Arrow;

namespace Numa.Flight;

/// <summary>The target of one put (one DoPut stream), from <see cref="IVectorBackend.BeginPut"/>. Used by one
/// caller at a time, batch after batch.</summary>
public interface IVectorPut
{
    /// <summary>Stores one batch of the put's schema. The batch views the received message body, which the backend
    /// may keep (it is not reused by the service).</summary>
    /// <exception cref="VectorBackendException">InvalidArgument (nulls in id or vector, non-finite values); NotFound:
    /// the collection was deleted or replaced (CreateNamespace with overwrite) since <see cref="IVectorBackend.BeginPut"/>,
    /// also when one of the same name was created after that.</exception>
    ValueTask<IngestResult> AppendAsync(ArrowRecordBatch batch, CancellationToken cancellationToken);
}

// The store behind the Flight service. The service speaks Flight (descriptors, tickets, FlightData, actions) and
// calls this; InMemoryVectorBackend serves the tests and the interop suite, and `numa serve` plugs in its sharded HNSW/WAL store.
using System.Text.Json.Nodes;
using Numa.Arrow;

namespace Numa.Flight;

/// <summary>
/// A store of vector collections, following Longbow's conventions: a collection holds record batches of
/// <c>id int64, vector FixedSizeList&lt;float32&gt;[dim]</c> plus optional <c>metadata utf8</c> and
/// <c>timestamp Timestamp</c>; it is created by its first put (or CreateNamespace) and keeps the first schema.
/// Methods throw <see cref="VectorBackendException"/> for refused requests (the service maps the kind to a gRPC
/// status); anything else is a server fault (UNKNOWN). Implementations are thread-safe.
/// </summary>
public interface IVectorBackend
{
    /// <summary>Every collection, in name order.</summary>
    IReadOnlyList<VectorCollectionInfo> ListCollections();

    /// <summary>One collection.</summary>
    /// <exception cref="VectorBackendException">NotFound.</exception>
    VectorCollectionInfo GetCollection(string name);

    /// <summary>Creates an empty collection (no schema until the first put); with <paramref name="overwrite"/> an
    /// existing one is emptied.</summary>
    /// <exception cref="VectorBackendException">AlreadyExists (without overwrite); InvalidArgument for an empty name.</exception>
    void CreateCollection(string name, bool overwrite);

    /// <summary>Deletes a collection and its data.</summary>
    /// <exception cref="VectorBackendException">NotFound.</exception>
    void DeleteCollection(string name);

    /// <summary>Checks a put's schema against the collection (creating the collection when missing) before any batch
    /// arrives: an <c>id</c> Int64 column, a <c>vector</c> FixedSizeList&lt;Float32&gt; column, optional
    /// <c>metadata</c> Utf8 and <c>timestamp</c> Timestamp, nothing else; the same fields as earlier puts.
    /// Returns the put's target, bound to this incarnation of the collection.</summary>
    /// <exception cref="VectorBackendException">InvalidArgument naming the column and what is wrong.</exception>
    IVectorPut BeginPut(string name, ArrowSchema schema);

    /// <summary>The <paramref name="k"/> live rows nearest to <paramref name="query"/> (L2) that pass every filter,
    /// nearest first. <paramref name="ef"/> is the search breadth of an approximate index (HNSW efSearch; null: the
    /// index's default; exact stores ignore it). <paramref name="query"/> is not used after the task completes.</summary>
    /// <exception cref="VectorBackendException">NotFound; InvalidArgument: k &lt; 1, ef &lt; k, dimension mismatch, NaN or ±∞ in the query, bad filter.</exception>
    ValueTask<VectorSearchResult> SearchAsync(string name, ReadOnlyMemory<float> query, int k, int? ef,
        IReadOnlyList<VectorFilter> filters, CancellationToken cancellationToken);

    /// <summary>The live rows as record batches of the collection's schema (deleted rows left out) that pass every
    /// filter, at most <paramref name="limit"/> rows in all (0: no limit).</summary>
    /// <exception cref="VectorBackendException">NotFound; InvalidArgument for a bad filter.</exception>
    IEnumerable<ArrowRecordBatch> Scan(string name, IReadOnlyList<VectorFilter> filters, long limit);

    /// <summary>Deletes the row with <paramref name="id"/>; false when there is none.</summary>
    /// <exception cref="VectorBackendException">NotFound (collection).</exception>
    bool Delete(string name, long id);

    /// <summary>Index statistics of a collection (the GetGraphStats action's reply).</summary>
    /// <exception cref="VectorBackendException">NotFound.</exception>
    JsonObject GetIndexStats(string name);

    /// <summary>Persists everything (the ForceSnapshot action); a store without persistence returns at once.</summary>
    ValueTask SnapshotAsync(CancellationToken cancellationToken);
}

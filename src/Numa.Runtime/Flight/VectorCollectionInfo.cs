// What the Flight meta calls (ListFlights, GetFlightInfo, GetSchema, ListNamespaces) report about a collection.
using Numa.Arrow;

namespace Numa.Flight;

/// <summary>A collection as a backend describes it.</summary>
/// <param name="Name">The collection name (FlightDescriptor PATH[0]).</param>
/// <param name="Schema">The schema of its record batches; null while nothing was put (a created, empty namespace).</param>
/// <param name="Dimension">Vector dimension (the <c>vector</c> FixedSizeList's list size); 0 without a schema.</param>
/// <param name="Rows">Live rows (deleted ones excluded).</param>
/// <param name="Batches">Stored record batches.</param>
/// <param name="Bytes">Bytes of Arrow body data held.</param>
public sealed record VectorCollectionInfo(string Name, ArrowSchema? Schema, int Dimension, long Rows, long Batches, long Bytes);

// A FlightServer over an InMemoryVectorBackend on loopback (port 0 for both servers), with a client for each server,
// and builders of Longbow-shaped batches.
using Numa.Arrow;
using Numa.Flight;

namespace Numa.Tests.Flight;

internal sealed class FlightTestHost : IAsyncDisposable
{
    private FlightTestHost(FlightServer server, InMemoryVectorBackend backend, FlightClient data, FlightClient meta)
    {
        Server = server;
        Backend = backend;
        Data = data;
        Meta = meta;
    }

    internal FlightServer Server { get; }

    internal InMemoryVectorBackend Backend { get; }

    internal FlightClient Data { get; }

    internal FlightClient Meta { get; }

    internal static async Task<FlightTestHost> StartAsync(FlightServerOptions? options = null, InMemoryVectorBackend? backend = null,
        FlightClientOptions? clientOptions = null)
    {
        backend ??= new InMemoryVectorBackend();
        var server = await FlightServer.StartAsync(backend, options);
        return new FlightTestHost(server, backend, new FlightClient(server.DataAddress, clientOptions), new FlightClient(server.MetaAddress, clientOptions));
    }

    internal static ArrowSchema Schema(int dimension, bool withMetadata = false)
    {
        var fields = new List<ArrowField>
        {
            new("id", ArrowType.Int64, nullable: false),
            new("vector", ArrowType.FixedSizeList(new ArrowField("item", ArrowType.Float32, nullable: false), dimension), nullable: false),
        };
        if (withMetadata) fields.Add(new ArrowField("metadata", ArrowType.Utf8));
        return new ArrowSchema(fields);
    }

    /// <summary>Rows with ids first..first+rows-1 and seeded random vectors (returned too, row-major).</summary>
    internal static ArrowRecordBatch Batch(ArrowSchema schema, long first, int rows, int seed, out float[] vectors)
    {
        int dimension = schema.Fields[1].Type.ListSize;
        var random = new Random(seed);
        var ids = new long[rows];
        vectors = new float[rows * dimension];
        for (int i = 0; i < rows; i++) ids[i] = first + i;
        for (int i = 0; i < vectors.Length; i++) vectors[i] = (float)random.NextDouble();
        var columns = new List<ArrowArray>
        {
            ArrowArray.Int64(ids),
            ArrowArray.FixedSizeList(schema.Fields[1].Type, rows, ArrowArray.Float32(vectors)),
        };
        if (schema.Fields.Count > 2)
        {
            var metadata = new string?[rows];
            for (int i = 0; i < rows; i++) metadata[i] = $"{{\"group\":\"g{(first + i) % 3}\"}}";
            columns.Add(ArrowArray.Utf8(metadata));
        }
        return new ArrowRecordBatch(schema, rows, columns);
    }

    public async ValueTask DisposeAsync()
    {
        Data.Dispose();
        Meta.Dispose();
        await Server.DisposeAsync();
    }
}

// The meta path of FlightService: ListFlights, GetFlightInfo, GetSchema.
using System.Text.Json.Nodes;
using Google.Protobuf;
using Numa.Arrow;
using Numa.Flight.Protocol;
using Numa.Grpc;

namespace Numa.Flight;

public sealed partial class FlightService
{
    // Criteria.expression: empty for every collection, or Longbow's JSON {"filters":[…]} on `name` (contains, ==, !=)
    // and `rows` (>, >=, <, <=, ==, !=).
    private async Task ListFlightsAsync(Criteria criteria, GrpcServerStreamWriter<FlightInfo> responses, GrpcServerCallContext context)
    {
        Authorize(context);
        List<VectorFilter> filters = [];
        if (!criteria.Expression.IsEmpty)
        {
            using var document = FlightJson.Parse(criteria.Expression.Memory, "ListFlights criteria");
            filters = FlightJson.Filters(document.RootElement, "ListFlights criteria");
        }
        foreach (var filter in filters)
        {
            bool valid = filter.Field switch
            {
                "name" => filter.Operator is "contains" or "==" or "=" or "!=",
                "rows" => filter.Operator is ">" or ">=" or "<" or "<=" or "==" or "=" or "!=" && TryParseRows(filter.Value, out _),
                _ => false,
            };
            if (!valid) throw FlightJson.Invalid($"ListFlights: unsupported filter {filter.Field} {filter.Operator} {filter.Value} (fields: name, rows).");
        }
        IReadOnlyList<VectorCollectionInfo> collections;
        try
        {
            collections = _backend.ListCollections();
        }
        catch (Exception ex) when (Translate(ex) is { } status)
        {
            throw status;
        }
        foreach (var info in collections)
        {
            if (Matches(info, filters))
                await responses.WriteAsync(ToFlightInfo(info), context.CancellationToken).ConfigureAwait(false);
        }
    }

    private Task<FlightInfo> GetFlightInfoAsync(FlightDescriptor descriptor, GrpcServerCallContext context)
    {
        Authorize(context);
        try
        {
            return Task.FromResult(ToFlightInfo(_backend.GetCollection(CollectionOf(descriptor, "GetFlightInfo"))));
        }
        catch (Exception ex) when (Translate(ex) is { } status)
        {
            throw status;
        }
    }

    private Task<SchemaResult> GetSchemaAsync(FlightDescriptor descriptor, GrpcServerCallContext context)
    {
        Authorize(context);
        try
        {
            var info = _backend.GetCollection(CollectionOf(descriptor, "GetSchema"));
            var schema = info.Schema ?? throw new RpcException(GrpcStatusCode.FailedPrecondition,
                $"Collection '{info.Name}' holds no data yet, so it has no schema.");
            return Task.FromResult(new SchemaResult { Schema = ByteString.CopyFrom(new ArrowMessageEncoder().EncodeEncapsulatedSchema(schema)) });
        }
        catch (Exception ex) when (Translate(ex) is { } status)
        {
            throw status;
        }
    }

    // total_records counts rows (Flight.proto's meaning; Longbow reports record batches there), endpoint: one ticket,
    // the bare collection name, redeemable on this service (no locations).
    private static FlightInfo ToFlightInfo(VectorCollectionInfo info)
    {
        var flight = new FlightInfo
        {
            FlightDescriptor = new FlightDescriptor { Type = FlightDescriptor.Types.DescriptorType.Path, Path = { info.Name } },
            TotalRecords = info.Rows,
            TotalBytes = info.Bytes,
            Endpoint = { new FlightEndpoint { Ticket = new Ticket { Ticket_ = ByteString.CopyFromUtf8(info.Name) } } },
            AppMetadata = Json(new JsonObject { ["dimension"] = info.Dimension, ["batches"] = info.Batches }),
        };
        if (info.Schema is { } schema) flight.Schema = ByteString.CopyFrom(new ArrowMessageEncoder().EncodeEncapsulatedSchema(schema));
        return flight;
    }

    // One parse for the check and the comparison, independent of the server's culture (a culture whose minus sign is
    // U+2212 passed the check and failed the comparison).
    private static bool TryParseRows(string value, out long rows) =>
        long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out rows);

    private static bool Matches(VectorCollectionInfo info, List<VectorFilter> filters)
    {
        foreach (var f in filters)
        {
            bool ok;
            if (f.Field == "name")
            {
                ok = f.Operator switch
                {
                    "contains" => info.Name.Contains(f.Value, StringComparison.Ordinal),
                    "!=" => info.Name != f.Value,
                    _ => info.Name == f.Value,
                };
            }
            else
            {
                TryParseRows(f.Value, out long n);                                  // checked in ListFlights
                ok = f.Operator switch
                {
                    ">" => info.Rows > n, ">=" => info.Rows >= n, "<" => info.Rows < n, "<=" => info.Rows <= n,
                    "!=" => info.Rows != n, _ => info.Rows == n,
                };
            }
            if (!ok) return false;
        }
        return true;
    }
}

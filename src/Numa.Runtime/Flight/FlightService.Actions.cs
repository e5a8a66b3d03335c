// DoAction and ListActions of FlightService: Longbow's action types (servers.go, docs/functions.md) with JSON bodies.
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Numa.Arrow;
using Numa.Flight.Protocol;
using Numa.Grpc;

namespace Numa.Flight;

public sealed partial class FlightService
{
    private static readonly (string Type, string Description)[] s_actions =
    [
        ("CreateNamespace", "Create an empty collection. Body {\"name\", \"overwrite\"?}; replies {\"status\":\"created\"}."),
        ("DeleteNamespace", "Delete a collection and its data. Body {\"name\"} (or {\"dataset\"}); replies {\"status\":\"deleted\"}."),
        ("ListNamespaces", "List the collections. Replies {\"namespaces\":[…],\"count\":n}."),
        ("VectorSearch", "k-NN search. Body {\"dataset\",\"vector\"|\"vectors\",\"k\",\"filters\"?}; one Result per query vector, an Arrow IPC stream of (id uint64, score float32)."),
        ("delete", "Delete one row. Body {\"dataset\",\"id\"} (id as string or number); replies {\"status\":\"deleted\"|\"not_found\"}."),
        ("GetGraphStats", "Index statistics. Body {\"dataset\"}; replies a JSON object."),
        ("ForceSnapshot", "Persist everything now. Replies {\"status\":\"ok\"}."),
    ];

    private async Task ListActionsAsync(Empty request, GrpcServerStreamWriter<ActionType> responses, GrpcServerCallContext context)
    {
        Authorize(context);
        foreach (var (type, description) in s_actions)
            await responses.WriteAsync(new ActionType { Type = type, Description = description }, context.CancellationToken).ConfigureAwait(false);
    }

    private async Task DoActionAsync(Protocol.Action action, GrpcServerStreamWriter<Result> responses, GrpcServerCallContext context)
    {
        Authorize(context);
        var token = context.CancellationToken;
        try
        {
            switch (action.Type)
            {
                case "CreateNamespace":
                {
                    using var body = Body(action);
                    string name = FlightJson.String(body.RootElement, "name", "CreateNamespace body", true)!;
                    _backend.CreateCollection(name, FlightJson.Boolean(body.RootElement, "overwrite"));
                    await Reply(new JsonObject { ["status"] = "created", ["name"] = name }).ConfigureAwait(false);
                    break;
                }
                case "DeleteNamespace":
                {
                    using var body = Body(action);
                    string name = FlightJson.String(body.RootElement, "name", "DeleteNamespace body", false)
                        ?? FlightJson.String(body.RootElement, "dataset", "DeleteNamespace body", false)
                        ?? throw FlightJson.Invalid("The DeleteNamespace body has neither 'name' nor 'dataset'.");
                    _backend.DeleteCollection(name);
                    await Reply(new JsonObject { ["status"] = "deleted", ["name"] = name }).ConfigureAwait(false);
                    break;
                }
                case "ListNamespaces":
                {
                    var names = new JsonArray();
                    foreach (var info in _backend.ListCollections()) names.Add(info.Name);
                    await Reply(new JsonObject { ["namespaces"] = names, ["count"] = names.Count }).ConfigureAwait(false);
                    break;
                }
                case "VectorSearch":
                    await VectorSearchAsync(action, responses, token).ConfigureAwait(false);
                    break;
                case "delete":
                {
                    using var body = Body(action);
                    var root = body.RootElement;
                    string dataset = FlightJson.String(root, "dataset", "delete body", true)!;
                    if (!root.TryGetProperty("id", out var idElement)) throw FlightJson.Invalid("The delete body has no 'id'.");
                    long id = idElement.ValueKind switch
                    {
                        JsonValueKind.Number when idElement.TryGetInt64(out long n) => n,
                        JsonValueKind.String when long.TryParse(idElement.GetString(), System.Globalization.NumberStyles.Integer,
                            System.Globalization.CultureInfo.InvariantCulture, out long n) => n,
                        _ => throw FlightJson.Invalid($"'id' in the delete body must be an int64 (number or string), not {idElement.GetRawText()}."),
                    };
                    bool deleted = _backend.Delete(dataset, id);
                    await Reply(new JsonObject { ["status"] = deleted ? "deleted" : "not_found", ["id"] = id }).ConfigureAwait(false);
                    break;
                }
                case "GetGraphStats":
                {
                    using var body = Body(action);
                    string dataset = FlightJson.String(body.RootElement, "dataset", "GetGraphStats body", false)
                        ?? FlightJson.String(body.RootElement, "name", "GetGraphStats body", true)!;
                    await Reply(_backend.GetIndexStats(dataset)).ConfigureAwait(false);
                    break;
                }
                case "ForceSnapshot":
                    await _backend.SnapshotAsync(token).ConfigureAwait(false);
                    await Reply(new JsonObject { ["status"] = "ok" }).ConfigureAwait(false);
                    break;
                default:
                    throw new RpcException(GrpcStatusCode.Unimplemented, $"unknown action type '{action.Type}'.");
            }
        }
        catch (Exception ex) when (Translate(ex) is { } status)
        {
            throw status;
        }

        Task Reply(JsonObject json) => responses.WriteAsync(new Result { Body = Json(json) }, token);
    }

    // VectorSearch: Longbow's VectorSearchRequest; each query vector's hits go back as one Result whose body is an
    // Arrow IPC stream (schema, one batch, end-of-stream) of (id uint64, score float32).
    private async Task VectorSearchAsync(Protocol.Action action, GrpcServerStreamWriter<Result> responses, CancellationToken token)
    {
        using var body = Body(action);
        var root = body.RootElement;
        const string What = "VectorSearch body";
        string dataset = FlightJson.String(root, "dataset", What, true)!;
        long k = FlightJson.Integer(root, "k", What, 10);
        if (k < 1) throw FlightJson.Invalid("k must be at least 1.");
        if (k > int.MaxValue) throw FlightJson.Invalid($"k = {k} is larger than {int.MaxValue}.");
        int? ef = FlightJson.Ef(root, What);
        var filters = FlightJson.Filters(root, What);
        var queries = new List<float[]>();
        if (root.TryGetProperty("vector", out var one) && one.ValueKind != JsonValueKind.Null) queries.Add(FlightJson.Vector(one, "vector", What));
        if (root.TryGetProperty("vectors", out var many) && many.ValueKind == JsonValueKind.Array)
            foreach (var v in many.EnumerateArray()) queries.Add(FlightJson.Vector(v, $"vectors[{queries.Count}]", What));
        if (queries.Count == 0) throw FlightJson.Invalid("The VectorSearch body has neither 'vector' nor 'vectors'.");
        foreach (var query in queries)
        {
            var result = await _backend.SearchAsync(dataset, query, (int)k, ef, filters, token).ConfigureAwait(false);
            using var stream = new MemoryStream();
            using (var writer = new ArrowStreamWriter(stream, s_searchSchema, leaveOpen: true))
            {
                writer.WriteRecordBatch(SearchBatch(result, 0, result.Count));
                writer.Finish();
            }
            await responses.WriteAsync(new Result { Body = ByteString.CopyFrom(stream.GetBuffer(), 0, (int)stream.Length) }, token).ConfigureAwait(false);
        }
    }

    private static JsonDocument Body(Protocol.Action action) =>
        FlightJson.Parse(action.Body.IsEmpty ? "{}"u8.ToArray() : action.Body.Memory, $"{action.Type} body");
}

// The ten FlightService methods of Flight.proto as Numa.Grpc methods: the same objects register the server's
// handlers and make the client's calls. Path: /arrow.flight.protocol.FlightService/<Method>.
using Numa.Flight.Protocol;
using Numa.Grpc;

namespace Numa.Flight;

/// <summary>Flight.proto's <c>service FlightService</c> (package <c>arrow.flight.protocol</c>): each method with its
/// call shape and marshallers. FlightData uses <see cref="FlightDataMarshaller"/>; every other message is the
/// Google.Protobuf class generated from Flight.proto (<c>Numa.Flight.Protocol</c>).</summary>
public static class FlightMethods
{
    /// <summary>The gRPC service name, <c>arrow.flight.protocol.FlightService</c>.</summary>
    public const string ServiceName = "arrow.flight.protocol.FlightService";

    /// <summary><c>rpc Handshake(stream HandshakeRequest) returns (stream HandshakeResponse)</c>.</summary>
    public static GrpcMethod<HandshakeRequest, HandshakeResponse> Handshake { get; } =
        Create(GrpcMethodType.DuplexStreaming, "Handshake", HandshakeRequest.Parser, HandshakeResponse.Parser);

    /// <summary><c>rpc ListFlights(Criteria) returns (stream FlightInfo)</c>.</summary>
    public static GrpcMethod<Criteria, FlightInfo> ListFlights { get; } =
        Create(GrpcMethodType.ServerStreaming, "ListFlights", Criteria.Parser, FlightInfo.Parser);

    /// <summary><c>rpc GetFlightInfo(FlightDescriptor) returns (FlightInfo)</c>.</summary>
    public static GrpcMethod<FlightDescriptor, FlightInfo> GetFlightInfo { get; } =
        Create(GrpcMethodType.Unary, "GetFlightInfo", FlightDescriptor.Parser, FlightInfo.Parser);

    /// <summary><c>rpc PollFlightInfo(FlightDescriptor) returns (PollInfo)</c>.</summary>
    public static GrpcMethod<FlightDescriptor, PollInfo> PollFlightInfo { get; } =
        Create(GrpcMethodType.Unary, "PollFlightInfo", FlightDescriptor.Parser, PollInfo.Parser);

    /// <summary><c>rpc GetSchema(FlightDescriptor) returns (SchemaResult)</c>.</summary>
    public static GrpcMethod<FlightDescriptor, SchemaResult> GetSchema { get; } =
        Create(GrpcMethodType.Unary, "GetSchema", FlightDescriptor.Parser, SchemaResult.Parser);

    /// <summary><c>rpc DoGet(Ticket) returns (stream FlightData)</c>.</summary>
    public static GrpcMethod<Ticket, FlightDataMessage> DoGet { get; } =
        new(GrpcMethodType.ServerStreaming, ServiceName, "DoGet", GrpcMarshaller.ForProtobuf(Ticket.Parser), FlightDataMarshaller.Instance);

    /// <summary><c>rpc DoPut(stream FlightData) returns (stream PutResult)</c>.</summary>
    public static GrpcMethod<FlightDataMessage, PutResult> DoPut { get; } =
        new(GrpcMethodType.DuplexStreaming, ServiceName, "DoPut", FlightDataMarshaller.Instance, GrpcMarshaller.ForProtobuf(PutResult.Parser));

    /// <summary><c>rpc DoExchange(stream FlightData) returns (stream FlightData)</c>.</summary>
    public static GrpcMethod<FlightDataMessage, FlightDataMessage> DoExchange { get; } =
        new(GrpcMethodType.DuplexStreaming, ServiceName, "DoExchange", FlightDataMarshaller.Instance, FlightDataMarshaller.Instance);

    /// <summary><c>rpc DoAction(Action) returns (stream Result)</c>.</summary>
    public static GrpcMethod<Protocol.Action, Result> DoAction { get; } =
        Create(GrpcMethodType.ServerStreaming, "DoAction", Protocol.Action.Parser, Result.Parser);

    /// <summary><c>rpc ListActions(Empty) returns (stream ActionType)</c>.</summary>
    public static GrpcMethod<Empty, ActionType> ListActions { get; } =
        Create(GrpcMethodType.ServerStreaming, "ListActions", Empty.Parser, ActionType.Parser);

    private static GrpcMethod<TRequest, TResponse> Create<TRequest, TResponse>(GrpcMethodType type, string name,
        Google.Protobuf.MessageParser<TRequest> request, Google.Protobuf.MessageParser<TResponse> response)
        where TRequest : Google.Protobuf.IMessage<TRequest> where TResponse : Google.Protobuf.IMessage<TResponse> =>
        new(type, ServiceName, name, GrpcMarshaller.ForProtobuf(request), GrpcMarshaller.ForProtobuf(response));
}

// A method's identity and wire contract, shared by the server's registration and the client's calls.
namespace Numa.Grpc;

/// <summary>A gRPC method: its shape, <c>/Service/Method</c> path (PROTOCOL-HTTP2.md "Path", case-sensitive) and the
/// marshallers of its request and response.</summary>
/// <typeparam name="TRequest">Request message type.</typeparam>
/// <typeparam name="TResponse">Response message type.</typeparam>
public sealed class GrpcMethod<TRequest, TResponse>
{
    /// <summary>Creates the method <c>/<paramref name="serviceName"/>/<paramref name="name"/></c>.</summary>
    /// <exception cref="ArgumentException">A name is empty or holds '/'.</exception>
    public GrpcMethod(GrpcMethodType type, string serviceName, string name,
        GrpcMarshaller<TRequest> requestMarshaller, GrpcMarshaller<TResponse> responseMarshaller)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (serviceName.Contains('/') || name.Contains('/'))
            throw new ArgumentException($"Service '{serviceName}' and method '{name}' must not contain '/'.");
        Type = type;
        ServiceName = serviceName;
        Name = name;
        FullName = $"/{serviceName}/{name}";
        RequestMarshaller = requestMarshaller ?? throw new ArgumentNullException(nameof(requestMarshaller));
        ResponseMarshaller = responseMarshaller ?? throw new ArgumentNullException(nameof(responseMarshaller));
    }

    /// <summary>The call shape.</summary>
    public GrpcMethodType Type { get; }

    /// <summary>The fully qualified service name, e.g. <c>arrow.flight.protocol.FlightService</c>.</summary>
    public string ServiceName { get; }

    /// <summary>The method name, e.g. <c>DoGet</c>.</summary>
    public string Name { get; }

    /// <summary>The HTTP/2 <c>:path</c>: <c>/ServiceName/Name</c>.</summary>
    public string FullName { get; }

    /// <summary>Serializes requests.</summary>
    public GrpcMarshaller<TRequest> RequestMarshaller { get; }

    /// <summary>Serializes responses.</summary>
    public GrpcMarshaller<TResponse> ResponseMarshaller { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Type} {FullName}";
}

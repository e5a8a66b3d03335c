// The one exception a vector backend throws for a refused request; its message goes to the client as grpc-message.
namespace Numa.Flight;

/// <summary>A request an <see cref="IVectorBackend"/> refuses, with the <see cref="VectorBackendError"/> that picks the
/// gRPC status and a message naming the collection and what is wrong.</summary>
public sealed class VectorBackendException : Exception
{
    /// <summary>Creates the exception.</summary>
    public VectorBackendException(VectorBackendError error, string message, Exception? innerException = null)
        : base(message, innerException) => Error = error;

    /// <summary>The kind of refusal.</summary>
    public VectorBackendError Error { get; }
}

// The deserializing delegate of GrpcMarshaller.Create: it reads the message in place, from the transport's buffers.
using System.Buffers;

namespace Numa.Grpc;

/// <summary>Reads one message from <paramref name="payload"/>, which is valid only during the call
/// (see <see cref="GrpcMarshaller{T}.Deserialize"/>).</summary>
public delegate T GrpcDeserializer<out T>(in ReadOnlySequence<byte> payload);

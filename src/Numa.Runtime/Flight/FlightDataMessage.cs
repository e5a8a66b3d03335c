// One Flight.proto FlightData as it crosses the wire: descriptor, Arrow Message header, app metadata and body, with
// the body either received (one owned array, copied once off the transport) or written straight from an
// ArrowMessageEncoder into the transport when sent (one copy per column buffer, no intermediate body array).
using Numa.Arrow;
using Numa.Flight.Protocol;

namespace Numa.Flight;

/// <summary>
/// A <c>FlightData</c> message (Flight.proto: <c>flight_descriptor = 1</c>, <c>data_header = 2</c>,
/// <c>app_metadata = 3</c>, <c>data_body = 1000</c>). <see cref="DataHeader"/> is the bare Arrow <c>Message</c>
/// FlatBuffer (Arrow Columnar Format, "Encapsulated message format", without continuation marker and length);
/// <see cref="DataBody"/> is the message body. Received messages own their arrays (the body is 8-byte aligned, so
/// <see cref="ArrowMessageDecoder.DecodeRecordBatch"/> views it in place). Marshalled by <see cref="FlightDataMarshaller"/>.
/// </summary>
public sealed class FlightDataMessage
{
    /// <summary>A message with the given parts (any may be empty; the descriptor may be null).</summary>
    public FlightDataMessage(FlightDescriptor? descriptor, ReadOnlyMemory<byte> dataHeader, ReadOnlyMemory<byte> dataBody,
        ReadOnlyMemory<byte> appMetadata = default)
    {
        Descriptor = descriptor;
        DataHeader = dataHeader;
        DataBody = dataBody;
        AppMetadata = appMetadata;
        BodyLength = dataBody.Length;
    }

    // A message to send whose body is the last record batch encoded by `encoder` (written on Serialize).
    internal FlightDataMessage(FlightDescriptor? descriptor, ReadOnlyMemory<byte> dataHeader, ArrowMessageEncoder encoder,
        ReadOnlyMemory<byte> appMetadata)
    {
        Descriptor = descriptor;
        DataHeader = dataHeader;
        AppMetadata = appMetadata;
        BodySource = encoder;
        BodyLength = checked((int)encoder.BodyLength);
    }

    /// <summary><c>flight_descriptor</c>: set on the first message of DoPut and DoExchange; otherwise null.</summary>
    public FlightDescriptor? Descriptor { get; }

    /// <summary><c>data_header</c>: the Arrow Message FlatBuffer; empty for a metadata-only message.</summary>
    public ReadOnlyMemory<byte> DataHeader { get; }

    /// <summary><c>app_metadata</c>: application-defined bytes; empty when absent.</summary>
    public ReadOnlyMemory<byte> AppMetadata { get; }

    /// <summary><c>data_body</c>: the Arrow message body (empty for a schema, or for a message to send whose body
    /// comes from an encoder).</summary>
    public ReadOnlyMemory<byte> DataBody { get; }

    /// <summary>The body's length in bytes (<see cref="DataBody"/>'s, or the encoder's).</summary>
    public int BodyLength { get; }

    internal ArrowMessageEncoder? BodySource { get; }
}

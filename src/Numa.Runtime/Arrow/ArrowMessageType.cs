// Which header an encapsulated Arrow IPC message carries.
namespace Numa.Arrow;

/// <summary>Message.fbs <c>MessageHeader</c> union tags; the values are the wire values.</summary>
public enum ArrowMessageType : byte
{
    /// <summary>No header (invalid in a stream).</summary>
    None = 0,
    /// <summary>A Schema: the first message of a stream.</summary>
    Schema = 1,
    /// <summary>A dictionary batch (not supported here).</summary>
    DictionaryBatch = 2,
    /// <summary>A record batch: field nodes and buffers of a body.</summary>
    RecordBatch = 3,
    /// <summary>A tensor (not part of streams; not supported).</summary>
    Tensor = 4,
    /// <summary>A sparse tensor (not supported).</summary>
    SparseTensor = 5,
}

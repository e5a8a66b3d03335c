// One ring of a worker graph, as `numa graph` prints it.
namespace Numa.Workers;

/// <summary>One ring: its name, message type, producer and consumer instances ("Ingest[0]"), their nodes, the node
/// its memory is bound to, and its capacity in messages.</summary>
public sealed record RingDescription(string Name, string MessageType, string Producer, string Consumer,
    int ProducerNode, int ConsumerNode, int HomeNode, int Capacity)
{
    /// <summary>True when producer and consumer run on different nodes (a producer node of -1, unpinned producers on any
    /// node, counts as neither).</summary>
    public bool IsCrossNode => ProducerNode >= 0 && ProducerNode != ConsumerNode;
}

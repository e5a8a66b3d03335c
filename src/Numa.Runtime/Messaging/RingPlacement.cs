// Which node a ring's memory lives on.
namespace Numa.Messaging;

/// <summary>Where a ring's slots and indices live.</summary>
public enum RingPlacement
{
    /// <summary>On the producer's node (the default): the producer's writes stay local and each consumer miss is
    /// served from the writer's socket, about 35 % cheaper than from the reader's (remote HITM 108–116 ns vs
    /// 171–178 ns on Skylake/Cascade Lake, FD.io CSIT calibration).</summary>
    ProducerLocal,

    /// <summary>On the consumer's node (Seastar's choice for its request queues).</summary>
    ConsumerLocal,
}

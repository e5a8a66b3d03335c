// Where a [NumaPlacement] value lives. Compiled into Numa.Runtime (public) and linked into the generator and
// analyzers (internal, BUILDING_SOURCE_GENERATOR), so the enum has one source.
namespace Numa;

/// <summary>Where data marked with <see cref="NumaPlacementAttribute"/> lives (seed 001's placement kinds).</summary>
#if BUILDING_SOURCE_GENERATOR
internal
#else
public
#endif
enum Placement
{
    /// <summary>In the owning worker's node arena, allocated by that worker after it has pinned itself (first touch
    /// on its node). Only that worker may touch it: the analyzers flag access from another worker (NUMA1001) and
    /// escapes to statics, messages and other threads (NUMA1002–NUMA1004).</summary>
    Local = 0,

    /// <summary>On the producer's node: the default for rings, whose writes then stay local and whose consumer
    /// misses are served from the writer's socket (see <c>RingPlacement.ProducerLocal</c>).</summary>
    ProducerLocal = 1,

    /// <summary>Pages spread round-robin over the nodes with memory (MPOL_INTERLEAVE, mbind(2)): shared
    /// read-mostly data, written before the workers start; workers only read it (NUMA1005).</summary>
    Interleaved = 2,
}

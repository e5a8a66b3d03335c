// [NumaPlacement]: declares where a type's or a worker member's memory lives; the generator allocates it there.
namespace Numa;

/// <summary>
/// Declares where memory lives.
/// <list type="bullet">
/// <item>On an unmanaged struct: the type is node-local state (<see cref="Placement.Local"/>) and must not be
/// shipped in messages (NUMA1003); it must be unmanaged (NUMA0001).</item>
/// <item>On a partial property of a <see cref="PinnedWorkerAttribute"/> class, the generator implements it:
/// <c>[NumaPlacement(Placement.Local)] private partial ref State State { get; }</c> (one value) or
/// <c>[NumaPlacement(Placement.Local, Length = 256)] private partial Span&lt;long&gt; Counts { get; }</c> (an array),
/// allocated zeroed in the worker's node arena after it has pinned itself; and
/// <c>[NumaPlacement(Placement.Interleaved, Length = 4096)] private static partial Span&lt;float&gt; Table { get; }</c>,
/// one array shared by every worker, interleaved over the nodes, allocated when the <c>NumaApp</c> is created.</item>
/// </list>
/// </summary>
[global::System.AttributeUsage(global::System.AttributeTargets.Struct | global::System.AttributeTargets.Property,
    AllowMultiple = false, Inherited = false)]
#if BUILDING_SOURCE_GENERATOR
internal
#else
public
#endif
sealed class NumaPlacementAttribute : global::System.Attribute
{
    /// <summary>Declares the placement.</summary>
    public NumaPlacementAttribute(Placement placement) => Placement = placement;

    /// <summary>Where the memory lives.</summary>
    public Placement Placement { get; }

    /// <summary>For a <c>Span&lt;T&gt;</c> property: the number of elements (at least 1). Ignored on structs and
    /// <c>ref T</c> properties.</summary>
    public int Length { get; set; }
}

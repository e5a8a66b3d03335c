// The messages of the Quickstart pipeline: unmanaged structs, copied by value through the rings.
namespace Quickstart;

/// <summary>One reading: a sensor key and a value.</summary>
public readonly record struct Reading(int Key, int Value);

/// <summary>A counter's final tally, with where its Local state's pages were found.</summary>
public readonly record struct Tally(int Counter, int Node, long Readings, long WeightedSum, int PagesOnExpectedNode, int PagesElsewhere);

// The Numa source generator. It is registered and built now so the solution's shape is final; the pipelines
// for [PinnedWorker] and [NumaPlacement] arrive with the generator issue.
using Microsoft.CodeAnalysis;

namespace Numa.Generators;

/// <summary>Writes the wiring for Numa's attributes (allocation after pinning, worker threads, rings).</summary>
[Generator(LanguageNames.CSharp)]
public sealed class NumaGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
    }
}

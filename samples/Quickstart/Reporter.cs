// Reporter: one worker collects every counter's tally.
using Numa;

namespace Quickstart;

/// <summary>Collects one <see cref="Tally"/> per counter.</summary>
[PinnedWorker(Count = 1)]
public sealed partial class Reporter
{
    private readonly List<Tally> _tallies = [];

    /// <summary>The tallies received, once the app has completed.</summary>
    public IReadOnlyList<Tally> Tallies => _tallies;

    [Inbox]
    private void On(in Tally tally) => _tallies.Add(tally);
}

// One row of `numa check`.
namespace Numa.Cli.Check;

internal enum CheckOutcome
{
    Pass,
    Fail,
    NotApplicable,
}

/// <param name="Check">What was checked (arena placement, interleave, pinning).</param>
/// <param name="Subject">Which node.</param>
/// <param name="Outcome">Pass, fail, or not applicable on this machine.</param>
/// <param name="Detail">What was measured, in words and numbers.</param>
internal sealed record CheckResult(string Check, string Subject, CheckOutcome Outcome, string Detail);

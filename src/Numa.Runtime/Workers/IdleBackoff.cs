// How a pinned worker waits when none of its inboxes has a message: spin briefly, then yield, then sleep.
namespace Numa.Workers;

/// <summary>
/// Backoff for a polling loop over several rings (a worker cannot park on many rings at once): about 64 spins of
/// <see cref="Thread.SpinWait(int)"/>, then <see cref="Thread.Yield"/> for a while, then 1 ms sleeps, so an idle
/// worker costs little CPU on a shared core. <see cref="Reset"/> after any progress.
/// </summary>
public struct IdleBackoff
{
    private const int SpinRounds = 64;
    private const int YieldRounds = 256;
    private int _rounds;

    /// <summary>Waits a little longer each call.</summary>
    public void Wait()
    {
        int r = _rounds++;
        if (r < SpinRounds) Thread.SpinWait(16 << Math.Min(r, 4));
        else if (r < SpinRounds + YieldRounds) Thread.Yield();
        else Thread.Sleep(1);
    }

    /// <summary>Starts over with spinning.</summary>
    public void Reset() => _rounds = 0;
}

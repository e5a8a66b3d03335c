// McsLock: mutual exclusion under contention (spinning and parking hand-offs), misuse errors.
using Numa.Sync;

namespace Numa.Tests.Sync;

public sealed class McsLockTests
{
    [Theory]
    [InlineData(256)]   // mostly spinning hand-offs
    [InlineData(0)]     // every waiter parks
    public async Task Only_one_thread_at_a_time_holds_the_lock(int spinIterations)
    {
        var mcs = new McsLock(spinIterations);
        const int threads = 4, iterations = 50_000;
        long counter = 0;
        int inside = 0;
        var workers = Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(() =>
        {
            for (int i = 0; i < iterations; i++)
            {
                using (mcs.Enter())
                {
                    if (Interlocked.Increment(ref inside) != 1) throw new InvalidOperationException("two holders at once");
                    counter++; // not atomic on purpose: the lock is what protects it
                    Interlocked.Decrement(ref inside);
                }
            }
        }, TaskCreationOptions.LongRunning)).ToArray();

        await Task.WhenAll(workers);

        Assert.Equal(threads * iterations, counter);
        Assert.False(mcs.IsHeld);
    }

    [Fact]
    public void Entering_twice_on_one_thread_is_an_error()
    {
        var mcs = new McsLock();
        using (mcs.Enter())
        {
            Assert.True(mcs.IsHeldByCurrentThread);
            Assert.Throws<LockRecursionException>(() => mcs.Enter());
        }
        Assert.False(mcs.IsHeldByCurrentThread);
    }

    [Fact]
    public void Exiting_a_lock_the_thread_does_not_hold_is_an_error()
    {
        var mcs = new McsLock();

        Assert.Throws<SynchronizationLockException>(mcs.Exit);
    }

    [Fact]
    public void Nested_locks_release_innermost_first()
    {
        var outer = new McsLock();
        var inner = new McsLock();

        using (outer.Enter())
        using (inner.Enter())
        {
            Assert.True(outer.IsHeld && inner.IsHeld);
        }
        Assert.False(outer.IsHeld || inner.IsHeld);

        var a = outer.Enter();
        var b = inner.Enter();
        Assert.Throws<SynchronizationLockException>(outer.Exit);
        b.Dispose();
        a.Dispose();
        Assert.False(outer.IsHeld || inner.IsHeld);
    }
}

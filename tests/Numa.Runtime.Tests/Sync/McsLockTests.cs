// McsLock: mutual exclusion under contention (spinning and parking waiters), no starvation behind a thread that
// re-enters in a loop, misuse errors, a Thread.Interrupt of a parked waiter.
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
    public void Nested_locks_may_be_released_in_any_order()
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
        a.Dispose();
        Assert.True(!outer.IsHeld && inner.IsHeldByCurrentThread);
        b.Dispose();
        Assert.False(outer.IsHeld || inner.IsHeld);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(0)]
    public void A_waiter_is_not_starved_by_a_thread_re_entering_in_a_loop(int spinIterations)
    {
        // The looping thread releases and at once re-enters (barging is allowed); the waiter must still get in, again
        // and again, while the loop runs. (The head's hand-off request guarantees it; on this 2-vCPU machine the
        // cache-line transfers alone usually let it in too, so this checks the outcome, not the mechanism.)
        var mcs = new McsLock(spinIterations);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var looping = new ManualResetEventSlim();
        long loops = 0;
        var hog = new Thread(() =>
        {
            looping.Set();
            while (!stop.IsCancellationRequested)
                using (mcs.Enter()) loops++;
        });
        hog.Start();
        looping.Wait(TestContext.Current.CancellationToken);
        int acquired = 0;
        for (int round = 0; round < 100; round++)
        {
            using (mcs.Enter()) acquired++;
            Assert.False(stop.IsCancellationRequested, $"round {round}: the waiter only got the lock after the looping thread stopped");
        }
        stop.Cancel();
        hog.Join();
        Assert.Equal(100, acquired);
        Assert.True(loops > 0);
        Assert.False(mcs.IsHeld);
    }

    [Theory]
    [InlineData(false)]   // the interrupted waiter is the queue's head
    [InlineData(true)]    // it waits behind another waiter
    public void An_interrupted_waiter_still_gets_the_lock_and_the_interrupt_reaches_its_next_wait(bool behindAnother)
    {
        var patience = TimeSpan.FromSeconds(10);
        var mcs = new McsLock(spinIterations: 0);                     // every waiter parks at once
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() => { using (mcs.Enter()) { holding.Set(); release.Wait(patience); } }) { IsBackground = true };
        holder.Start();
        Assert.True(holding.Wait(patience));
        var first = new Thread(() => { using (mcs.Enter()) { } }) { IsBackground = true };
        if (behindAnother)
        {
            first.Start();
            Thread.Sleep(100);
        }
        bool entered = false;
        Exception? delivered = null, failed = null;
        var victim = new Thread(() =>
        {
            try
            {
                using (mcs.Enter()) entered = true;
                Thread.Sleep(patience);                                // the absorbed interrupt ends this at once
            }
            catch (ThreadInterruptedException e) when (entered) { delivered = e; }
            catch (Exception e) { failed = e; }
        }) { IsBackground = true };
        victim.Start();
        Thread.Sleep(100);
        victim.Interrupt();
        Thread.Sleep(50);
        release.Set();

        Assert.True(victim.Join(patience), "the interrupted waiter never got the lock");
        Assert.Null(failed);
        Assert.True(entered);
        Assert.NotNull(delivered);
        Assert.True(holder.Join(patience));
        if (behindAnother) Assert.True(first.Join(patience));
        // The queue is intact: contended entries still go through.
        var contenders = Enumerable.Range(0, 3).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < 2000; i++) using (mcs.Enter()) Thread.SpinWait(20);
        }) { IsBackground = true }).ToList();
        contenders.ForEach(t => t.Start());
        Assert.All(contenders, t => Assert.True(t.Join(patience), "a contended Enter hung"));
        Assert.False(mcs.IsHeld);
    }
}

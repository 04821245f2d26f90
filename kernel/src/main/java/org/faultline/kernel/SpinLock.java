package org.faultline.kernel;

import java.util.List;

/**
 * A spin lock ({@code spinlock_t}, kernel/locking/spinlock.c). Holding one is atomic context:
 * {@link Scheduler#schedule()} under it reports "scheduling while atomic". A contended acquirer
 * spins; under control it is simply not runnable until the holder releases — other tasks keep
 * running, as other CPUs would.
 */
@KernelSource("kernel/locking/spinlock.c")
public final class SpinLock implements WaitTarget {
    private final Kernel k;
    private final String name;
    private final WaitQueue spinners;
    private volatile Task owner;

    public SpinLock(Kernel k, String name) {
        this.k = k;
        this.name = name;
        this.spinners = new WaitQueue(k);
    }

    /** spin_lock(). */
    public void spinLock() {
        Scheduler s = k.sched();
        if (s.bootContext()) {
            return;
        }
        s.point("spin_lock");
        Task cur = s.current();
        WaitQueue.Entry e = new WaitQueue.Entry(cur, WaitQueue.WQ_FLAG_EXCLUSIVE,
                WaitQueue::autoremoveWakeFunction, null);
        for (;;) {
            synchronized (spinners) {
                if (owner == null) {
                    owner = cur;
                    break;
                }
                if (owner == cur) {
                    k.invariant("BUG: spinlock recursion on CPU#0, " + cur + ": " + describe());
                }
                spinners.prepareToWait(e, this, true);
            }
            s.spinWait();
        }
        spinners.finishWait(e);
        cur.preemptCount++;
        cur.held.add(this);
    }

    /** spin_unlock(). */
    public void spinUnlock() {
        Scheduler s = k.sched();
        if (s.bootContext()) {
            return;
        }
        Task cur = s.current();
        k.warnOn(owner != cur, "BUG: spinlock wrong owner on CPU#0: " + describe());
        cur.held.remove(this);
        cur.preemptCount--;
        synchronized (spinners) {
            owner = null;
            spinners.wakeUpLocked(1, null);
        }
        s.point("spin_unlock");
    }

    @Override
    public String describe() {
        return "spinlock " + name;
    }

    @Override
    public List<Object> owedBy() {
        Task o = owner;
        return o == null ? List.of() : List.of(o);
    }

    @Override
    public String toString() {
        return describe();
    }
}

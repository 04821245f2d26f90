package org.faultline.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * A spin lock ({@code spinlock_t}, kernel/locking/spinlock.c). Holding one is atomic context:
 * {@link Scheduler#schedule()} under it reports "scheduling while atomic". A contended acquirer
 * spins; under control it is simply not runnable until the holder releases — other tasks keep
 * running, as other CPUs would.
 */
@KernelSource("kernel/locking/spinlock.c")
public final class SpinLock implements WaitTarget {
    private static final VarHandle OWNER;
    private static final VarHandle WAITERS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            OWNER = l.findVarHandle(SpinLock.class, "owner", Task.class);
            WAITERS = l.findVarHandle(SpinLock.class, "waiters", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Spins of a free-running contender before it queues (a few microseconds). */
    private static final int SPINS = 1000;

    private final Kernel k;
    private final String name;
    private final WaitQueue spinners;
    private volatile Task owner;   // taken by compare-and-set
    private volatile int waiters;  // contenders queued on spinners, or about to be

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
        if (!tryLock(s, cur) && !(s.busyWaits() && spinBriefly(cur))) {
            spinSlowpath(s, cur);
        }
        cur.preemptCount++;
        cur.held.add(this);
    }

    /**
     * The uncontended acquisition. Under control one task runs at a time and every hand-off between
     * tasks orders memory (park/unpark), so plain accesses do; free-running tasks race for the
     * owner with a compare-and-set, as CPUs do with a locked instruction.
     */
    private boolean tryLock(Scheduler s, Task cur) {
        if (s.controlled()) {
            if (OWNER.get(this) != null) {
                return false;
            }
            OWNER.set(this, cur);
            return true;
        }
        return OWNER.compareAndSet(this, null, cur);
    }

    /**
     * Free-running only: spin on the owner field for a while, as a CPU would, before queueing to be
     * woken — parking a host thread costs far more than a short critical section.
     */
    private boolean spinBriefly(Task cur) {
        for (int i = 0; i < SPINS; i++) {
            Thread.onSpinWait();
            if (owner == null && OWNER.compareAndSet(this, null, cur)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The contended case: queue as a spinner, then try again — a release after the queueing wakes
     * us, one before it is seen by the retry, since the releaser clears the owner before it looks
     * for waiters — and sleep only if the lock is still held.
     */
    private void spinSlowpath(Scheduler s, Task cur) {
        if (owner == cur) {
            k.invariant("BUG: spinlock recursion on CPU#0, " + cur + ": " + describe());
        }
        WaitQueue.Entry e = new WaitQueue.Entry(cur, WaitQueue.WQ_FLAG_EXCLUSIVE,
                WaitQueue::autoremoveWakeFunction, null);
        WAITERS.getAndAdd(this, 1);
        try {
            for (;;) {
                spinners.prepareToWait(e, this, true);
                if (OWNER.compareAndSet(this, null, cur)) {
                    break;
                }
                s.spinWait();
            }
        } finally {
            WAITERS.getAndAdd(this, -1);
        }
        spinners.finishWait(e);
    }

    /**
     * lockdep_assert_held(): a WARN when the running task does not hold this lock. Checked only with
     * CONFIG_DEBUG_VM (debug-vm: explorations and tests), as lockdep is a debugging option; at boot
     * (no task runs) there is nothing to check.
     */
    public void assertHeld() {
        if (!k.params().debugVm()) {
            return;
        }
        Scheduler s = k.sched();
        if (s.bootContext()) {
            return;
        }
        Task cur = s.current();
        k.warnOn(owner != cur, () -> "WARNING: lockdep_assert_held(" + name + ") fails: held by "
                + (owner == null ? "nobody" : owner) + ", not " + cur);
    }

    /** spin_unlock(). */
    public void spinUnlock() {
        Scheduler s = k.sched();
        if (s.bootContext()) {
            return;
        }
        Task cur = s.current();
        k.warnOn(owner != cur, () -> "BUG: spinlock wrong owner on CPU#0: " + describe());
        cur.released(this);
        cur.preemptCount--;
        if (s.controlled()) {
            OWNER.set(this, null); // plain: see tryLock; no other task runs until this one yields
        } else {
            owner = null; // volatile: ordered before the read of waiters (a contender's increment)
        }
        if (waiters > 0) {
            synchronized (spinners) {
                spinners.wakeUpLocked(1, null);
            }
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

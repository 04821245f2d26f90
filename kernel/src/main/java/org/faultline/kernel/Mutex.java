package org.faultline.kernel;

import java.util.List;

/**
 * A sleeping mutual-exclusion lock ({@code struct mutex}, kernel/locking/mutex.c): one owner,
 * waiters queued FIFO and woken one at a time. The owner is known, so a task waiting here has an
 * edge to it in the wait-for graph.
 *
 * <p>Fields: {@code owner} is written under the wait queue's monitor and read anywhere.
 */
@KernelSource("kernel/locking/mutex.c")
public final class Mutex implements WaitTarget {
    private final Kernel k;
    private final String name;
    private final WaitQueue wait;
    private volatile Task owner;

    public Mutex(Kernel k, String name) {
        this.k = k;
        this.name = name;
        this.wait = new WaitQueue(k);
    }

    /** mutex_lock(): sleeps until the mutex is free, then owns it. */
    public void mutexLock() {
        Scheduler s = k.sched();
        if (s.bootContext()) {
            return;
        }
        s.point("mutex_lock");
        Task cur = s.current();
        if (owner == cur) {
            k.invariant("BUG: recursive locking: " + cur + " already holds " + describe());
        }
        if (!tryAcquire(cur)) {
            mutexLockSlowpath(s, cur);
        }
        cur.held.add(this);
        if (k.tracing()) {
            k.trace("mutex_lock " + name);
        }
    }

    private boolean tryAcquire(Task cur) {
        synchronized (wait) {
            return grantLocked(cur);
        }
    }

    /** Takes the mutex for {@code cur} if it is free. Context: the wait queue's monitor. */
    private boolean grantLocked(Task cur) {
        if (owner != null) {
            return false;
        }
        owner = cur;
        return true;
    }

    /** __mutex_lock_slowpath(): sleep on the wait list until the owner hands the mutex over. */
    private void mutexLockSlowpath(Scheduler s, Task cur) {
        WaitQueue.Entry e = new WaitQueue.Entry(cur, WaitQueue.WQ_FLAG_EXCLUSIVE,
                WaitQueue::autoremoveWakeFunction, null);
        for (;;) {
            synchronized (wait) {
                if (grantLocked(cur)) {
                    break;
                }
                wait.prepareToWait(e, this, true);
            }
            s.schedule();
        }
        wait.finishWait(e);
    }

    /** mutex_unlock(): releases and wakes the first waiter. */
    public void mutexUnlock() {
        Scheduler s = k.sched();
        if (s.bootContext()) {
            return;
        }
        Task cur = s.current();
        k.warnOn(owner != cur, () -> "DEBUG_LOCKS_WARN_ON(__owner_task(owner) != current): " + describe());
        cur.released(this);
        synchronized (wait) {
            owner = null;
            wait.wakeUpLocked(1, null);
        }
        if (k.tracing()) {
            k.trace("mutex_unlock " + name);
        }
        s.point("mutex_unlock");
    }

    public Task owner() {
        return owner;
    }

    @Override
    public String describe() {
        return "mutex " + name;
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

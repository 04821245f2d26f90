package org.faultline.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * A reader-writer semaphore ({@code struct rw_semaphore}, kernel/locking/rwsem.c): many readers or
 * one writer. A waiting writer blocks new readers (no writer starvation), as the kernel's handoff
 * does. Readers are tracked by task so the wait-for graph can name them.
 *
 * <p>Fields {@code readers} and {@code writer} and {@code writersWaiting} are guarded by the wait
 * queue's monitor.
 */
@KernelSource("kernel/locking/rwsem.c")
public final class RwSemaphore implements WaitTarget {
    private final Kernel k;
    private final String name;
    private final WaitQueue wait;
    private final List<Task> readers = new ArrayList<>();
    private Task writer;
    private int writersWaiting;

    public RwSemaphore(Kernel k, String name) {
        this.k = k;
        this.name = name;
        this.wait = new WaitQueue(k);
    }

    /** down_read(). */
    public void downRead() {
        acquire(false);
    }

    /** down_write(). */
    public void downWrite() {
        acquire(true);
    }

    private void acquire(boolean write) {
        Scheduler s = k.sched();
        if (s.bootContext()) {
            return;
        }
        s.point(write ? "down_write" : "down_read");
        Task cur = s.current();
        if (!tryAcquire(cur, write)) {
            acquireSlowpath(s, cur, write);
        }
        cur.held.add(this);
    }

    private boolean tryAcquire(Task cur, boolean write) {
        synchronized (wait) {
            return grantLocked(cur, write);
        }
    }

    /** Takes the semaphore for {@code cur} if it can be had now. Context: the queue's monitor. */
    private boolean grantLocked(Task cur, boolean write) {
        if (write ? writer != null || !readers.isEmpty() : writer != null || writersWaiting > 0) {
            return false;
        }
        if (write) {
            writer = cur;
        } else {
            readers.add(cur);
        }
        return true;
    }

    /** rwsem_down_{read,write}_slowpath(): queue, and count a waiting writer so new readers wait. */
    private void acquireSlowpath(Scheduler s, Task cur, boolean write) {
        WaitQueue.Entry e = new WaitQueue.Entry(cur, 0, WaitQueue::autoremoveWakeFunction, null);
        boolean counted = false;
        for (;;) {
            synchronized (wait) {
                if (grantLocked(cur, write)) {
                    if (counted) {
                        writersWaiting--;
                    }
                    break;
                }
                if (write && !counted) {
                    writersWaiting++;
                    counted = true;
                }
                wait.prepareToWait(e, this, false);
            }
            s.schedule();
        }
        wait.finishWait(e);
    }

    /** up_read(). */
    public void upRead() {
        release(false);
    }

    /** up_write(). */
    public void upWrite() {
        release(true);
    }

    private void release(boolean write) {
        Scheduler s = k.sched();
        if (s.bootContext()) {
            return;
        }
        Task cur = s.current();
        cur.released(this);
        synchronized (wait) {
            if (write) {
                k.warnOn(writer != cur, () -> "DEBUG_RWSEMS_WARN_ON: up_write by non-owner of " + describe());
                writer = null;
            } else {
                k.warnOn(!readers.remove(cur), () -> "DEBUG_RWSEMS_WARN_ON: up_read by non-reader of " + describe());
            }
            wait.wakeUpLocked(0, null);
        }
        s.point(write ? "up_write" : "up_read");
    }

    @Override
    public String describe() {
        return "rwsem " + name;
    }

    @Override
    public List<Object> owedBy() {
        synchronized (wait) {
            List<Object> l = new ArrayList<>(readers);
            if (writer != null) {
                l.add(writer);
            }
            return l;
        }
    }

    @Override
    public String toString() {
        return describe();
    }
}

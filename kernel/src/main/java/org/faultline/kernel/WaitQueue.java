package org.faultline.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * A wait queue ({@code wait_queue_head_t}, kernel/sched/wait.c): entries with flags and a wake
 * function, walked in order by {@link #wakeUpLocked}. Exclusive waiters count against
 * {@code nrExclusive}; a wake function returning a negative value stops the walk.
 *
 * <p>The queue's spinlock is this object's monitor: compound operations (check a condition, then
 * enqueue) hold it with {@code synchronized (q)}; nothing that can switch tasks runs under it.
 */
@KernelSource("kernel/sched/wait.c")
public final class WaitQueue {
    /** wait_queue_entry flags. */
    public static final int WQ_FLAG_EXCLUSIVE = 0x01;
    public static final int WQ_FLAG_WOKEN = 0x02;
    public static final int WQ_FLAG_BOOKMARK = 0x04;
    public static final int WQ_FLAG_CUSTOM = 0x08;
    public static final int WQ_FLAG_DONE = 0x10;

    private final List<Entry> entries = new ArrayList<>(); // guarded by this
    private final Kernel k;

    public WaitQueue(Kernel k) {
        this.k = k;
    }

    /** A wake function: returns &lt;0 to stop the walk, &gt;0 if it woke an exclusive waiter. */
    @FunctionalInterface
    public interface WakeFunction {
        int wake(Entry e, Object key);
    }

    /** One waiter ({@code struct wait_queue_entry}). Fields guarded by the queue's monitor. */
    public static final class Entry {
        public final Task task;
        public volatile int flags;
        final WakeFunction func;
        boolean queued;
        /** Waiter-specific data for the wake function (the page and bit, for page waits). */
        public final Object data;

        public Entry(Task task, int flags, WakeFunction func, Object data) {
            this.task = task;
            this.flags = flags;
            this.func = func;
            this.data = data;
        }

        public boolean queued() {
            return queued;
        }
    }

    /** autoremove_wake_function(): wakes the task and, if it was asleep, removes the entry. */
    public static int autoremoveWakeFunction(Entry e, Object key) {
        boolean woke = e.task.kernel.sched().wakeUpProcess(e.task);
        if (woke) {
            e.queued = false; // the caller's walk removes it
        }
        return woke ? 1 : 0;
    }

    /** add_wait_queue(): at the head. */
    public synchronized void addHead(Entry e) {
        entries.add(0, e);
        e.queued = true;
    }

    /** add_wait_queue_entry_tail / add_wait_queue_exclusive: at the tail. */
    public synchronized void addTail(Entry e) {
        entries.add(e);
        e.queued = true;
    }

    /** list_del_init(): removes the entry if queued. */
    public synchronized void remove(Entry e) {
        if (e.queued) {
            entries.remove(e);
            e.queued = false;
        }
    }

    /** waitqueue_active(). */
    public synchronized boolean active() {
        return !entries.isEmpty();
    }

    /**
     * __wake_up_common(): walks the entries in order, calling each wake function with {@code key}.
     * Entries whose function dequeued them ({@code queued == false}) are removed.
     *
     * @param nrExclusive exclusive waiters to wake at most (0 = all)
     * Context: caller holds this queue's monitor.
     */
    public void wakeUpLocked(int nrExclusive, Object key) {
        int left = nrExclusive;
        // Wake functions dequeue only their own entry (queued = false), which the walk removes; they
        // never add entries, so walking by position visits each entry queued at the start once.
        for (int i = 0; i < entries.size(); ) {
            Entry e = entries.get(i);
            int ret = e.func.wake(e, key);
            if (!e.queued) {
                entries.remove(i);
            } else {
                i++;
            }
            if (ret < 0) {
                break;
            }
            if (ret > 0 && (e.flags & WQ_FLAG_EXCLUSIVE) != 0 && left > 0 && --left == 0) {
                break;
            }
        }
    }

    /** wake_up(): wakes every non-exclusive waiter and one exclusive waiter. */
    public void wakeUp() {
        synchronized (this) {
            wakeUpLocked(1, null);
        }
        k.sched().point("wake_up");
    }

    /** wake_up_all(). */
    public void wakeUpAll() {
        synchronized (this) {
            wakeUpLocked(0, null);
        }
        k.sched().point("wake_up_all");
    }

    /**
     * wait_event(): sleeps until {@code cond} holds, re-checking after every wake-up.
     *
     * @param cond evaluated with the task's state already set, so a wake-up cannot be lost
     * @param on   what the task waits on, for the wait-for graph
     */
    public void waitEvent(java.util.function.BooleanSupplier cond, WaitTarget on) {
        waitEvent(cond, on, false);
    }

    /**
     * wait_event_idle() (and the interruptible waits of idle kernel threads): as
     * {@link #waitEvent}, in a sleep the hung-task watchdog does not report.
     */
    public void waitEventIdle(java.util.function.BooleanSupplier cond, WaitTarget on) {
        waitEvent(cond, on, true);
    }

    private void waitEvent(java.util.function.BooleanSupplier cond, WaitTarget on, boolean idle) {
        if (cond.getAsBoolean()) {
            return;
        }
        Scheduler s = k.sched();
        Entry e = new Entry(s.current(), 0, WaitQueue::autoremoveWakeFunction, null);
        for (;;) {
            prepareToWait(e, on, false, idle);
            if (cond.getAsBoolean()) {
                break;
            }
            s.schedule();
        }
        finishWait(e);
    }

    /**
     * wait_event_timeout(): sleeps until {@code cond} holds or {@code ns} of kernel time pass.
     *
     * @return true if the condition held (possibly right at the timeout), false on timeout
     */
    public boolean waitEventTimeout(java.util.function.BooleanSupplier cond, long ns, WaitTarget on) {
        if (cond.getAsBoolean()) {
            return true;
        }
        Scheduler s = k.sched();
        Task cur = s.current();
        Entry e = new Entry(cur, 0, WaitQueue::autoremoveWakeFunction, null);
        long deadline = s.clockNs() + ns;
        boolean ok;
        for (;;) {
            prepareToWait(e, on, false);
            if (cond.getAsBoolean()) {
                ok = true;
                break;
            }
            if (s.clockNs() >= deadline) {
                ok = false;
                break;
            }
            cur.timedOut = false;
            cur.sleepDeadlineNs = deadline;
            s.schedule();
            if (cur.timedOut) {
                ok = cond.getAsBoolean();
                break;
            }
        }
        finishWait(e);
        return ok;
    }

    /** prepare_to_wait(): queues the entry if it is not queued and sets the task to sleep. */
    public void prepareToWait(Entry e, WaitTarget on, boolean exclusive) {
        prepareToWait(e, on, exclusive, false);
    }

    private void prepareToWait(Entry e, WaitTarget on, boolean exclusive, boolean idle) {
        synchronized (this) {
            if (exclusive) {
                e.flags |= WQ_FLAG_EXCLUSIVE;
            }
            if (!e.queued) {
                if (exclusive) {
                    addTail(e);
                } else {
                    addHead(e);
                }
            }
            if (idle) {
                k.sched().prepareToSleepIdle(on);
            } else {
                k.sched().prepareToSleep(on);
            }
        }
    }

    /** finish_wait(): sets the task running and dequeues the entry. */
    public void finishWait(Entry e) {
        k.sched().setRunning();
        remove(e);
    }
}

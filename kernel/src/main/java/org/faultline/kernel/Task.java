package org.faultline.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * An emulated thread of execution ({@code struct task_struct}): a user task, a kthread, or softirq
 * context. Each runs on its own host thread — under the controlled scheduler a virtual thread on the
 * execution's {@link Cpu} where the JDK allows, and only one at a time.
 *
 * <p>Fields and who writes them:
 * <ul>
 *   <li>{@code state}, {@code onRq}: written by the task itself (sleep) and by wakers, read by the
 *       scheduler and the watchdog; volatile.</li>
 *   <li>{@code waitingOn}, {@code plug}, {@code flags}, {@code preemptCount}, {@code held}: written only
 *       by the task itself; read by other threads only for reports.</li>
 * </ul>
 */
public final class Task {
    /** Allocating for reclaim: never recurse into reclaim. */
    public static final int PF_MEMALLOC = 0x0000_0800;
    /** Allocations must not enter the filesystem ({@code memalloc_nofs_save}). */
    public static final int PF_MEMALLOC_NOFS = 0x0004_0000;
    /** This is kswapd. */
    public static final int PF_KSWAPD = 0x0002_0000;
    /** A kernel thread. */
    public static final int PF_KTHREAD = 0x0020_0000;

    static final int TASK_RUNNING = 0;
    static final int TASK_UNINTERRUPTIBLE = 2;
    static final int TASK_DEAD = 0x80;

    final int pid;
    final String comm;
    final TaskKind kind;
    /** Free-running: whether its thread was started (once, by spawn or by the run's start). */
    final java.util.concurrent.atomic.AtomicBoolean threadStarted = new java.util.concurrent.atomic.AtomicBoolean();
    final Runnable body;
    final Kernel kernel;
    int flags;                              // written by the task itself
    volatile int state = TASK_RUNNING;      // set by the task (sleep) and by wakers
    volatile boolean onRq = true;           // false while blocked in schedule()
    volatile WaitTarget waitingOn;          // what the task sleeps on, for the wait-for graph
    volatile long sleepDeadlineNs = -1;     // schedule_timeout deadline on the kernel clock, or -1
    volatile boolean timedOut;              // set when a schedule_timeout deadline woke the task
    volatile boolean shouldStop;            // kthread_should_stop()
    volatile long wakeups;                  // count of wake-ups received, for the hung-task watchdog
    volatile long sleptAtNs;                // clock time the task last blocked, for the hung-task watchdog
    volatile boolean idleSleep;             // TASK_IDLE / an interruptible idle wait: the watchdog ignores it
    TaskPlug plug;                          // current->plug
    int preemptCount;                       // spin locks held (atomic context)
    final List<Object> held = new ArrayList<>(); // locks held, in acquisition order, for reports
    Thread thread;                          // a TaskThread, or a virtual thread on the execution's Cpu
    volatile boolean exited;
    // per-task state of higher layers: key class, value, key class, value... (a few, searched by identity)
    private volatile Object[] ext = new Object[0];

    Task(Kernel kernel, int pid, String comm, TaskKind kind, Runnable body) {
        this.kernel = kernel;
        this.pid = pid;
        this.comm = comm;
        this.kind = kind;
        this.body = body;
        if (kind != TaskKind.USER) {
            flags |= PF_KTHREAD;
        }
    }

    /** The task of a virtual task thread (a platform one is a {@link TaskThread}). */
    static final ThreadLocal<Task> VIRTUAL_CURRENT = new ThreadLocal<>();

    /** The task running on this host thread, or null outside any task. */
    public static Task current() {
        Thread t = Thread.currentThread();
        return t instanceof TaskThread tt ? tt.task : VIRTUAL_CURRENT.get();
    }

    public int pid() {
        return pid;
    }

    public String comm() {
        return comm;
    }

    public TaskKind kind() {
        return kind;
    }

    public Kernel kernel() {
        return kernel;
    }

    public int flags() {
        return flags;
    }

    /** Sets PF_* flags; returns the old flags (for {@code memalloc_nofs_save}-style restore). */
    public int setFlags(int set) {
        int old = flags;
        flags |= set;
        return old;
    }

    /** Restores flags saved by {@link #setFlags}. */
    public void restoreFlags(int old) {
        flags = old;
    }

    public TaskPlug plug() {
        return plug;
    }

    /** Installs (or with null removes) the task's plug; returns the previous one. */
    public TaskPlug setPlug(TaskPlug p) {
        TaskPlug old = plug;
        plug = p;
        return old;
    }

    /** What the task sleeps on, or null while it runs. */
    public WaitTarget waitingOn() {
        return waitingOn;
    }

    public boolean isSleeping() {
        return state == TASK_UNINTERRUPTIBLE && !onRq;
    }

    public boolean hasExited() {
        return exited;
    }

    /** Forgets a released lock: the most recent acquisition of it (locks mostly nest). */
    void released(Object lock) {
        for (int i = held.size() - 1; i >= 0; i--) {
            if (held.get(i) == lock) {
                held.remove(i);
                return;
            }
        }
    }

    /** Locks the task holds, oldest first (for reports). */
    public List<Object> held() {
        return held;
    }

    /** True in atomic context: holding a spin lock, or running as softirq. */
    public boolean inAtomic() {
        return preemptCount > 0 || softirqActive;
    }

    boolean softirqActive;

    /**
     * Enters or leaves softirq processing (bio completion runs inside it): sleeping there is a bug.
     *
     * @return the previous setting, to restore
     */
    public boolean setSoftirqActive(boolean on) {
        boolean old = softirqActive;
        softirqActive = on;
        return old;
    }

    /** kthread_should_stop(). */
    public boolean kthreadShouldStop() {
        return shouldStop;
    }

    /** Per-task state owned by higher layers (memcg membership, mm_struct), keyed by its class. */
    public <T> T ext(Class<T> key) {
        Object[] e = ext;
        for (int i = 0; i < e.length; i += 2) {
            if (e[i] == key) {
                return key.cast(e[i + 1]);
            }
        }
        return null;
    }

    /** Sets per-task state. Context: the task itself, or before it runs. */
    public <T> void setExt(Class<T> key, T value) {
        Object[] e = ext;
        for (int i = 0; i < e.length; i += 2) {
            if (e[i] == key) {
                e[i + 1] = value;
                return;
            }
        }
        Object[] more = java.util.Arrays.copyOf(e, e.length + 2);
        more[e.length] = key;
        more[e.length + 1] = value;
        ext = more;
    }

    /** {@code comm:pid}, as the kernel prints tasks. */
    @Override
    public String toString() {
        return comm + ":" + pid;
    }

    /** The host thread a task runs on; lets {@link #current()} find the task without a ThreadLocal. */
    static final class TaskThread extends Thread {
        final Task task;

        TaskThread(Task task, Runnable r) {
            super(r, "task-" + task.comm + "-" + task.pid);
            this.task = task;
            setDaemon(true);
        }
    }
}

package org.faultline.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The emulated CPU world: tasks, sleeping and waking, preemption points and the clock
 * ({@code kernel/sched/core.c}). Two implementations run the same kernel code:
 * <ul>
 *   <li>{@link FreeScheduler} — measurement: each task is a host thread running in parallel, points are
 *       nearly free, waits really block, time is real.</li>
 *   <li>{@link ControlledScheduler} — reproduction: exactly one task runs at a time; at every
 *       preemption point a {@link Strategy} picks the next runnable task; time is virtual.</li>
 * </ul>
 *
 * <p>Sleeping follows the kernel's protocol, so lost wake-ups are impossible in both modes:
 * <pre>
 *   prepareToSleep(target);        // set_current_state(TASK_UNINTERRUPTIBLE)
 *   if (!condition) schedule();    // blocks unless a waker already set us RUNNING
 *   setRunning();                  // __set_current_state(TASK_RUNNING)
 * </pre>
 * and a waker calls {@link #wakeUpProcess}. A task preempted between the two is still runnable.
 *
 * <p>Rule for everything in kernel/: never block, switch tasks or call {@link #point} while holding a
 * Java monitor; monitors guard only short critical sections over a primitive's own fields.
 */
public abstract class Scheduler {
    private static final AtomicIntegerFieldUpdater<Task> STATE =
            AtomicIntegerFieldUpdater.newUpdater(Task.class, "state");

    protected final Kernel k;
    protected final List<Task> tasks = new ArrayList<>(); // every task ever spawned, pid order; guarded by this
    private int nextPid = 1;
    protected volatile boolean ended;

    protected Scheduler(Kernel k) {
        this.k = k;
    }

    /** True for the controlled (deterministic) scheduler. */
    public abstract boolean controlled();

    /** The task running on this host thread. */
    public Task current() {
        return Task.current();
    }

    /**
     * Creates a task ({@code kernel_thread}/{@code fork}). Before {@link #run} it waits; during a run it
     * becomes runnable at once.
     *
     * @param comm the task's name, as {@code ps} would print it
     * @param kind user task, kthread or softirq context
     * @param body what the task runs; the task exits when it returns
     */
    public Task spawn(String comm, TaskKind kind, Runnable body) {
        Task t;
        synchronized (this) {
            t = new Task(k, nextPid++, comm, kind, body);
            tasks.add(t);
        }
        t.thread = newThread(t, () -> taskMain(t));
        onSpawn(t);
        return t;
    }

    /** The host thread a task runs on: by default a platform {@link Task.TaskThread}. */
    protected Thread newThread(Task t, Runnable body) {
        return new Task.TaskThread(t, body);
    }

    /**
     * True on the boot thread before {@link #run}: kernel setup (mounting, creating devices) runs
     * there with nothing else able to run, so locks need not be taken — as in the kernel's early
     * boot. Using a primitive from a non-task thread during a run is an error.
     *
     * @throws IllegalStateException if called outside any task while the kernel runs
     */
    public final boolean bootContext() {
        if (current() != null) {
            return false;
        }
        if (running) {
            throw new IllegalStateException("kernel primitive used outside any task while the kernel runs");
        }
        return true;
    }

    /** Set when {@link #run} starts. */
    protected volatile boolean running;

    /** A snapshot of every task spawned so far, in pid order. */
    public synchronized List<Task> tasks() {
        return new ArrayList<>(tasks);
    }

    protected abstract void onSpawn(Task t);

    /** A preemption point: under control, the strategy may switch to another task here. */
    public abstract void point(String site);

    /** cond_resched(). */
    public void condResched() {
        point("cond_resched");
    }

    /** set_current_state(TASK_UNINTERRUPTIBLE), recording what the task is about to wait on. */
    public void prepareToSleep(WaitTarget on) {
        Task cur = current();
        cur.waitingOn = on;
        cur.state = Task.TASK_UNINTERRUPTIBLE;
    }

    /**
     * set_current_state(TASK_IDLE): a sleep that is no sign of trouble however long it lasts — a
     * kernel thread waiting for work, a parent in wait4() — so khungtaskd's check_hung_task()
     * passes over it (the kernel's idle daemons sleep TASK_INTERRUPTIBLE or TASK_IDLE).
     */
    public void prepareToSleepIdle(WaitTarget on) {
        prepareToSleep(on);
        current().idleSleep = true;
    }

    /** __set_current_state(TASK_RUNNING): the task no longer intends to sleep. */
    public void setRunning() {
        Task cur = current();
        cur.idleSleep = false;
        cur.state = Task.TASK_RUNNING;
        cur.waitingOn = null;
        cur.sleepDeadlineNs = -1;
    }

    /**
     * schedule(): if the current task has set itself to sleep, flush its plug
     * ({@code sched_submit_work}) and block until woken; otherwise just a preemption point.
     * Sleeping in atomic context is reported ("scheduling while atomic").
     */
    public final void schedule() {
        Task cur = current();
        if (cur.state == Task.TASK_RUNNING) {
            point("schedule");
            return;
        }
        if (cur.inAtomic()) {
            k.invariant("BUG: scheduling while atomic: " + cur.comm + "/" + cur.pid + "/0x"
                    + Integer.toHexString(cur.preemptCount) + " (waiting for "
                    + (cur.waitingOn == null ? "?" : cur.waitingOn.describe()) + ")");
        }
        TaskPlug plug = cur.plug;
        if (plug != null) {
            plug.flush(true); // sched_submit_work -> blk_schedule_flush_plug
        }
        if (cur.state == Task.TASK_RUNNING) {
            return; // woken while flushing
        }
        cur.sleptAtNs = clockNs();
        block(cur);
    }

    /**
     * Waits for a contended spin lock: the CPU spins, it does not sleep, so no atomic-context check and
     * no plug flush; under control the spinner is simply not runnable until the lock is released.
     */
    final void spinWait() {
        Task cur = current();
        if (cur.state == Task.TASK_UNINTERRUPTIBLE) {
            block(cur);
        }
    }

    /**
     * Whether a contended spin lock may busy-wait on the host CPU before queueing: the free-running
     * scheduler (real parallel threads) does; under control only one task runs, so spinning would
     * never see the owner release.
     */
    public boolean busyWaits() {
        return !controlled();
    }

    /** Blocks {@code cur} (state UNINTERRUPTIBLE) until a waker or its timer sets it RUNNING. */
    protected abstract void block(Task cur);

    /**
     * wake_up_process(): makes a sleeping task runnable. Does not switch to it.
     *
     * @return true if the task was sleeping (try_to_wake_up's result)
     */
    public boolean wakeUpProcess(Task t) {
        if (STATE.compareAndSet(t, Task.TASK_UNINTERRUPTIBLE, Task.TASK_RUNNING)) {
            t.wakeups++;
            onWake(t);
            return true;
        }
        return false;
    }

    /** Makes a task set RUNNING by a waker actually run again. */
    protected abstract void onWake(Task t);

    /**
     * schedule_timeout_uninterruptible(): sleeps until woken or {@code ns} of kernel time pass.
     *
     * @return true if woken before the timeout
     */
    public boolean scheduleTimeout(long ns, WaitTarget on) {
        Task cur = current();
        prepareToSleep(on);
        cur.timedOut = false;
        cur.sleepDeadlineNs = clockNs() + ns;
        schedule();
        boolean timedOut = cur.timedOut;
        setRunning();
        return !timedOut;
    }

    /** msleep(): sleeps {@code ms} of kernel time (virtual under control). */
    public void msleep(long ms) {
        scheduleTimeout(ms * 1_000_000L, new Timer(ms));
    }

    /** Times a timer sleep out: called by the implementations when the deadline passes. */
    protected final boolean expireTimer(Task t) {
        if (STATE.compareAndSet(t, Task.TASK_UNINTERRUPTIBLE, Task.TASK_RUNNING)) {
            t.timedOut = true;
            return true;
        }
        return false;
    }

    /** Kernel clock in nanoseconds since boot: virtual under control, real when free-running. */
    public abstract long clockNs();

    /** Decisions taken so far (controlled), 0 when free-running. */
    public abstract long step();

    /** A random value from the strategy (controlled, recorded) or a seeded generator (free). */
    public abstract long nextRandom();

    /** Runs until every user task has exited and the kthreads have stopped, or a fatal failure. */
    abstract RunResult run();

    /** Ends the execution after a fatal failure: other tasks are unwound. */
    abstract void endExecution();

    boolean ended() {
        return ended;
    }

    /** Throws if the execution has ended, so tasks unwind. */
    protected final void checkEnded() {
        if (ended) {
            throw new ExecutionAborted();
        }
    }

    private void taskMain(Task t) {
        if (!(Thread.currentThread() instanceof Task.TaskThread)) {
            Task.VIRTUAL_CURRENT.set(t);
        }
        try {
            awaitFirstTurn(t);
            t.body.run();
        } catch (KernelBugError | ExecutionAborted e) {
            // reported already, or unwinding after the end
        } catch (Replay.NondeterminismException e) {
            k.report(new Failure(Failure.Kind.NONDETERMINISM, e.getMessage(), e.getMessage(), step(), t.pid), true);
        } catch (RuntimeException | StackOverflowError | AssertionError e) {
            k.emulatorBug(t, e);
        } finally {
            exit(t);
        }
    }

    protected abstract void awaitFirstTurn(Task t);

    /** do_exit(): the task is gone; under control the next one is picked. */
    protected abstract void exit(Task t);

    /** A timer sleep, as a wait target. */
    private record Timer(long ms) implements WaitTarget {
        @Override
        public String describe() {
            return "timer (" + ms + " ms)";
        }
    }
}

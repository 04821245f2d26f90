package org.faultline.kernel;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The deterministic scheduler: exactly one task holds the baton ({@link #current}) and runs; at
 * every preemption point the {@link Strategy} picks the next runnable task, and the choice is
 * recorded. Time is virtual: it advances only when no task is runnable and some sleep on a timer.
 *
 * <p>Overview (for maintainers). Each task has its own thread, parked while it does not hold the
 * baton: a virtual thread on the execution's {@link Cpu} (all of them run by the thread in
 * {@link #run}), or a platform thread where the JDK does not allow that. A switch stores the next
 * task in {@code current} (volatile) and unparks its thread; the old thread parks until
 * {@code current} names it again. So all kernel state is touched
 * by one thread at a time, with a happens-before edge at every switch. When no task is runnable:
 * fire due timers (advancing the clock), else ask kthreads to stop if user tasks are all done, else
 * the execution is over — normally if every task exited, as a deadlock otherwise.
 *
 * <p>An execution ends when every task has exited or at the first fatal failure; {@link #run} then
 * unwinds the parked threads with {@link ExecutionAborted} and joins them.
 */
public final class ControlledScheduler extends Scheduler {
    private final Strategy strategy;
    private final Schedule.Recorder recorder = new Schedule.Recorder();
    private final long maxDecisions;
    /**
     * Preemption points allowed per scheduling decision of the bound: the built-in scenarios reach
     * at most about 15 points per decision, a task looping alone reaches points without decisions.
     */
    static final long POINTS_PER_DECISION = 64;

    private long maxPoints() {
        return maxDecisions > Long.MAX_VALUE / POINTS_PER_DECISION ? Long.MAX_VALUE : maxDecisions * POINTS_PER_DECISION;
    }
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Task current;       // the task holding the baton
    private long decisions;              // choices among >= 2 runnable tasks
    private long points;                 // preemption points reached
    private long clockNs;                // virtual time
    private boolean stopRequested;       // kthreads were asked to stop
    private boolean started;
    private final RunQueue runQueue = new RunQueue();
    private long rqChanges;              // bumped whenever a task's onRq or exited changes, or one is spawned
    // every task spawned, pid order: written by the spawner, read by the baton holder (the baton's
    // volatile hand-over orders the two), so the hot path scans it without the scheduler's monitor
    private Task[] all = new Task[0];
    private final int[] pidScratch = new int[256];
    private final Cpu cpu = new Cpu();
    /** Host time a run may make no progress before it is reported as an emulator stall. */
    private static final long STALL_NS = TimeUnit.MINUTES.toNanos(30);

    ControlledScheduler(Kernel k, Strategy strategy, long maxDecisions) {
        super(k);
        this.strategy = strategy;
        this.maxDecisions = maxDecisions;
    }

    @Override
    public boolean controlled() {
        return true;
    }

    @Override
    protected Thread newThread(Task t, Runnable body) {
        return cpu.newThread(t, body);
    }

    @Override
    protected void onSpawn(Task t) {
        Task[] more = java.util.Arrays.copyOf(all, all.length + 1);
        more[all.length] = t;
        all = more;
        rqChanges++;
        strategy.onSpawn(t);
        if (started) {
            t.thread.start();
        }
    }

    @Override
    public void point(String site) {
        checkEnded();
        Task cur = current();
        points++;
        if (cur == null || cur != current) {
            return; // host thread (boot, tests) outside any task: nothing to schedule
        }
        if (points > maxPoints()) {
            // one task running alone (a long loop) takes no scheduling decisions: bound its points too
            k.report(new Failure(Failure.Kind.HANG, "livelock: no end after " + maxPoints() + " preemption points",
                    "livelock: the run did not end within " + maxPoints() + " preemption points ("
                            + POINTS_PER_DECISION + " x --max-steps; " + decisions + " scheduling decisions)\n"
                            + WaitForGraph.taskStates(this), decisions, cur.pid), true);
            throw new ExecutionAborted();
        }
        Task next = pick(cur);
        if (next != cur) {
            if (k.tracing()) {
                k.trace("sched_switch " + cur + " => " + next + " at " + site);
            }
            switchTo(cur, next);
        }
    }

    @Override
    protected void block(Task cur) {
        cur.onRq = false;
        rqChanges++;
        Task next = pickOrIdle(cur);
        if (next == null) {
            throw new ExecutionAborted(); // the execution ended (deadlock reported)
        }
        if (next != cur) {
            if (k.tracing()) {
                k.trace("sched_switch " + cur + " => " + next + " sleeping on "
                        + (cur.waitingOn == null ? "?" : cur.waitingOn.describe()));
            }
            switchTo(cur, next);
        }
    }

    @Override
    protected void onWake(Task t) {
        t.onRq = true;
        rqChanges++;
    }

    @Override
    public long clockNs() {
        return clockNs;
    }

    @Override
    public long step() {
        return decisions;
    }

    /** Preemption points reached so far. */
    public long points() {
        return points;
    }

    @Override
    public long nextRandom() {
        long v = strategy.nextLong();
        recorder.random(v);
        return v;
    }

    private List<Task> runnable() {
        RunQueue q = runQueue;
        if (q.version == rqChanges) {
            return q; // nothing woke, slept, exited or was spawned since the last scan
        }
        q.version = rqChanges;
        q.size = 0;
        Task[] a = all;
        if (q.tasks.length < a.length) {
            q.tasks = new Task[a.length];
        }
        for (Task t : a) {
            if (t.onRq && !t.exited) {
                q.tasks[q.size++] = t;
            }
        }
        return q;
    }

    /** The runnable tasks at a point, in pid order: a read-only list over an array refilled each time. */
    private static final class RunQueue extends java.util.AbstractList<Task> implements java.util.RandomAccess {
        Task[] tasks = new Task[8];
        int size;
        long version = -1;   // the rqChanges its contents were scanned at

        @Override
        public Task get(int i) {
            if (i >= size) {
                throw new IndexOutOfBoundsException(i);
            }
            return tasks[i];
        }

        @Override
        public int size() {
            return size;
        }
    }

    /** The baton holder, if the calling thread is its thread: no thread-local lookup on the hot path. */
    @Override
    public Task current() {
        Task c = current;
        return c != null && c.thread == Thread.currentThread() ? c : Task.current();
    }

    /** Picks the next task among the runnable ones (cur is runnable). */
    private Task pick(Task cur) {
        List<Task> r = runnable();
        return r.size() == 1 ? r.get(0) : decide(r, cur);
    }

    private Task decide(List<Task> r, Task cur) {
        if (decisions >= maxDecisions) {
            k.report(new Failure(Failure.Kind.HANG, "livelock: no end after " + maxDecisions + " scheduling decisions",
                    "livelock: the run did not end within " + maxDecisions + " scheduling decisions (--max-steps)\n"
                            + WaitForGraph.taskStates(this), decisions, cur == null ? 0 : cur.pid), true);
            throw new ExecutionAborted();
        }
        int n = Math.min(r.size(), pidScratch.length);
        for (int i = 0; i < n; i++) {
            pidScratch[i] = r.get(i).pid;
        }
        recorder.runnableSet(pidScratch, n);
        Task next;
        try {
            next = strategy.nextTask(r, cur != null && cur.onRq ? cur : null, decisions);
        } catch (Replay.NondeterminismException e) {
            k.report(new Failure(Failure.Kind.NONDETERMINISM, e.getMessage(), e.getMessage() + "\n"
                    + WaitForGraph.taskStates(this), decisions, cur == null ? 0 : cur.pid), true);
            throw new ExecutionAborted();
        }
        decisions++;
        recorder.choice(next.pid);
        return next;
    }

    /**
     * Picks the next task when {@code cur} can no longer run (it blocked or exited). Handles idle:
     * timers, stopping kthreads, the end of the execution, and deadlock.
     *
     * @return the next task, or null when the execution has ended
     */
    private Task pickOrIdle(Task cur) {
        for (;;) {
            List<Task> r = runnable();
            if (!r.isEmpty()) {
                return r.size() == 1 ? r.get(0) : decide(r, null);
            }
            if (!stopRequested && !userTasksLive()) {
                // every user task is gone: stop the kthreads before any periodic timer of theirs fires
                stopRequested = true;
                stopKthreads();
                continue;
            }
            if (fireTimers()) {
                continue;
            }
            if (liveTasks() > 0) {
                k.report(WaitForGraph.deadlockFailure(k, this, decisions), true);
            } else {
                finish();
            }
            return null;
        }
    }

    private boolean fireTimers() {
        long earliest = Long.MAX_VALUE;
        for (Task t : all) {
            if (!t.exited && !t.onRq && t.sleepDeadlineNs >= 0) {
                earliest = Math.min(earliest, t.sleepDeadlineNs);
            }
        }
        if (earliest == Long.MAX_VALUE) {
            return false;
        }
        clockNs = Math.max(clockNs, earliest);
        for (Task t : all) {
            if (!t.exited && !t.onRq && t.sleepDeadlineNs >= 0 && t.sleepDeadlineNs <= clockNs && expireTimer(t)) {
                t.onRq = true;
                rqChanges++;
            }
        }
        return true;
    }

    private boolean userTasksLive() {
        for (Task t : all) {
            if (!t.exited && t.kind == TaskKind.USER) {
                return true;
            }
        }
        return false;
    }

    private int liveTasks() {
        int n = 0;
        for (Task t : all) {
            n += t.exited ? 0 : 1;
        }
        return n;
    }

    private void stopKthreads() {
        for (Task t : tasks()) {
            if (!t.exited) {
                t.shouldStop = true;
                wakeUpProcess(t);
            }
        }
    }

    private void switchTo(Task cur, Task next) {
        current = next;
        LockSupport.unpark(next.thread);
        awaitTurn(cur);
    }

    private void awaitTurn(Task t) {
        while (current != t) {
            if (ended) {
                throw new ExecutionAborted();
            }
            LockSupport.park(this);
        }
        checkEnded();
    }

    @Override
    protected void awaitFirstTurn(Task t) {
        awaitTurn(t);
    }

    @Override
    protected void exit(Task t) {
        t.exited = true;
        t.onRq = false;
        rqChanges++;
        t.state = Task.TASK_DEAD;
        if (ended || current != t) {
            return;
        }
        try {
            Task next = pickOrIdle(t);
            if (next != null) {
                current = next;
                LockSupport.unpark(next.thread);
            }
        } catch (ExecutionAborted e) {
            // the pick itself ended the execution (livelock bound, divergence): already reported
        }
    }

    private void finish() {
        ended = true;
        done.countDown();
    }

    @Override
    void endExecution() {
        finish();
    }

    @Override
    RunResult run() {
        running = true;
        started = true;
        for (Task t : all) {
            t.thread.start();
        }
        try {
            Task first = pickOrIdle(null);
            if (first != null) {
                current = first;
                LockSupport.unpark(first.thread);
            }
            awaitDone();
        } catch (ExecutionAborted e) {
            // ended before any task ran: already reported
        }
        ended = true;
        for (Task t : tasks()) {
            LockSupport.unpark(t.thread);
        }
        if (Cpu.virtual()) {
            cpu.runUntil(this::allThreadsGone, STALL_NS); // they unwind with ExecutionAborted
        } else {
            for (Task t : tasks()) {
                joinQuietly(t.thread);
            }
        }
        return k.result(recorder.build(strategy.seed()), decisions, points);
    }

    private boolean allThreadsGone() {
        for (Task t : tasks()) {
            if (t.thread.isAlive()) {
                return false;
            }
        }
        return true;
    }

    /** Until the execution ends: virtual task threads run here, platform ones run by themselves. */
    private void awaitDone() {
        // Safety net against a bug in the emulator itself (a task blocked on a host lock): the
        // controlled run is a pure function of its schedule, so a real-time limit never changes it.
        boolean progressed;
        if (Cpu.virtual()) {
            progressed = cpu.runUntil(() -> ended, STALL_NS);
        } else {
            try {
                progressed = done.await(STALL_NS, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                progressed = true;
            }
        }
        if (!progressed) {
            k.report(new Failure(Failure.Kind.HANG, "emulator stall: controlled run made no progress",
                    "controlled run made no progress for 30 minutes of host time\n"
                            + WaitForGraph.taskStates(this), decisions, 0), true);
        }
    }

    private static void joinQuietly(Thread t) {
        try {
            if (t.getState() != Thread.State.NEW) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

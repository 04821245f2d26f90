package org.faultline.kernel;

import java.util.concurrent.locks.LockSupport;

/**
 * The free-running scheduler, for measurement: every task is a host thread running in parallel,
 * preemption points cost a volatile read, waits really block, and time is real (monotonic, from
 * boot). Deadlocks are caught by a hung-task watchdog on the thread that called {@link #run}: it
 * reports a wait-for cycle that stays unchanged over two checks, and any task blocked longer than
 * {@code hungTaskTimeoutMs} ({@code khungtaskd}).
 */
public final class FreeScheduler extends Scheduler {
    private final long bootNanos = System.nanoTime();
    private final long hungTaskTimeoutMs;
    private final long checkIntervalMs;
    private final Prng rng;
    private volatile boolean started;
    private volatile Thread host;   // the thread in run(), woken when a task exits

    FreeScheduler(Kernel k, long seed, long hungTaskTimeoutMs) {
        super(k);
        this.rng = new Prng(seed);
        this.hungTaskTimeoutMs = hungTaskTimeoutMs;
        this.checkIntervalMs = Math.max(10, Math.min(500, hungTaskTimeoutMs / 4));
    }

    @Override
    public boolean controlled() {
        return false;
    }

    @Override
    protected void onSpawn(Task t) {
        if (started) {
            startOnce(t);
        }
    }

    /**
     * Starts a task's thread unless already started: a task spawned from a host thread while
     * {@link #run} starts the others (a FUSE request as the mount comes up) is seen by both.
     */
    private static void startOnce(Task t) {
        if (t.threadStarted.compareAndSet(false, true)) {
            t.thread.start();
        }
    }

    @Override
    public void point(String site) {
        if (ended) {
            throw new ExecutionAborted();
        }
    }

    @Override
    protected void block(Task cur) {
        cur.onRq = false;
        try {
            while (cur.state == Task.TASK_UNINTERRUPTIBLE) {
                checkEnded();
                long deadline = cur.sleepDeadlineNs;
                if (deadline >= 0) {
                    long left = deadline - clockNs();
                    if (left <= 0) {
                        expireTimer(cur);
                        break;
                    }
                    LockSupport.parkNanos(this, left);
                } else {
                    LockSupport.park(this);
                }
            }
        } finally {
            cur.onRq = true;
        }
    }

    @Override
    protected void onWake(Task t) {
        LockSupport.unpark(t.thread);
    }

    @Override
    public long clockNs() {
        return System.nanoTime() - bootNanos;
    }

    @Override
    public long step() {
        return 0;
    }

    @Override
    public synchronized long nextRandom() {
        return rng.nextLong();
    }

    @Override
    protected void awaitFirstTurn(Task t) {
        // free-running: every task starts at once
    }

    @Override
    protected void exit(Task t) {
        t.exited = true;
        t.onRq = false;
        t.state = Task.TASK_DEAD;
        Thread h = host;
        if (h != null) {
            LockSupport.unpark(h);
        }
    }

    @Override
    void endExecution() {
        ended = true;
        Thread h = host;
        if (h != null) {
            LockSupport.unpark(h);
        }
        for (Task t : tasks()) {
            LockSupport.unpark(t.thread);
        }
    }

    @Override
    RunResult run() {
        running = true;
        host = Thread.currentThread();
        started = true;
        for (Task t : tasks()) {
            startOnce(t);
        }
        WaitForGraph.Watchdog dog = new WaitForGraph.Watchdog(k, this, hungTaskTimeoutMs);
        boolean stopping = false;
        while (!ended) {
            if (!stopping && !userTasksLive()) {
                stopping = true;
                for (Task t : tasks()) {
                    t.shouldStop = true;
                    wakeUpProcess(t);
                }
            }
            if (stopping && allExited()) {
                break;
            }
            sleepMs(checkIntervalMs);
            dog.check();
        }
        endExecution();
        for (Task t : tasks()) {
            try {
                t.thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return k.result(null, 0, 0);
    }

    private boolean userTasksLive() {
        for (Task t : tasks()) {
            if (!t.exited && t.kind == TaskKind.USER) {
                return true;
            }
        }
        return false;
    }

    private boolean allExited() {
        for (Task t : tasks()) {
            if (!t.exited) {
                return false;
            }
        }
        return true;
    }

    private static void sleepMs(long ms) {
        LockSupport.parkNanos(ms * 1_000_000L);
    }
}

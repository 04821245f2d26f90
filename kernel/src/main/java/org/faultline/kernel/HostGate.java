package org.faultline.kernel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * System calls from outside the emulated machine — a FUSE daemon's threads serving the host's
 * programs — each run by the emulated user task that stands for its calling process: the first call
 * of a caller spawns that task (its {@code comm} the caller's), which then sleeps, idle, until its
 * next call arrives, as a process between system calls. The host thread waits for the result.
 * Free-running kernels only: under the controlled scheduler no host thread may enter.
 *
 * <p>If the kernel's run ends (a panic, a deadlock, the gate closed), every call waiting or to come
 * returns {@link #DEAD}; the tasks exit when the gate is closed, each running the exit work its
 * creator gave ({@code do_exit}'s: closing the files it holds). An oops that kills only the task
 * serving a call (no panic_on_oops: {@link BootParams#panicOnOops}) fails that call with
 * {@link #KILLED} and the ones queued behind it with {@link #DEAD}; the task runs its exit work and
 * is gone. The caller's next call gets a fresh task, as the process's next system call would find
 * it, and the calls made on the dead task's behalf ({@link #callAs}, its open files) get
 * {@link #DEAD}.
 *
 * <p>Locking: the gate's monitor guards the task tables, each task's queue, its {@code killed}
 * and {@code closed}; a task's wait queue is woken after its request is queued (the wake-up is the
 * kernel's own).
 */
public final class HostGate {
    /** The result of a call the machine can no longer serve, or whose task is gone. */
    public static final long DEAD = Long.MIN_VALUE;
    /** The result of a call whose task an oops killed while it made the call. */
    public static final long KILLED = Long.MIN_VALUE + 1;

    private final Kernel k;
    private final Runnable onExit;
    private final Map<Integer, Caller> callers = new HashMap<>(); // by caller id: the live task standing for it
    private final Map<Integer, Caller> byTask = new HashMap<>();  // by emulated pid, every task spawned
    private final List<Caller> order = new ArrayList<>();         // spawn order, for close()
    private boolean closed;
    private final WaitQueue closing;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch open = new CountDownLatch(1);

    private static final class Request {
        final LongSupplier body;
        final CountDownLatch done = new CountDownLatch(1);
        volatile long result = DEAD;

        Request(LongSupplier body) {
            this.body = body;
        }
    }

    private final class Caller implements WaitTarget {
        final int id;
        final String comm;
        final WaitQueue wq;
        final ArrayDeque<Request> queue = new ArrayDeque<>();
        boolean killed;

        Caller(int id, String comm) {
            this.id = id;
            this.comm = comm;
            this.wq = new WaitQueue(k);
        }

        @Override
        public String describe() {
            return "the next system call of host process " + comm;
        }

        @Override
        public List<Object> owedBy() {
            return List.of();
        }
    }

    /**
     * @param onExit what a caller's task does as it exits, in its own context (do_exit's work: closing
     *               its files); after an oops it runs with whatever the oops left held, as do_exit does
     */
    public HostGate(Kernel k, Runnable onExit) {
        this.k = k;
        this.onExit = onExit;
        this.closing = new WaitQueue(k);
    }

    /**
     * For the machine's own task (its init): sleeps, idle, until the gate is closed — the machine
     * stays up while host processes may still call.
     */
    public void awaitClosed() {
        closing.waitEventIdle(this::closed, new WaitTarget() {
            @Override
            public String describe() {
                return "the host's unmount";
            }

            @Override
            public List<Object> owedBy() {
                return List.of();
            }
        });
    }

    /**
     * Runs {@code body} as a system call of the task standing for caller {@code id} (spawned on its
     * first call, or after an oops killed the last one, named {@code comm}'s answer, asked only then),
     * and returns its result; {@link #KILLED} if an oops killed the task making it, {@link #DEAD} if
     * the machine has stopped or the task was gone before it could make it. In {@code body},
     * {@code Task.current().pid()} names the task for {@link #callAs}.
     */
    public long call(int id, java.util.function.Supplier<String> comm, LongSupplier body) {
        Request r = new Request(body);
        Caller c;
        synchronized (this) {
            if (closed || k.sched().ended()) {
                return DEAD;
            }
            c = callers.get(id);
            if (c == null) {
                c = new Caller(id, comm.get());
                Caller me = c;
                Task t = k.spawn(me.comm, TaskKind.USER, () -> serve(me));
                callers.put(id, c);
                byTask.put(t.pid(), c);
                order.add(c);
            }
            c.queue.add(r);
        }
        return await(c, r);
    }

    /**
     * Runs {@code body} as a system call of the emulated task {@code pid} (a call on something it
     * holds, such as an open file); {@link #DEAD} if that task is gone or the machine has stopped.
     */
    public long callAs(int pid, LongSupplier body) {
        Request r = new Request(body);
        Caller c;
        synchronized (this) {
            c = byTask.get(pid);
            if (closed || k.sched().ended() || c == null || c.killed) {
                return DEAD;
            }
            c.queue.add(r);
        }
        return await(c, r);
    }

    /** The caller id the emulated task {@code pid} stands for, or -1. */
    public synchronized int callerOf(int pid) {
        Caller c = byTask.get(pid);
        return c == null ? -1 : c.id;
    }

    private long await(Caller c, Request r) {
        wake(c.wq);
        try {
            while (!r.done.await(100, TimeUnit.MILLISECONDS)) {
                if (k.sched().ended()) {
                    return DEAD;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return DEAD;
        }
        return r.result;
    }

    /** The task of one caller: its requests in order, until the gate closes or an oops kills it. */
    private void serve(Caller c) {
        for (;;) {
            c.wq.waitEventIdle(() -> hasWork(c), c);
            Request r;
            synchronized (this) {
                r = c.queue.poll();
            }
            if (r == null) {
                onExit.run(); // closed, nothing left: the task exits
                return;
            }
            try {
                r.result = r.body.getAsLong();
            } catch (KernelBugError e) { // make_task_dead(): this call and those queued behind it fail
                r.result = KILLED;
                r.done.countDown();
                killed(c);
                onExit.run();
                throw e;
            } finally {
                r.done.countDown();
            }
        }
    }

    private void killed(Caller c) {
        List<Request> orphans;
        synchronized (this) {
            c.killed = true;
            callers.remove(c.id, c);
            orphans = List.copyOf(c.queue);
            c.queue.clear();
        }
        for (Request o : orphans) {
            o.done.countDown();
        }
    }

    private synchronized boolean hasWork(Caller c) {
        return closed || !c.queue.isEmpty();
    }

    /** No more calls: each task finishes what it has and exits. */
    public void close() {
        List<Caller> all;
        synchronized (this) {
            closed = true;
            all = List.copyOf(order);
        }
        for (Caller c : all) {
            wake(c.wq);
        }
        wake(closing);
    }

    /**
     * Wakes {@code wq}'s tasks from a host thread. The machine may have stopped meanwhile — after a
     * close, its last tasks exit as soon as they see it, and the run ends — and then the wake-up's
     * scheduling point aborts, as it does for a task: for a host thread that only means nobody is left
     * to wake.
     */
    private static void wake(WaitQueue wq) {
        try {
            wq.wakeUpAll();
        } catch (ExecutionAborted e) {
            // the run ended: nothing to wake
        }
    }

    /** The host side says calls may come now (a FUSE mount is live). */
    public void opened() {
        open.countDown();
    }

    /** For a host thread: waits up to {@code ms} for {@link #opened}; whether it came. */
    public boolean awaitOpened(long ms) {
        return await(open, ms);
    }

    /** The machine's init says it has synced and unmounted after the close: nothing more will be written. */
    public void stopped() {
        stopped.countDown();
    }

    /** For a host thread (a signal's): waits up to {@code ms} for {@link #stopped}; whether it came. */
    public boolean awaitStopped(long ms) {
        return await(stopped, ms);
    }

    private static boolean await(CountDownLatch l, long ms) {
        try {
            return l.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Whether {@link #close} was called. */
    public synchronized boolean closed() {
        return closed;
    }
}

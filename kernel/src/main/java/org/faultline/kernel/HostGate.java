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
 * <p>If the kernel's run ends (an oops, a deadlock, the gate closed), every call waiting or to come
 * returns {@link #DEAD}; the tasks exit when the gate is closed.
 *
 * <p>Locking: the gate's monitor guards the task table, each task's queue and {@code closed}; a
 * task's wait queue is woken after its request is queued (the wake-up is the kernel's own).
 */
public final class HostGate {
    /** The result of a call the machine can no longer serve. */
    public static final long DEAD = Long.MIN_VALUE;

    private final Kernel k;
    private final Map<Integer, Caller> callers = new HashMap<>(); // by caller id
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
        final String comm;
        final WaitQueue wq;
        final ArrayDeque<Request> queue = new ArrayDeque<>();

        Caller(String comm) {
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

    public HostGate(Kernel k) {
        this.k = k;
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
     * first call, named {@code comm}'s answer, asked only then), and returns its result; {@link #DEAD}
     * if the machine has stopped.
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
                c = new Caller(comm.get());
                callers.put(id, c);
                order.add(c);
                Caller me = c;
                k.spawn(me.comm, TaskKind.USER, () -> serve(me));
            }
            c.queue.add(r);
        }
        c.wq.wakeUpAll();
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

    /** The task of one caller: its requests in order, until the gate closes. */
    private void serve(Caller c) {
        for (;;) {
            c.wq.waitEventIdle(() -> hasWork(c), c);
            Request r;
            synchronized (this) {
                r = c.queue.poll();
                if (r == null) {
                    return; // closed, nothing left
                }
            }
            try {
                r.result = r.body.getAsLong();
            } finally {
                r.done.countDown();
            }
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
            c.wq.wakeUpAll();
        }
        closing.wakeUpAll();
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

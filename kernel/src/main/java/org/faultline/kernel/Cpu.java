package org.faultline.kernel;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The one host CPU a controlled execution runs on (host-side, no kernel counterpart): its tasks are
 * virtual threads whose scheduler is this executor, and the thread that called
 * {@link ControlledScheduler#run} runs them, one continuation after another. A task switch is then a
 * continuation yield and resume on one host thread — well under a microsecond — instead of a futex
 * wake-up and a host context switch between two platform threads (about 2–20 µs, more on a busy
 * machine); and the executions of {@code --jobs} no longer compete for cores with parked threads.
 *
 * <p>Virtual threads with a chosen scheduler are not public API: the JDK's own builder for them
 * (Java 21 and later, {@code java.lang.ThreadBuilders$VirtualThreadBuilder(Executor)}) is reached by
 * reflection, which needs {@code --add-opens java.base/java.lang=ALL-UNNAMED} (the launcher and the
 * build pass it). Without it, or on Java 17, tasks are platform threads, as before: the same
 * schedules and traces, only slower. {@link #mode()} says which.
 *
 * <p>The baton protocol of {@link ControlledScheduler} is unchanged — {@code LockSupport.park} and
 * {@code unpark} — and so are its rules: nothing switches tasks while holding a Java monitor, so a
 * virtual thread never pins its carrier.
 */
final class Cpu implements Executor {
    private static final Constructor<?> VIRTUAL_BUILDER;
    private static final Method NAME;
    private static final Method UNSTARTED;
    private static final String WHY_PLATFORM;

    static {
        Constructor<?> b = null;
        Method name = null;
        Method unstarted = null;
        String why = null;
        try {
            Class<?> builder = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
            b = builder.getDeclaredConstructor(Executor.class);
            b.setAccessible(true);
            Class<?> api = Class.forName("java.lang.Thread$Builder");
            name = api.getMethod("name", String.class);
            unstarted = api.getMethod("unstarted", Runnable.class);
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            why = "Java " + Runtime.version().feature() + " has no virtual threads with a chosen scheduler";
            b = null;
        } catch (RuntimeException e) { // InaccessibleObjectException: java.lang not opened
            why = "java.lang is not opened to Faultline (--add-opens java.base/java.lang=ALL-UNNAMED)";
            b = null;
        }
        VIRTUAL_BUILDER = b;
        NAME = name;
        UNSTARTED = unstarted;
        WHY_PLATFORM = why;
    }

    private final ArrayDeque<Runnable> queue = new ArrayDeque<>(); // guarded by itself
    private volatile Thread carrier;      // the thread in runUntil

    /** @return "virtual threads", or "platform threads (why)" */
    static String mode() {
        return VIRTUAL_BUILDER != null ? "virtual threads" : "platform threads (" + WHY_PLATFORM + ")";
    }

    /** True when tasks run as virtual threads on this CPU; false: each is a platform thread. */
    static boolean virtual() {
        return VIRTUAL_BUILDER != null;
    }

    /** A task's thread: a virtual thread scheduled here, or a platform thread. */
    Thread newThread(Task t, Runnable body) {
        if (VIRTUAL_BUILDER == null) {
            return new Task.TaskThread(t, body);
        }
        try {
            Object b = VIRTUAL_BUILDER.newInstance(this);
            NAME.invoke(b, "task-" + t.comm + "-" + t.pid);
            return (Thread) UNSTARTED.invoke(b, body);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create a virtual thread", e);
        }
    }

    /** Queues a virtual thread's continuation (the JDK calls this when one is started or unparked). */
    @Override
    public void execute(Runnable r) {
        synchronized (queue) {
            queue.add(r);
        }
        if (Thread.currentThread() != carrier) {
            LockSupport.unpark(carrier); // the carrier may be idle (from a task: it is not, and this is cheap)
        }
    }

    /**
     * Runs queued continuations on the calling thread until
     * {@code finished} holds with nothing queued. Only for {@link #virtual()} tasks.
     *
     * @param idleLimitNs how long to wait, with nothing queued, before giving up
     * @return false if it gave up (a task blocked on something no task will release)
     */
    boolean runUntil(BooleanSupplier finished, long idleLimitNs) {
        carrier = Thread.currentThread();
        for (;;) {
            Runnable r;
            synchronized (queue) {
                r = queue.poll();
            }
            if (r != null) {
                r.run();
                continue;
            }
            if (finished.getAsBoolean()) {
                return true;
            }
            long t0 = System.nanoTime();
            LockSupport.parkNanos(this, idleLimitNs);
            idleLimitNs -= System.nanoTime() - t0;
            if (idleLimitNs <= 0) {
                return false;
            }
        }
    }
}

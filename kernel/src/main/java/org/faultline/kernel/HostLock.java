package org.faultline.kernel;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Mutual exclusion for bookkeeping that lives outside the emulated kernel — a workload's data oracle,
 * its barriers' counters — when tasks run in parallel (free-running). It is deliberately not an
 * emulated lock: taking it is not a preemption point and it never appears in the wait-for graph, so
 * an oracle cannot perturb the schedules it checks. Rules: hold it only for a few field updates,
 * never across a system call or any kernel primitive. Under the controlled scheduler it is never
 * contended.
 */
public final class HostLock {
    private final ReentrantLock lock = new ReentrantLock();

    public void lock() {
        lock.lock();
    }

    public void unlock() {
        lock.unlock();
    }

    public boolean isHeldByCurrentThread() {
        return lock.isHeldByCurrentThread();
    }
}

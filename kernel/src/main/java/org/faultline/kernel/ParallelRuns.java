package org.faultline.kernel;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongPredicate;

/**
 * Runs independent executions on several host threads (exploration's {@code --jobs}): work items
 * 0..n-1 are handed out in order; the answer is the smallest item for which {@code failed} returned
 * true — the same answer whatever the thread timing, because every smaller item is always finished
 * before it is reported. Each execution is its own {@link Kernel}, so nothing is shared but this
 * counter.
 */
public final class ParallelRuns {
    private ParallelRuns() {
    }

    /**
     * @param jobs   host threads (1 runs inline)
     * @param n      work items
     * @param failed runs item i; true if it failed
     * @return the smallest failing item, or -1
     * @throws RuntimeException the first one {@code failed} threw, on any thread (rethrown here once
     *                          every thread has stopped, so nothing runs on after the caller returns)
     */
    public static long firstFailure(int jobs, long n, LongPredicate failed) {
        if (jobs <= 1) {
            for (long i = 0; i < n; i++) {
                if (failed.test(i)) {
                    return i;
                }
            }
            return -1;
        }
        AtomicLong next = new AtomicLong();
        AtomicLong best = new AtomicLong(Long.MAX_VALUE);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread[] ts = new Thread[jobs];
        for (int j = 0; j < jobs; j++) {
            ts[j] = new Thread(() -> {
                try {
                    for (;;) {
                        long i = next.getAndIncrement();
                        if (i >= n || i > best.get() || thrown.get() != null) {
                            return; // items beyond a known failure need not run
                        }
                        if (failed.test(i)) {
                            best.accumulateAndGet(i, Math::min);
                        }
                    }
                } catch (RuntimeException | Error e) {
                    thrown.compareAndSet(null, e); // the others stop at their next item
                }
            }, "explore-" + j);
            ts[j].start();
        }
        for (Thread t : ts) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Throwable t = thrown.get();
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        long b = best.get();
        return b == Long.MAX_VALUE ? -1 : b;
    }
}

package org.faultline.kernel;

import java.util.concurrent.atomic.AtomicLong;
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
        Thread[] ts = new Thread[jobs];
        for (int j = 0; j < jobs; j++) {
            ts[j] = new Thread(() -> {
                for (;;) {
                    long i = next.getAndIncrement();
                    if (i >= n || i > best.get()) {
                        return; // items beyond a known failure need not run
                    }
                    if (failed.test(i)) {
                        best.accumulateAndGet(i, Math::min);
                    }
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
        long b = best.get();
        return b == Long.MAX_VALUE ? -1 : b;
    }
}

package org.faultline.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class ParallelRunsTest {
    @Test
    void theSmallestFailingItemIsReportedWhateverTheThreadTiming() {
        for (int jobs = 1; jobs <= 4; jobs++) {
            for (int rep = 0; rep < 20; rep++) {
                // items 37, 41 and 90 fail; later items are slower to tempt a race
                long got = ParallelRuns.firstFailure(jobs, 200, i -> {
                    if (i > 37) {
                        Thread.onSpinWait();
                    }
                    return i == 41 || i == 90 || i == 37;
                });
                assertEquals(37, got, "jobs " + jobs);
            }
        }
        assertEquals(-1, ParallelRuns.firstFailure(3, 50, i -> false));
    }

    @Test
    void anExceptionOnAWorkerReachesTheCallerAfterEveryWorkerStopped() {
        AtomicLong running = new AtomicLong();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ParallelRuns.firstFailure(2, 1000, i -> {
            running.incrementAndGet();
            try {
                if (i == 5) {
                    throw new IllegalStateException("item 5");
                }
                return false;
            } finally {
                running.decrementAndGet();
            }
        }));
        assertEquals("item 5", e.getMessage());
        assertEquals(0, running.get(), "no item still runs once the caller has the exception");
    }
}

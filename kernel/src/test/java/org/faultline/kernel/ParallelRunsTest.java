package org.faultline.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}

package org.faultline.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PctTest {
    private static final int STEPS = 20;

    /**
     * A planted depth-2 ordering bug: it fires only if "checker" runs its check after "writer" opened
     * its window and before it closed it — two ordering constraints.
     */
    static void planted(Kernel k) {
        int[] window = {0};
        k.spawn("writer", TaskKind.USER, () -> {
            for (int i = 0; i < STEPS; i++) {
                k.sched().point("before");
            }
            window[0] = 1;
            k.sched().point("open");
            window[0] = 0;
            for (int i = 0; i < STEPS; i++) {
                k.sched().point("after");
            }
        });
        k.spawn("checker", TaskKind.USER, () -> {
            for (int i = 0; i < STEPS; i++) {
                k.sched().point("checker");
            }
            k.bugOn(window[0] == 1);
        });
    }

    @Test
    void pctFindsADepthTwoBugWithinItsBound() {
        // n = 2 tasks, k ~ 2*STEPS+2 decision points: P(find) >= 1/(n*k) ~ 1/84 per execution.
        // 1,000 executions miss with probability < (1 - 1/84)^1000 ~ 7e-6.
        int found = -1;
        for (int seed = 0; seed < 1000 && found < 0; seed++) {
            RunResult r = Runs.controlled(new Pct(seed, 2, 2 * STEPS + 2), "6.6", PctTest::planted);
            if (!r.ok()) {
                found = seed;
                assertEquals(Failure.Kind.BUG, r.fatal().kind());
            }
        }
        assertTrue(found >= 0, "PCT depth 2 must find the planted bug within 1000 executions");
    }

    @Test
    void pctDepthOneNeverPreemptsSoCannotFindIt() {
        // Without change points the higher-priority task runs to completion: the window never shows.
        for (int seed = 0; seed < 200; seed++) {
            RunResult r = Runs.controlled(new Pct(seed, 1, 2 * STEPS + 2), "6.6", PctTest::planted);
            assertTrue(r.ok(), "depth 1 cannot interleave, yet seed " + seed + " failed");
        }
    }

    @Test
    void pctFailureReplaysFromItsSchedule() {
        RunResult r = Runs.firstFailure(1000, s -> new Pct(s, 2, 2 * STEPS + 2), "6.6", PctTest::planted);
        assertNotNull(r);
        for (int i = 0; i < 3; i++) {
            RunResult again = Runs.controlled(new Replay(Schedule.decode(r.schedule().encode())), "6.6", PctTest::planted);
            assertEquals(r.fatal().report(), again.fatal().report());
            assertEquals(r.traceDigest(), again.traceDigest());
        }
        assertNull(Runs.controlled(new Pct(r.schedule().seed(), 1, 42), "6.6", PctTest::planted).fatal());
    }
}

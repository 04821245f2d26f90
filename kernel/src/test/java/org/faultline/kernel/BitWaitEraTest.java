package org.faultline.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The stale wake-up of bug 4 at the level of the bit wait: end_page_writeback's clear and wake are
 * separate; a new writeback starts between them; the waiter is woken by the old one.
 */
class BitWaitEraTest {

    /** Runs the race once; returns 1 if the waiter returned while PG_writeback was set. */
    static int staleReturn(long seed, String profile) {
        int[] stale = {0};
        RunResult r = Runs.controlled(new RandomWalk(seed), profile, k -> {
            BitWait bw = new BitWait(k, TestPage.PG_WAITERS);
            TestPage p = new TestPage(5);
            p.setBit(TestPage.PG_WRITEBACK);
            k.spawn("end_writeback", TaskKind.SOFTIRQ, () -> {
                p.clearBit(TestPage.PG_WRITEBACK);      // test_clear_page_writeback
                k.sched().point("end_page_writeback"); // ... delayed
                bw.wakeUpBit(p, TestPage.PG_WRITEBACK); // wake_up_page
            });
            k.spawn("new_writeback", TaskKind.USER, () -> {
                while (p.testBit(TestPage.PG_WRITEBACK)) {
                    k.sched().point("wait for the clear");
                }
                p.setBit(TestPage.PG_WRITEBACK);        // set_page_writeback
                k.sched().msleep(10);                   // I/O in flight
                p.clearBit(TestPage.PG_WRITEBACK);
                bw.wakeUpBit(p, TestPage.PG_WRITEBACK);
            });
            k.spawn("fsync", TaskKind.USER, () -> {
                bw.waitOnBit(p, TestPage.PG_WRITEBACK); // wait_on_page_writeback (if, not while)
                if (p.testBit(TestPage.PG_WRITEBACK)) {
                    stale[0] = 1;
                }
            });
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        return stale[0];
    }

    @Test
    void waiterReturnsOnAStaleWakeIn510() {
        int stale = 0;
        for (long seed = 0; seed < 400; seed++) {
            stale += staleReturn(seed, "5.10");
        }
        assertTrue(stale > 0, "5.10 shared waiters must return on a stale wake-up in some interleaving");
    }

    @Test
    void waiterRechecksAndLoopsPre59() {
        int stale = 0;
        for (long seed = 0; seed < 400; seed++) {
            stale += staleReturn(seed, "4.16");
        }
        assertEquals(0, stale, "pre-5.9 waiters re-check the bit and never return while it is set");
    }

    @Test
    void exclusiveLockIsMutualExclusionInBothEras() {
        for (String profile : new String[] {"4.16", "5.10"}) {
            for (long seed = 0; seed < 100; seed++) {
                int[] inside = {0};
                int[] max = {0};
                RunResult r = Runs.controlled(new RandomWalk(seed), profile, k -> {
                    BitWait bw = new BitWait(k, TestPage.PG_WAITERS);
                    TestPage p = new TestPage(9);
                    for (int t = 0; t < 3; t++) {
                        k.spawn("locker" + t, TaskKind.USER, () -> {
                            for (int i = 0; i < 8; i++) {
                                bw.lockBit(p, TestPage.PG_LOCKED);
                                inside[0]++;
                                max[0] = Math.max(max[0], inside[0]);
                                k.sched().point("critical");
                                inside[0]--;
                                bw.unlockBit(p, TestPage.PG_LOCKED);
                            }
                        });
                    }
                });
                assertTrue(r.ok(), () -> r.fatal().report());
                assertEquals(1, max[0], profile + " seed " + seed);
            }
        }
    }
}

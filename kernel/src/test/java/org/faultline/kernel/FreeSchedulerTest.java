package org.faultline.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FreeSchedulerTest {

    @Test
    void tasksRunInParallelAndMutexKeepsCountExact() {
        Kernel k = Kernel.boot(BootParams.free());
        Mutex m = new Mutex(k, "counter");
        long[] counter = {0};
        for (int t = 0; t < 4; t++) {
            k.spawn("adder" + t, TaskKind.USER, () -> {
                for (int i = 0; i < 5000; i++) {
                    m.mutexLock();
                    counter[0]++;
                    m.mutexUnlock();
                }
            });
        }
        RunResult r = k.run();
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(20_000, counter[0]);
    }

    @Test
    void bitLockIsExclusiveUnderRealParallelism() {
        for (String profile : new String[] {"4.16", "5.10"}) {
            Kernel k = Kernel.boot(BootParams.free().withProfile(KernelProfile.byName(profile)));
            BitWait bw = new BitWait(k, TestPage.PG_WAITERS);
            TestPage p = new TestPage(1);
            long[] counter = {0};
            for (int t = 0; t < 4; t++) {
                k.spawn("locker" + t, TaskKind.USER, () -> {
                    for (int i = 0; i < 3000; i++) {
                        bw.lockBit(p, TestPage.PG_LOCKED);
                        counter[0]++;
                        bw.unlockBit(p, TestPage.PG_LOCKED);
                    }
                });
            }
            RunResult r = k.run();
            assertTrue(r.ok(), () -> r.fatal().report());
            assertEquals(12_000, counter[0], profile);
        }
    }

    @Test
    void hungTaskWatchdogReportsAbbaCycle() {
        Kernel k = Kernel.boot(BootParams.free().withHungTaskTimeoutMs(5_000));
        Mutex a = new Mutex(k, "A");
        Mutex b = new Mutex(k, "B");
        Completion aHeld = new Completion(k, "a-held");
        Completion bHeld = new Completion(k, "b-held");
        k.spawn("alpha", TaskKind.USER, () -> {
            a.mutexLock();
            aHeld.complete();
            bHeld.waitForCompletion();
            b.mutexLock();
        });
        k.spawn("beta", TaskKind.USER, () -> {
            b.mutexLock();
            bHeld.complete();
            aHeld.waitForCompletion();
            a.mutexLock();
        });
        RunResult r = k.run();
        assertEquals(Failure.Kind.DEADLOCK, r.fatal().kind(), () -> r.fatal().report());
        assertTrue(r.fatal().report().contains("task alpha:1 waits for mutex B\n    which is held by task beta:2"),
                r.fatal().report());
    }

    /**
     * khungtaskd reports the task stuck in an uninterruptible sleep, not a kernel thread idling
     * for work (kswapd, an IRQ thread), even one that went to sleep first.
     */
    @Test
    void hungTaskWatchdogNamesTheBlockedTaskNotAnIdleDaemon() {
        Kernel k = Kernel.boot(BootParams.free().withHungTaskTimeoutMs(1_000));
        WaitQueue idle = new WaitQueue(k);
        Completion never = new Completion(k, "lost");
        k.spawn("kswapd0", TaskKind.KTHREAD, () -> idle.waitEventIdle(() -> Task.current().kthreadShouldStop(),
                () -> "kswapd_wait (node balanced)"));
        k.spawn("dio", TaskKind.USER, () -> {
            k.sched().msleep(200);
            never.waitForCompletion();
        });
        RunResult r = k.run();
        assertEquals(Failure.Kind.HANG, r.fatal().kind(), () -> r.fatal().report());
        assertTrue(r.fatal().title().startsWith("INFO: task dio:2 blocked for more than"), r.fatal().title());
    }

    @Test
    void msleepTakesRealTime() {
        Kernel k = Kernel.boot(BootParams.free());
        long[] t = new long[2];
        k.spawn("sleeper", TaskKind.USER, () -> {
            t[0] = k.sched().clockNs();
            k.sched().msleep(30);
            t[1] = k.sched().clockNs();
        });
        assertTrue(k.run().ok());
        assertTrue(t[1] - t[0] >= 30_000_000L, "slept " + (t[1] - t[0]) + " ns");
    }
}

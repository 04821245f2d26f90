package org.faultline.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DeadlockDetectionTest {

    static void abbaMutex(Kernel k) {
        Mutex a = new Mutex(k, "A");
        Mutex b = new Mutex(k, "B");
        k.spawn("alpha", TaskKind.USER, () -> {
            a.mutexLock();
            b.mutexLock();
            b.mutexUnlock();
            a.mutexUnlock();
        });
        k.spawn("beta", TaskKind.USER, () -> {
            b.mutexLock();
            a.mutexLock();
            a.mutexUnlock();
            b.mutexUnlock();
        });
    }

    @Test
    void abbaMutexDeadlockIsReportedAsACycleNamingBothTasks() {
        RunResult r = Runs.firstFailure(200, RandomWalk::new, "6.6", DeadlockDetectionTest::abbaMutex);
        assertNotNull(r, "random walk must find the ABBA order within 200 schedules");
        assertEquals(Failure.Kind.DEADLOCK, r.fatal().kind());
        assertEquals(3, r.exitCode());
        String rep = r.fatal().report();
        assertTrue(r.fatal().title().contains("alpha:1") && r.fatal().title().contains("beta:2"), r.fatal().title());
        assertTrue(rep.contains("task alpha:1 waits for mutex B\n    which is held by task beta:2"), rep);
        assertTrue(rep.contains("task beta:2 waits for mutex A\n    which is held by task alpha:1"), rep);
        assertTrue(rep.contains("mutex_lock"), "the blocked tasks' call traces are printed: " + rep);
    }

    @Test
    void deadlockScheduleReplaysTheSameReport() {
        RunResult r = Runs.firstFailure(200, RandomWalk::new, "6.6", DeadlockDetectionTest::abbaMutex);
        assertNotNull(r);
        RunResult again = Runs.controlled(new Replay(Schedule.decode(r.schedule().encode())), "6.6",
                DeadlockDetectionTest::abbaMutex);
        assertEquals(r.fatal().report(), again.fatal().report());
        assertEquals(r.traceDigest(), again.traceDigest());
    }

    /** A bio-like resource: while unsubmitted, its completion is owed by the task holding it. */
    static final class HeldBio implements WaitTarget {
        final Task holder;
        volatile boolean submitted;

        HeldBio(Task holder) {
            this.holder = holder;
        }

        @Override
        public String describe() {
            return "bio (unsubmitted, held by " + holder + ")";
        }

        @Override
        public List<Object> owedBy() {
            return submitted ? List.of() : List.of(holder);
        }
    }

    /** Bug 3's shape: flusher holds A's writeback in a private bio and locks B; the faulter holds B and waits on A. */
    static void bitLockVsUnsubmittedBio(Kernel k) {
        BitWait bw = new BitWait(k, TestPage.PG_WAITERS);
        TestPage a = new TestPage(100);
        TestPage b = new TestPage(101);
        k.spawn("flusher", TaskKind.KTHREAD, () -> {
            HeldBio bio = new HeldBio(k.sched().current());
            bw.lockBit(a, TestPage.PG_LOCKED);
            a.setBit(TestPage.PG_WRITEBACK);
            a.setBitOwner(TestPage.PG_WRITEBACK, bio);
            bw.unlockBit(a, TestPage.PG_LOCKED);
            bw.lockBit(b, TestPage.PG_LOCKED);
            bio.submitted = true; // "submit" and complete
            a.clearBit(TestPage.PG_WRITEBACK);
            bw.wakeUpBit(a, TestPage.PG_WRITEBACK);
            bw.unlockBit(b, TestPage.PG_LOCKED);
        });
        k.spawn("faulter", TaskKind.USER, () -> {
            bw.lockBit(b, TestPage.PG_LOCKED);
            k.sched().point("alloc_set_pte");
            bw.waitOnBit(a, TestPage.PG_WRITEBACK);
            bw.unlockBit(b, TestPage.PG_LOCKED);
        });
    }

    @Test
    void bitLockVersusBitOwnedByUnsubmittedBioIsReportedAsACycle() {
        RunResult r = Runs.firstFailure(500, RandomWalk::new, "5.10", DeadlockDetectionTest::bitLockVsUnsubmittedBio);
        assertNotNull(r, "random walk must find the deadlock within 500 schedules");
        assertEquals(Failure.Kind.DEADLOCK, r.fatal().kind());
        String rep = r.fatal().report();
        assertTrue(rep.contains("task faulter:2 waits for PG_writeback of page pfn 100\n"
                + "    which is owed by bio (unsubmitted, held by flusher:1)\n"
                + "    which is held by task flusher:1"), rep);
        assertTrue(rep.contains("task flusher:1 waits for PG_locked of page pfn 101\n"
                + "    which is held by task faulter:2"), rep);
    }

    @Test
    void noDeadlockIsReportedWhenTheBioIsSubmittedFirst() {
        // Same shape, but the flusher submits before it takes B: explore and find nothing.
        RunResult r = Runs.firstFailure(300, RandomWalk::new, "5.10", k -> {
            BitWait bw = new BitWait(k, TestPage.PG_WAITERS);
            TestPage a = new TestPage(100);
            TestPage b = new TestPage(101);
            k.spawn("flusher", TaskKind.KTHREAD, () -> {
                bw.lockBit(a, TestPage.PG_LOCKED);
                a.setBit(TestPage.PG_WRITEBACK);
                bw.unlockBit(a, TestPage.PG_LOCKED);
                a.clearBit(TestPage.PG_WRITEBACK);
                bw.wakeUpBit(a, TestPage.PG_WRITEBACK);
                bw.lockBit(b, TestPage.PG_LOCKED);
                bw.unlockBit(b, TestPage.PG_LOCKED);
            });
            k.spawn("faulter", TaskKind.USER, () -> {
                bw.lockBit(b, TestPage.PG_LOCKED);
                bw.waitOnBit(a, TestPage.PG_WRITEBACK);
                bw.unlockBit(b, TestPage.PG_LOCKED);
            });
        });
        assertNull(r, () -> r.fatal().report());
    }

    @Test
    void waitingOnSomethingNobodyOwesIsStillADeadlock() {
        RunResult r = Runs.controlled(new RandomWalk(0), "6.6", k -> {
            Completion c = new Completion(k, "never");
            k.spawn("waiter", TaskKind.USER, c::waitForCompletion);
        });
        assertEquals(Failure.Kind.DEADLOCK, r.fatal().kind());
        assertTrue(r.fatal().report().contains("waiter state:D pid:1 waiting for completion never"), r.fatal().report());
    }
}

package org.faultline.fs.jbd2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
import org.junit.jupiter.api.Test;

/**
 * The commit thread and handles under the controlled scheduler: a commit waits for the handles of its
 * transaction, fsync-style waiters get their commit, and a handle that finds the transaction full
 * after the thread stopped commits it itself instead of waiting for nobody.
 */
class JournalThreadTest {
    private static final int SEEDS = 200;

    @Test
    void aCommitNeverRunsWhileAHandleOfItsTransactionIsOpen() {
        for (long seed = 0; seed < SEEDS; seed++) {
            Kernel k = Kernel.boot(BootParams.controlled(new RandomWalk(seed)).withProfile(KernelProfile.byName("6.6")));
            AtomicInteger open = new AtomicInteger();
            AtomicInteger badCommits = new AtomicInteger();
            int[] next = {1};
            Transaction t = new Transaction(k, "sda", () -> next[0], () -> false);
            JournalThread j = new JournalThread(k, "jbd2/sda-8", t, () -> {
                if (open.get() != 0) {
                    badCommits.incrementAndGet();
                }
                next[0]++;
            }, JournalThread.DEFAULT_COMMIT_INTERVAL_NS);
            j.start();
            for (int w = 0; w < 2; w++) {
                k.spawn("writer" + w, TaskKind.USER, () -> {
                    for (int i = 0; i < 5; i++) {
                        Transaction.Handle h = t.jbd2JournalStart();
                        open.incrementAndGet();
                        k.sched().point("in the handle");
                        Transaction.Handle nested = t.jbd2JournalStart(); // an operation made of smaller ones
                        k.sched().point("nested");
                        t.jbd2JournalStop(nested);
                        open.decrementAndGet();
                        int tid = h.tid();
                        t.jbd2JournalStop(h);
                        j.jbd2CompleteTransaction(tid); // fsync
                        assertTrue(j.committed(tid));
                    }
                });
            }
            k.spawn("umount", TaskKind.USER, () -> {
                k.sched().msleep(1);
                j.jbd2JournalKillThread();
            });
            RunResult r = k.run();
            assertTrue(r.ok(), "seed " + seed + ": " + (r.ok() ? "" : r.fatal().report()));
            assertEquals(0, badCommits.get(), "seed " + seed + ": a commit ran with a handle open");
        }
    }

    @Test
    void aFullTransactionAfterTheThreadStoppedIsCommittedByTheHandleStarter() {
        Kernel k = Kernel.boot(BootParams.controlled(new RandomWalk(1)).withProfile(KernelProfile.byName("6.6")));
        AtomicBoolean full = new AtomicBoolean();
        AtomicInteger commits = new AtomicInteger();
        int[] next = {1};
        Transaction t = new Transaction(k, "sda", () -> next[0], full::get);
        JournalThread j = new JournalThread(k, "jbd2/sda-8", t, () -> {
            commits.incrementAndGet();
            full.set(false);
            next[0]++;
        }, JournalThread.DEFAULT_COMMIT_INTERVAL_NS);
        j.start();
        k.spawn("late", TaskKind.USER, () -> {
            j.jbd2JournalKillThread();
            k.sched().msleep(10); // the thread is gone
            full.set(true);
            Transaction.Handle h = t.jbd2JournalStart(); // would wait for nobody without the inline commit
            t.jbd2JournalStop(h);
        });
        RunResult r = k.run();
        assertTrue(r.ok(), r.ok() ? "" : r.fatal().report());
        assertEquals(2, commits.get(), "the kill's commit and the full transaction's");
    }
}

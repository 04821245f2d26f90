package org.faultline.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.faultline.kernel.BitWait;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Failure;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
import org.faultline.mm.MemMap;
import org.faultline.mm.Page;
import org.junit.jupiter.api.Test;

/**
 * Bug 3's cycle with a real bio: a page's PG_writeback is owed by a bio its builder has not
 * submitted, and the builder then sleeps on a page lock held by the writeback waiter.
 */
class UnsubmittedBioDeadlockTest {
    static RunResult run(long seed, boolean submitBeforeLocking) {
        Kernel k = Kernel.boot(BootParams.controlled(new RandomWalk(seed)).withProfile(KernelProfile.byName("4.20")));
        try (MemMap mem = new MemMap(2)) {
            BlockDevice bdev = BlockDevice.addDisk(k, "sda", new MemDiskDriver(1 << 20), QueueLimits.defaults(), 1);
            BitWait bw = new BitWait(k, Page.PG_WAITERS);
            Page a = mem.pfnToPage(0);
            Page b = mem.pfnToPage(1);
            k.spawn("kworker/u8:0", TaskKind.KTHREAD, () -> {
                bw.lockBit(a, Page.PG_LOCKED);
                a.setBit(Page.PG_WRITEBACK);
                Bio io = Bio.bioAlloc(bdev, Bio.Op.WRITE, 0, 0, 2);
                io.bioAddPage(a, Page.PAGE_SIZE, 0);
                io.setEndIo(x -> {
                    a.clearBit(Page.PG_WRITEBACK);
                    bw.wakeUpBit(a, Page.PG_WRITEBACK);
                });
                bw.unlockBit(a, Page.PG_LOCKED);
                if (submitBeforeLocking) {
                    BlkCore.submitBio(io);
                }
                bw.lockBit(b, Page.PG_LOCKED);
                bw.unlockBit(b, Page.PG_LOCKED);
                if (!submitBeforeLocking) {
                    BlkCore.submitBio(io);
                }
            });
            k.spawn("faulter", TaskKind.USER, () -> {
                bw.lockBit(b, Page.PG_LOCKED);
                k.sched().point("pte_alloc_one");
                bw.waitOnBit(a, Page.PG_WRITEBACK);
                bw.unlockBit(b, Page.PG_LOCKED);
            });
            return k.run();
        }
    }

    @Test
    void cycleThroughUnsubmittedBioIsNamed() {
        RunResult found = null;
        for (long seed = 0; seed < 300 && found == null; seed++) {
            RunResult r = run(seed, false);
            if (!r.ok()) {
                found = r;
            }
        }
        assertNotNull(found, "the ABBA order must be found within 300 schedules");
        assertEquals(Failure.Kind.DEADLOCK, found.fatal().kind());
        String rep = found.fatal().report();
        assertTrue(rep.contains("task faulter:3 waits for PG_writeback of page pfn 0\n"
                + "    which is owed by bio #1 (WRITE sda sector 0+8, not submitted: held by kworker/u8:0:2)\n"
                + "    which is held by task kworker/u8:0:2"), rep);
        assertTrue(rep.contains("task kworker/u8:0:2 waits for PG_locked of page pfn 1\n"
                + "    which is held by task faulter:3"), rep);
    }

    @Test
    void submittingTheBioFirstRemovesTheDeadlock() {
        for (long seed = 0; seed < 300; seed++) {
            RunResult r = run(seed, true);
            assertTrue(r.ok(), () -> r.fatal().report());
        }
    }
}

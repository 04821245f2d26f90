package org.faultline.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.faultline.kernel.BitWait;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
import org.faultline.mm.MemMap;
import org.faultline.mm.Page;
import org.junit.jupiter.api.Test;

/**
 * A page locked for a read is unlocked by the read's completion, not by the task that locked it: while
 * the read is in flight its PG_locked is owed by the bio, so the locker waiting for the page (as
 * read_cache_page does after ->readpage) is no self-deadlock. (A boot's final read-back was reported
 * as "epilogue waits for PG_locked ... held by task epilogue" when the watchdog looked mid-read.)
 */
class ReadBioPageLockTest {
    @Test
    void theLockerWaitingForItsOwnReadIsOwedByTheBioAndNeverADeadlock() {
        for (long seed = 0; seed < 50; seed++) {
            Kernel k = Kernel.boot(BootParams.controlled(new RandomWalk(seed)).withProfile(KernelProfile.byName("6.6")));
            Object[] owedWhileInFlight = new Object[1];
            try (MemMap mem = new MemMap(1)) {
                BlockDevice bdev = BlockDevice.addDisk(k, "sda", new MemDiskDriver(1 << 20), QueueLimits.defaults(), 1);
                BitWait bw = new BitWait(k, Page.PG_WAITERS);
                Page p = mem.pfnToPage(0);
                k.spawn("reader", TaskKind.USER, () -> {
                    bw.lockBit(p, Page.PG_LOCKED);
                    Bio rd = Bio.bioAlloc(bdev, Bio.Op.READ, 0, 0, 1);
                    rd.bioAddPage(p, Page.PAGE_SIZE, 0);
                    rd.setEndIo(x -> bw.unlockBit(p, Page.PG_LOCKED)); // end_buffer_async_read
                    owedWhileInFlight[0] = new BitWait.BitTarget(p, Page.PG_LOCKED).owedBy();
                    BlkCore.submitBio(rd);
                    bw.lockBit(p, Page.PG_LOCKED); // wait for the read, as read_cache_page does
                    bw.unlockBit(p, Page.PG_LOCKED);
                });
                RunResult r = k.run();
                assertTrue(r.ok(), "seed " + seed + ": " + (r.ok() ? "" : r.fatal().report()));
                List<?> owed = (List<?>) owedWhileInFlight[0];
                assertEquals(1, owed.size());
                assertTrue(owed.get(0) instanceof Bio, "owed by the bio, not the locker: " + owed);
            }
        }
    }
}

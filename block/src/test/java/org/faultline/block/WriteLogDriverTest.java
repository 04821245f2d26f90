package org.faultline.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Completion;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
import org.faultline.mm.MemMap;
import org.faultline.mm.Page;
import org.junit.jupiter.api.Test;

/**
 * {@link WriteLogDriver} logs per bio, as dm-log-writes does above the request queue: bios merged on a
 * plug into one request are still one log entry each, in the request's bio order, with their own
 * sector, flags and data; an empty flush is one entry.
 */
class WriteLogDriverTest {
    /** Sectors of the four bios, in submission order: the third front-merges, the fourth back-merges. */
    private static final long[] SECTORS = {8, 16, 0, 24};

    @Test
    void aMergedRequestIsLoggedAsItsBiosInBioOrder() {
        for (boolean controlled : new boolean[] {true, false}) {
            Kernel k = Kernel.boot(controlled ? BootParams.controlled(new RandomWalk(5)) : BootParams.free());
            try (MemMap mem = new MemMap(16)) {
                WriteLogDriver disk = new WriteLogDriver(new MemDiskDriver(1 << 20));
                BlockDevice bdev = BlockDevice.addDisk(k, "ram0", disk, QueueLimits.defaults(), 1);
                k.spawn("writer", TaskKind.USER, () -> {
                    Completion all = new Completion(k, "writes");
                    int[] left = {SECTORS.length};
                    Plug plug = Plug.blkStartPlug(k);
                    for (int i = 0; i < SECTORS.length; i++) {
                        BlockTestSupport.fill(mem, mem.pfnToPage(i), (byte) (10 * i + 1));
                        Bio b = Bio.bioAlloc(bdev, Bio.Op.WRITE, Bio.REQ_SYNC, SECTORS[i], 1);
                        b.bioAddPage(mem.pfnToPage(i), Page.PAGE_SIZE, 0);
                        b.setEndIo(x -> {
                            if (--left[0] == 0) {
                                all.complete();
                            }
                        });
                        BlkCore.submitBio(b);
                    }
                    plug.blkFinishPlug();
                    all.waitForCompletion();
                    assertTrue(BlkCore.submitBioWait(Bio.bioAlloc(bdev, Bio.Op.FLUSH, Bio.REQ_PREFLUSH, 0, 0)).ok());
                });
                RunResult r = k.run();
                assertTrue(r.ok(), () -> r.fatal().report());
                assertEquals(2, bdev.stats().requests(), "the four bios went down as one request, then the flush");

                List<WriteLogDriver.Entry> log = disk.entries();
                assertEquals(SECTORS.length + 1, log.size(), "one entry per bio, and the flush: " + log);
                assertEquals(log.size(), disk.completed());
                long[] order = {0, 8, 16, 24}; // the request's bio order: the front merge first
                for (int i = 0; i < order.length; i++) {
                    WriteLogDriver.Entry e = log.get(i);
                    int submitted = java.util.Arrays.stream(SECTORS).boxed().toList().indexOf(order[i]);
                    assertEquals(i + 1, e.seq());
                    assertEquals(Bio.Op.WRITE, e.op());
                    assertEquals(order[i], e.sector());
                    assertEquals(Bio.REQ_SYNC, e.flags());
                    assertArrayEquals(pageBytes((byte) (10 * submitted + 1)), e.data(), "the data of the bio at sector " + order[i]);
                }
                WriteLogDriver.Entry flush = log.get(order.length);
                assertEquals(Bio.Op.FLUSH, flush.op());
                assertEquals(0, flush.data().length);
                // each bio is a write a crash may keep or lose by itself
                assertEquals(List.of(0, 1, 2, 3), CrashStates.inFlight(log, 3));
            }
        }
    }

    private static byte[] pageBytes(byte seed) {
        byte[] b = new byte[Page.PAGE_SIZE];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed + i * 31);
        }
        return b;
    }
}

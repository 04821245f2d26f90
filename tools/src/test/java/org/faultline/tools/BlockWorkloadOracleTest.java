package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.faultline.block.BlockDevice;
import org.faultline.block.MemDiskDriver;
import org.faultline.block.QueueLimits;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Failure;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
import org.faultline.mm.MemMap;
import org.faultline.mm.Page;
import org.junit.jupiter.api.Test;

/** The boot workload's data oracle: a page that does not hold the pattern is reported as corruption (exit 4). */
class BlockWorkloadOracleTest {
    private static RunResult verifyOnePage(boolean damage) {
        Kernel k = Kernel.boot(BootParams.free());
        try (MemDiskDriver disk = new MemDiskDriver(1 << 20); MemMap mem = new MemMap(1)) {
            BlockDevice bdev = BlockDevice.addDisk(k, "sda", disk, QueueLimits.defaults(), 1);
            Page p = mem.pfnToPage(0);
            long diskOff = 5 * Page.PAGE_SIZE;
            BootCommand.fill(mem, p, diskOff, 42);
            if (damage) {
                mem.ram().putByte(mem.offsetOf(p) + 100, (byte) (mem.ram().getByte(mem.offsetOf(p) + 100) ^ 1));
            }
            k.spawn("reader/0", TaskKind.USER, () -> BootCommand.verify(k, bdev, mem, p, diskOff, 42, 256));
            return k.run();
        }
    }

    @Test
    void intactDataPasses() {
        RunResult r = verifyOnePage(false);
        assertEquals(0, r.exitCode(), r::dmesg);
    }

    @Test
    void aFlippedBitIsCorruption() {
        RunResult r = verifyOnePage(true);
        assertEquals(4, r.exitCode(), r::dmesg);
        assertEquals(Failure.Kind.CORRUPTION, r.fatal().kind());
        assertTrue(r.fatal().title().contains("sda sector " + (5 * 8)), r.fatal().title());
        assertTrue(r.fatal().report().contains("byte offset " + (5 * 4096 + 96)), r.fatal().report());
    }
}

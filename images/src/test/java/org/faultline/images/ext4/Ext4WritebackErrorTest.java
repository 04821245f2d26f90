package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.faultline.block.Bio;
import org.faultline.block.BlkStatus;
import org.faultline.block.FaultInjector;
import org.faultline.block.HostFileDriver;
import org.faultline.fs.File;
import org.faultline.fs.Machine;
import org.faultline.fs.Syscalls;
import org.faultline.fs.Vfs;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
import org.junit.jupiter.api.Test;

/**
 * A failed data write on ext4 reaches fsync the way the errseq_t scheme (4.13+) promises: through
 * {@code ext4_end_bio} → {@code mapping_set_error}, every file description open when the error
 * happened sees -EIO from its next fsync exactly once, and one opened afterwards does not see it.
 */
class Ext4WritebackErrorTest {
    @Test
    void injectedWriteErrorSurfacesInFsyncOncePerOpenFile() throws Exception {
        E2fs.assumeInstalled();
        Path img = E2fs.scratch("ext4-errseq").resolve("e.img");
        Mkfs.createImage(img, 16L << 20, Mkfs.Options.seeded(4));
        int[] got = new int[6];
        HostFileDriver drv = HostFileDriver.open(img, false, false);
        // the first data write the disk sees fails: the flusher is idle in a controlled run until fsync
        FaultInjector disk = new FaultInjector(drv, List.of(
                new FaultInjector.Rule(Bio.Op.WRITE, 0, Long.MAX_VALUE, 1, BlkStatus.IOERR)));
        Machine m = Machine.boot(new Machine.Spec(BootParams.controlled(new RandomWalk(5)), 1024, disk, 2, false, false));
        Kernel k = m.kernel();
        k.spawn("workload", TaskKind.USER, () -> {
            int a = Syscalls.open("/f", File.O_CREAT | File.O_RDWR, 0644);
            int b = Syscalls.open("/f", File.O_RDWR, 0);
            byte[] data = new byte[16384];
            java.util.Arrays.fill(data, (byte) 0x5a);
            Syscalls.write(a, data, 0, data.length);
            got[0] = Syscalls.fsync(a);
            got[1] = Syscalls.fsync(a);
            got[2] = Syscalls.fsync(b);
            got[3] = Syscalls.fsync(b);
            int c = Syscalls.open("/f", File.O_RDWR, 0);
            got[4] = Syscalls.fsync(c);
            Syscalls.write(c, data, 0, data.length); // rewrite: the disk no longer fails
            got[5] = Syscalls.fsync(c);
            Syscalls.exit();
            Vfs.of(k).umountRoot();
        });
        RunResult r;
        try (m) {
            r = m.run();
        }
        assertTrue(r.ok(), () -> r.fatal().report() + "\n" + r.dmesg());
        assertEquals(-Errno.EIO, got[0], "the fsync that wrote the page reports the error");
        assertEquals(0, got[1], "reported once per file description");
        assertEquals(-Errno.EIO, got[2], "a second description open at the time sees it too");
        assertEquals(0, got[3]);
        assertEquals(0, got[4], "a description opened after the error does not see it");
        assertEquals(0, got[5]);
        assertTrue(r.dmesg().contains("EXT4-fs warning (device sda): ext4_end_bio: I/O error -5 writing to inode 12"),
                "the failed write was /f's data (inode 12):\n" + r.dmesg());
    }
}

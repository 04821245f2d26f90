package org.faultline.fs.iomap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.faultline.fs.File;
import org.faultline.fs.Machine;
import org.faultline.fs.Syscalls;
import org.faultline.fs.Vfs;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
import org.faultline.mm.Mm;
import org.junit.jupiter.api.Test;

/**
 * Bug 2 as one task's sequence: a mapped page whose writeback fails at submission loses Uptodate but
 * stays mapped; the next store reaches iomap_page_mkwrite on a !Uptodate page; read() then re-reads
 * the old block and the mapped data "teleports backwards".
 */
class IomapMkwriteAfterEioTest {
    record Outcome(RunResult r, long fsyncErr, long storeRet, String mappedBefore, String readAfter, String mappedAfter) {
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static Outcome run(String profile) {
        List<String> parts = Arrays.asList(profile.split(" "));
        Kernel k = Kernel.boot(BootParams.controlled(new RandomWalk(1))
                .withProfile(KernelProfile.byName(parts.get(0)).with(parts.subList(1, parts.size()))));
        Mm mm = Mm.init(k, Mm.Params.ofPages(256));
        Machine.initcalls(k); // blk_dev_init, buffer_init, vfs_caches_init: this test boots no disk
        IomapTestFs fs = new IomapTestFs(k);
        Vfs.of(k).mountRoot(fs.superBlock());
        long[] nums = new long[2];
        String[] strs = new String[3];
        k.spawn("user", TaskKind.USER, () -> {
            int fd = Syscalls.open("/f", File.O_CREAT | File.O_RDWR, 0644);
            byte[] page = new byte[4096];
            System.arraycopy(b("OLD!"), 0, page, 0, 4);
            Syscalls.write(fd, page, 0, 4096);
            Syscalls.fsync(fd);
            long addr = Syscalls.mmap(4096, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_SHARED, fd, 0);
            Syscalls.store(addr, b("NEW1"), 0, 4);
            fs.failMapBlocks = 1;
            nums[0] = Syscalls.fsync(fd);                 // writeback fails at submission
            nums[1] = Syscalls.store(addr, b("NEW2"), 0, 4); // wp fault -> page_mkwrite
            byte[] m = new byte[4];
            Syscalls.load(addr, m, 0, 4);
            strs[0] = new String(m, StandardCharsets.US_ASCII);
            byte[] rd = new byte[4];
            Syscalls.pread(fd, rd, 0, 4, 0);
            strs[1] = new String(rd, StandardCharsets.US_ASCII);
            Syscalls.load(addr, m, 0, 4);
            strs[2] = new String(m, StandardCharsets.US_ASCII);
            Syscalls.munmap(addr);
            Syscalls.exit();
        });
        RunResult r = k.run();
        mm.memMap().close();
        return new Outcome(r, nums[0], nums[1], strs[0], strs[1], strs[2]);
    }

    @Test
    void on58AStoreAfterASubmissionErrorWarnsAndTheDataTeleportsBackwards() {
        Outcome o = run("5.8");
        assertTrue(o.r().ok(), () -> o.r().fatal().report());
        assertEquals(-Errno.EIO, o.fsyncErr(), "fsync reports the writeback error");
        assertEquals(1, o.r().warnings().size(), "WARN_ON_ONCE(!PageUptodate) in page_mkwrite");
        assertTrue(o.r().warnings().get(0).report().contains("fs/iomap/buffered-io.c iomap_page_mkwrite_actor"),
                o.r().warnings().get(0).report());
        assertEquals("NEW2", o.mappedBefore(), "the mapping shows data that never reached storage");
        assertEquals("OLD!", o.readAfter(), "read() re-reads the old block");
        assertEquals("OLD!", o.mappedAfter(), "and the mapped data teleports backwards");
    }

    @Test
    void keepingUptodateOnErrorRemovesTheWarningAndTheTeleport() {
        Outcome o = run("5.8 +iomap-keep-uptodate-on-error");
        assertTrue(o.r().ok());
        assertEquals(0, o.r().warnings().size());
        assertEquals("NEW2", o.readAfter());
    }

    @Test
    void mkwriteEioTurnsTheStoreIntoSigbus() {
        Outcome o = run("5.8 +iomap-mkwrite-eio-on-not-uptodate");
        assertTrue(o.r().ok());
        assertEquals(0, o.r().warnings().size());
        assertEquals(-Errno.EFAULT, o.storeRet(), "the storing task gets SIGBUS");
    }

    @Test
    void unmappingOnTheErrorMakesTheStoreRefaultAndReread() {
        Outcome o = run("5.8 +unmap-on-writeback-error");
        assertTrue(o.r().ok());
        assertEquals(0, o.r().warnings().size(), "the re-fault reads the page back before page_mkwrite");
        assertEquals("NEW2", o.readAfter());
    }
}

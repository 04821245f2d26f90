package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.faultline.block.HostFileDriver;
import org.faultline.fs.Buffer;
import org.faultline.fs.BufferHead;
import org.faultline.fs.File;
import org.faultline.fs.Machine;
import org.faultline.fs.Syscalls;
import org.faultline.fs.Vfs;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Failure;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
import org.faultline.mm.MemMap;
import org.faultline.mm.Page;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * No error path leaks a lock: an I/O error injected at each call of a site ({@code get_block},
 * {@code iomap_begin}, {@code fail_make_request}) in turn, over a workload that reaches every caller
 * of the site (buffered write of partial pages, read, write fault, direct I/O, re-read after the
 * cache is dropped, truncate, fsync); after each run no page and no buffer is locked, and the run
 * ended without a BUG, a hang or a broken invariant — the system calls just failed.
 */
class ErrorPathLockTest {
    private static final int MAX_RUNS_PER_SITE = 24;

    private static RunResult run(Path img, boolean iomap, String site, long nth, long[] calls, List<String> leaks)
            throws Exception {
        Mkfs.createImage(img, 16L << 20, Mkfs.Options.seeded(3));
        HostFileDriver drv = HostFileDriver.open(img, false, false);
        try (Machine m = Machine.boot(new Machine.Spec(BootParams.controlled(new RandomWalk(7)), 1024, drv, 2, false,
                iomap))) {
            Kernel k = m.kernel();
            if (nth > 0) {
                k.faults().arm(site, nth, 1, Errno.EIO);
            }
            k.spawn("workload", TaskKind.USER, ErrorPathLockTest::workload);
            RunResult r = m.run();
            calls[0] = k.faults().calls(site);
            leaks.addAll(lockedPagesAndBuffers(m.mm().memMap()));
            return r;
        }
    }

    /** Every caller of the sites, each system call's error ignored (an injected EIO may fail any). */
    private static void workload() {
        byte[] data = new byte[3 * 4096];
        java.util.Arrays.fill(data, (byte) 0x5a);
        int a = Syscalls.open("/a", File.O_CREAT | File.O_RDWR, 0644);
        Syscalls.pwrite(a, data, 0, data.length, 1000); // partial first and last pages: write_begin reads
        Syscalls.fsync(a);
        Syscalls.pwrite(a, data, 0, 100, 500); // into a cached page, and a block already on disk
        Syscalls.fadvise(a, 0, 0, Syscalls.POSIX_FADV_DONTNEED);
        byte[] back = new byte[data.length];
        Syscalls.pread(a, back, 0, back.length, 0); // readpage after the cache was dropped
        long addr = Syscalls.mmap(4 * 4096, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_SHARED, a, 0);
        if (addr > 0) {
            Syscalls.store(addr + 4096, data, 0, 64); // page_mkwrite
            Syscalls.msync(addr, true);
            Syscalls.munmap(addr);
        }
        int d = Syscalls.open("/d", File.O_CREAT | File.O_RDWR | File.O_DIRECT, 0644);
        Syscalls.pwrite(d, data, 0, 8192, 0); // direct write: get_block with create
        Syscalls.pread(d, back, 0, 8192, 0); // direct read
        Syscalls.ftruncate(a, 5000);
        Syscalls.fsync(a);
        Syscalls.close(d);
        Syscalls.close(a);
        Syscalls.exit();
        Vfs.of(org.faultline.kernel.Task.current().kernel()).umountRoot();
    }

    /** After the run, from the host thread: bits read directly (PageLocked() would be a preemption point). */
    private static List<String> lockedPagesAndBuffers(MemMap mem) {
        List<String> out = new ArrayList<>();
        for (int pfn = 0; pfn < mem.nrPages(); pfn++) {
            Page p = mem.pfnToPage(pfn);
            if (p.testBit(Page.PG_LOCKED)) {
                out.add("page locked: " + p);
            }
            if (p.testBit(Page.PG_PRIVATE) && p.getPrivate() instanceof BufferHead) {
                for (BufferHead bh : Buffer.buffers(p)) {
                    if (bh.test(BufferHead.BH_LOCK)) {
                        out.add("buffer locked: " + bh + " of " + p);
                    }
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}, iomap={1}")
    @CsvSource({"get_block, false", "iomap_begin, true", "fail_make_request, false", "fail_make_request, true"})
    void anErrorAtEachCallOfASiteLeavesNoPageOrBufferLocked(String site, boolean iomap) throws Exception {
        Path img = E2fs.scratch("error-paths").resolve(site + "-" + iomap + ".img");
        long[] calls = {0};
        List<String> leaks = new ArrayList<>();
        RunResult clean = run(img, iomap, site, 0, calls, leaks);
        assertTrue(clean.ok(), () -> clean.fatal().report());
        assertEquals(List.of(), leaks, "nothing injected");
        long n = calls[0];
        assertTrue(n >= 3, site + " is reached by the workload: " + n + " calls");
        long step = Math.max(1, n / MAX_RUNS_PER_SITE);
        for (long nth = 1; nth <= n; nth += step) {
            List<String> l = new ArrayList<>();
            long fixed = nth;
            RunResult r = run(img, iomap, site, nth, calls, l);
            assertEquals(List.of(), l, () -> site + " failing call " + fixed + " of " + n + " leaked locks\n" + r.dmesg());
            Failure f = r.fatal();
            assertTrue(f == null, () -> site + " failing call " + fixed + " of " + n + ": " + f.report() + "\n" + r.dmesg());
        }
    }
}

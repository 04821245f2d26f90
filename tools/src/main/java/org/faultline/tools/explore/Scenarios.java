package org.faultline.tools.explore;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.faultline.fs.Errno;
import org.faultline.fs.File;
import org.faultline.fs.Syscalls;
import org.faultline.fs.Vfs;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.TaskKind;

/**
 * The built-in scenarios. Each is a workload of system calls plus boot parameters; the kernel knows
 * nothing about them. Detection is by the generic detectors (BUG_ON, WARN_ON, the wait-for graph,
 * invariants) and by the workload's data oracle, which checks what reads return.
 */
public final class Scenarios {
    private Scenarios() {
    }

    /** Every built-in scenario, by bug. */
    public static List<Scenario> all() {
        return List.of(gupDioDirtyNoBuffers(), mkwriteNotUptodateAfterEio(), faultVsWritepagesMemcgDeadlock(),
                writebackStaleWakeBugOn());
    }

    /**
     * Looks a scenario up.
     *
     * @throws IllegalArgumentException naming the known scenarios
     */
    public static Scenario byName(String name) {
        StringBuilder known = new StringBuilder();
        for (Scenario s : all()) {
            if (s.name().equals(name)) {
                return s;
            }
            known.append(known.length() == 0 ? "" : ", ").append(s.name());
        }
        throw new IllegalArgumentException("unknown scenario '" + name + "' (known: " + known + ")");
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Bug 1: a task maps file1 MAP_SHARED and reads file2 with O_DIRECT into that mapping (GUP faults
     * file1's pages in for write); meanwhile writeback cleans file1 and memory pressure makes reclaim
     * strip buffers it cannot free; the read's completion dirties the pages again. Writeback of file1
     * then meets a dirty page without buffers.
     */
    static Scenario gupDioDirtyNoBuffers() {
        return new Scenario("gup-dio-dirty-no-buffers",
                "bug 1: O_DIRECT read into a MAP_SHARED file mapping under writeback and reclaim (4.16)", 1, "4.16",
                1024, 8L << 20, false, ctx -> {
                    Kernel k = ctx.k();
                    int pages = 4;
                    byte[] data = new byte[pages * 4096];
                    for (int i = 0; i < data.length; i++) {
                        data[i] = (byte) (i * 7 + 1);
                    }
                    org.faultline.kernel.Completion ready = new org.faultline.kernel.Completion(k, "files ready");
                    org.faultline.kernel.Completion finished = new org.faultline.kernel.Completion(k, "dio done");
                    k.spawn("dio", TaskKind.USER, () -> {
                        int f1 = Syscalls.open("/file1", File.O_CREAT | File.O_RDWR, 0644);
                        expect(k, "write file1", Syscalls.write(f1, new byte[data.length], 0, data.length), data.length);
                        int f2 = Syscalls.open("/file2", File.O_CREAT | File.O_RDWR, 0644);
                        expect(k, "write file2", Syscalls.write(f2, data, 0, data.length), data.length);
                        expect(k, "fsync file1", Syscalls.fsync(f1), 0);
                        expect(k, "fsync file2", Syscalls.fsync(f2), 0);
                        Syscalls.close(f2);
                        f2 = Syscalls.open("/file2", File.O_RDONLY | File.O_DIRECT, 0);
                        long addr = Syscalls.mmap(data.length, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_SHARED, f1, 0);
                        ready.completeAll();
                        expect(k, "O_DIRECT read into the mapping", Syscalls.preadUser(f2, addr, data.length, 0), data.length);
                        Syscalls.munmap(addr);
                        expect(k, "fsync file1 after the read", Syscalls.fsync(f1), 0);
                        Syscalls.fadvise(f1, 0, 0, Syscalls.POSIX_FADV_DONTNEED); // read back from the disk
                        byte[] got = new byte[data.length];
                        Syscalls.pread(f1, got, 0, got.length, 0);
                        if (!Arrays.equals(got, data)) {
                            k.corruption("data corruption: /file1: the O_DIRECT read into its mapping was lost",
                                    "file1 does not hold what was read into its mapping");
                        }
                        Syscalls.close(f1);
                        Syscalls.close(f2);
                        finished.completeAll();
                    });
                    k.spawn("sync", TaskKind.USER, () -> {
                        ready.waitForCompletion();
                        for (int i = 0; i < 3 && !finished.completionDone(); i++) {
                            Syscalls.sync(); // writeback cleans and write-protects file1's pages
                        }
                    });
                    k.spawn("hog", TaskKind.USER, () -> {
                        ready.waitForCompletion();
                        long len = 1000L * 4096;
                        long a = Syscalls.mmap(len, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                                Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS, -1, 0);
                        byte[] one = {1};
                        for (long off = 0; off < len && !finished.completionDone(); off += 4096) {
                            if (Syscalls.store(a + off, one, 0, 1) < 0) {
                                break;
                            }
                        }
                        Syscalls.munmap(a);
                    });
                    k.spawn("umount", TaskKind.USER, () -> {
                        finished.waitForCompletion();
                        Vfs.of(k).umountRoot();
                    });
                });
    }

    /**
     * Bug 2: a task maps a file and stores to it; writeback of the page fails at submission (an
     * injected -EIO from block mapping); the task stores again — page_mkwrite on a !Uptodate page —
     * and read() then returns data older than what the mapping showed.
     */
    static Scenario mkwriteNotUptodateAfterEio() {
        return new Scenario("mkwrite-not-uptodate-after-eio",
                "bug 2: store to a mapped page after a writeback submission error (iomap, 5.8)", 2, "5.8",
                4096, 8L << 20, true, ctx -> {
                    Kernel k = ctx.k();
                    k.spawn("mapper", TaskKind.USER, () -> {
                        int fd = Syscalls.open("/f", File.O_CREAT | File.O_RDWR, 0644);
                        byte[] page = new byte[4096];
                        System.arraycopy(b("OLD!"), 0, page, 0, 4);
                        expect(k, "write", Syscalls.write(fd, page, 0, 4096), 4096);
                        expect(k, "fsync", Syscalls.fsync(fd), 0);
                        long addr = Syscalls.mmap(4096, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_SHARED, fd, 0);
                        Syscalls.store(addr, b("NEW1"), 0, 4);
                        ctx.fs().injectMapBlocksFailures(1); // the next writeback mapping fails with -EIO
                        expect(k, "fsync after the injected error", Syscalls.fsync(fd), -Errno.EIO);
                        if (Syscalls.store(addr, b("NEW2"), 0, 4) < 0) {
                            return; // SIGBUS: the task dies; its lost write was reported by fsync
                        }
                        byte[] got = new byte[4];
                        Syscalls.pread(fd, got, 0, 4, 0);
                        if (!Arrays.equals(got, b("NEW2"))) {
                            k.corruption("data corruption: /f offset 0: read() returned \""
                                    + new String(got, StandardCharsets.US_ASCII) + "\" but the mapping held \"NEW2\"",
                                    "the page lost PG_uptodate after the writeback error while still mapped: read()"
                                            + " re-read the old block and the mapped data teleported backwards");
                        }
                        Syscalls.munmap(addr);
                        Syscalls.close(fd);
                        Vfs.of(k).umountRoot();
                    });
                });
    }

    /**
     * Bug 3: a task in a legacy (v1) memcg near its limit faults on a page of a file whose dirty pages
     * the flusher is writing back: the fault holds the page lock while the page-table allocation's
     * charge reclaims and waits on writeback of a page the flusher holds in an unsubmitted bio.
     */
    static Scenario faultVsWritepagesMemcgDeadlock() {
        return new Scenario("fault-vs-writepages-memcg-deadlock",
                "bug 3: page fault in a v1 memcg at its limit vs ext4_writepages (4.20)", 3, "4.20",
                2048, 8L << 20, false, ctx -> {
                    Kernel k = ctx.k();
                    org.faultline.mm.MemCgroup cg = ctx.mm().createMemcg("app", 40, false);
                    int pages = 24;
                    org.faultline.kernel.Completion ready = new org.faultline.kernel.Completion(k, "file written");
                    org.faultline.kernel.Completion done = new org.faultline.kernel.Completion(k, "faulter done");
                    k.spawn("faulter", TaskKind.USER, () -> {
                        cg.attach(org.faultline.kernel.Task.current());
                        int fd = Syscalls.open("/data", File.O_CREAT | File.O_RDWR, 0644);
                        byte[] page = new byte[4096];
                        for (int i = 0; i < pages; i++) {
                            page[0] = (byte) (i + 1);
                            expect(k, "write", Syscalls.pwrite(fd, page, 0, 4096, (long) i * 4096), 4096);
                        }
                        expect(k, "fsync", Syscalls.fsync(fd), 0); // blocks allocated: later writeback needs no allocation
                        for (int i = 0; i < pages; i++) {
                            page[0] = (byte) (i + 100);
                            expect(k, "rewrite", Syscalls.pwrite(fd, page, 0, 4096, (long) i * 4096), 4096); // dirty again
                        }
                        long addr = Syscalls.mmap((long) pages * 4096, Syscalls.PROT_READ, Syscalls.MAP_SHARED, fd, 0);
                        ready.completeAll();
                        byte[] one = new byte[1];
                        for (int i = pages - 1; i >= 0; i--) {
                            if (Syscalls.load(addr + (long) i * 4096, one, 0, 1) < 0) { // filemap_fault + alloc_set_pte
                                break; // SIGBUS
                            }
                        }
                        Syscalls.munmap(addr);
                        Syscalls.close(fd);
                        done.completeAll();
                    });
                    k.spawn("sync", TaskKind.USER, () -> {
                        ready.waitForCompletion();
                        Syscalls.sync(); // the flusher writes /data back while the faults run
                    });
                    k.spawn("hog", TaskKind.USER, () -> {
                        cg.attach(org.faultline.kernel.Task.current());
                        ready.waitForCompletion();
                        long len = 30L * 4096; // keeps the memcg at its limit
                        long a = Syscalls.mmap(len, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                                Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS, -1, 0);
                        byte[] one = {1};
                        for (long off = 0; off < len; off += 4096) {
                            if (Syscalls.store(a + off, one, 0, 1) < 0) {
                                break; // SIGBUS (memcg OOM): the task is dead
                            }
                        }
                        done.waitForCompletion();
                        Syscalls.munmap(a);
                    });
                    k.spawn("umount", TaskKind.USER, () -> {
                        done.waitForCompletion();
                        Vfs.of(k).umountRoot();
                    });
                });
    }

    /**
     * Bug 4: two tasks each rewrite one page and fsync it; the end of one writeback clears
     * PG_writeback, another writeback starts, and the late wake-up of the first reaches an fsync
     * that waits on the second (iomap writeback → write_cache_pages, 5.10).
     */
    static Scenario writebackStaleWakeBugOn() {
        return new Scenario("writeback-stale-wake-bug-on",
                "bug 4: fsync vs a stale end_page_writeback wake-up (write_cache_pages, 5.10)", 4, "5.10",
                1024, 8L << 20, true, ctx -> {
                    Kernel k = ctx.k();
                    org.faultline.kernel.Completion created = new org.faultline.kernel.Completion(k, "file created");
                    org.faultline.kernel.Completion done = new org.faultline.kernel.Completion(k, "writers done");
                    for (int t = 0; t < 2; t++) {
                        int id = t;
                        k.spawn("fsync" + t, TaskKind.USER, () -> {
                            int fd;
                            if (id == 0) {
                                fd = Syscalls.open("/f", File.O_CREAT | File.O_RDWR, 0644);
                                created.completeAll();
                            } else {
                                created.waitForCompletion();
                                fd = Syscalls.open("/f", File.O_RDWR, 0);
                            }
                            byte[] page = new byte[4096];
                            for (int i = 0; i < 6; i++) {
                                page[0] = (byte) (id * 16 + i);
                                expect(k, "pwrite", Syscalls.pwrite(fd, page, 0, 4096, 0), 4096);
                                expect(k, "fsync", Syscalls.fsync(fd), 0);
                            }
                            Syscalls.close(fd);
                            done.complete();
                        });
                    }
                    k.spawn("umount", TaskKind.USER, () -> {
                        done.waitForCompletion();
                        done.waitForCompletion();
                        Vfs.of(k).umountRoot();
                    });
                });
    }

    private static void expect(Kernel k, String what, long got, long want) {
        if (got != want) {
            k.corruption("workload error: " + what + " returned " + (got < 0 ? Errno.name(got) : got)
                    + ", expected " + (want < 0 ? Errno.name(want) : want), "");
        }
    }
}

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
        return List.of(mkwriteNotUptodateAfterEio());
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

    private static void expect(Kernel k, String what, long got, long want) {
        if (got != want) {
            k.corruption("workload error: " + what + " returned " + (got < 0 ? Errno.name(got) : got)
                    + ", expected " + (want < 0 ? Errno.name(want) : want), "");
        }
    }
}

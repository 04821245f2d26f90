package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.faultline.block.HostFileDriver;
import org.faultline.fs.DirEntry;
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
 * The in-kernel ext4 end to end: system calls through the page cache, delalloc writeback, the
 * flusher and the block layer onto a real image file, then the real e2fsck and debugfs.
 */
class Ext4KernelTest {
    static RunResult boot(Path img, boolean controlled, long seed, int ramPages, Consumer<Kernel> work) throws Exception {
        return boot(img, controlled ? BootParams.controlled(new RandomWalk(seed)) : BootParams.free(), ramPages, work);
    }

    /** Boots {@code bp}'s kernel on {@code img}, runs {@code work} as a user task, unmounts. */
    static RunResult boot(Path img, BootParams bp, int ramPages, Consumer<Kernel> work) throws Exception {
        HostFileDriver drv = HostFileDriver.open(img, false, false);
        try (Machine m = Machine.boot(new Machine.Spec(bp, ramPages, drv, 2, false, false))) {
            Kernel k = m.kernel();
            k.spawn("workload", TaskKind.USER, () -> {
                work.accept(k);
                Syscalls.exit();
                assertEquals(0, Vfs.of(k).umountRoot());
            });
            return m.run();
        }
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    static void writeFile(String path, byte[] data, int chunk) {
        int fd = Syscalls.open(path, File.O_CREAT | File.O_WRONLY | File.O_TRUNC, 0644);
        assertTrue(fd >= 0, path + ": " + fd);
        for (int off = 0; off < data.length; off += chunk) {
            int n = Math.min(chunk, data.length - off);
            assertEquals(n, Syscalls.write(fd, data, off, n));
        }
        assertEquals(0, Syscalls.close(fd));
    }

    @Test
    void filesWrittenThroughTheKernelAreWhatE2fsckAndDebugfsSee() throws Exception {
        E2fs.assumeInstalled();
        Path dir = E2fs.scratch("kernel-ext4");
        Path img = dir.resolve("k.img");
        Mkfs.createImage(img, 64L << 20, Mkfs.Options.seeded(1));
        int[] sizes = {0, 1, 4095, 4096, 4097, (1 << 20) + 3};
        List<byte[]> datas = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            datas.add(random(sizes[i], i));
        }
        byte[] sparse = random(4096, 99);
        RunResult r = boot(img, false, 0, 4096, k -> {
            assertEquals(0, Syscalls.mkdir("/d", 0755));
            for (int i = 0; i < sizes.length; i++) {
                writeFile("/d/f" + i, datas.get(i), 3000);
            }
            int fd = Syscalls.open("/sparse", File.O_CREAT | File.O_RDWR, 0644);
            assertEquals(4096, Syscalls.pwrite(fd, sparse, 0, 4096, 10L << 20));
            assertEquals(0, Syscalls.fsync(fd));
            Syscalls.close(fd);
            byte[] back = new byte[sizes[5]];
            fd = Syscalls.open("/d/f5", File.O_RDONLY, 0);
            assertEquals(sizes[5], Syscalls.read(fd, back, 0, back.length));
            assertArrayEquals(datas.get(5), back);
            Syscalls.close(fd);
            List<DirEntry> ents = new ArrayList<>();
            assertEquals(0, Syscalls.readdir("/d", ents));
            assertEquals(sizes.length, ents.size());
        });
        assertTrue(r.ok(), () -> r.fatal().report() + "\n" + r.dmesg());
        E2fs.Run fsck = E2fs.e2fsck(img);
        assertEquals(0, fsck.exit(), fsck.out());
        for (int i = 0; i < sizes.length; i++) {
            Path out = dir.resolve("dump" + i);
            Files.deleteIfExists(out);
            E2fs.debugfs(img, "dump /d/f" + i + " " + out);
            assertArrayEquals(datas.get(i), Files.readAllBytes(out), "f" + i);
        }
        Path out = dir.resolve("dumpsparse");
        Files.deleteIfExists(out);
        E2fs.debugfs(img, "dump /sparse " + out);
        byte[] s = Files.readAllBytes(out);
        assertEquals((10L << 20) + 4096, s.length);
        assertArrayEquals(sparse, java.util.Arrays.copyOfRange(s, 10 << 20, (10 << 20) + 4096));
        assertEquals(0, s[12345]);
    }

    @Test
    void unlinkTruncateAndMmapUnderAControlledScheduleStayConsistent() throws Exception {
        E2fs.assumeInstalled();
        Path dir = E2fs.scratch("kernel-ext4-ctl");
        Path img = dir.resolve("c.img");
        Mkfs.createImage(img, 16L << 20, Mkfs.Options.seeded(2));
        byte[] a = random(50_000, 7);
        RunResult r = boot(img, true, 3, 1024, k -> {
            writeFile("/a", a, 8192);
            writeFile("/gone", random(20_000, 8), 8192);
            assertEquals(0, Syscalls.unlink("/gone"));
            assertEquals(0, Syscalls.mkdir("/dir", 0755));
            assertEquals(0, Syscalls.rmdir("/dir"), "rmdir of an empty directory");
            assertEquals(-org.faultline.kernel.Errno.ENOENT, Syscalls.rmdir("/dir"));
            int fd = Syscalls.open("/a", File.O_RDWR, 0);
            assertEquals(0, Syscalls.ftruncate(fd, 30_000));
            long addr = Syscalls.mmap(32768, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_SHARED, fd, 0);
            assertEquals(5, Syscalls.store(addr + 100, "HELLO".getBytes(), 0, 5));
            assertEquals(0, Syscalls.msync(addr, true));
            Syscalls.munmap(addr);
            Syscalls.close(fd);
        });
        assertTrue(r.ok(), () -> r.fatal().report() + "\n" + r.dmesg());
        E2fs.Run fsck = E2fs.e2fsck(img);
        assertEquals(0, fsck.exit(), fsck.out());
        Path out = dir.resolve("dumpa");
        Files.deleteIfExists(out);
        E2fs.debugfs(img, "dump /a " + out);
        byte[] got = Files.readAllBytes(out);
        assertEquals(30_000, got.length);
        byte[] want = java.util.Arrays.copyOf(a, 30_000);
        System.arraycopy("HELLO".getBytes(), 0, want, 100, 5);
        assertArrayEquals(want, got);
    }
}

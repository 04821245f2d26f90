package org.faultline.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.faultline.fs.ramfs.Ramfs;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
import org.faultline.mm.Mm;
import org.junit.jupiter.api.Test;

class VfsRamfsTest {
    static RunResult run(long seed, Consumer<Kernel> body) {
        Kernel k = Kernel.boot(BootParams.controlled(new RandomWalk(seed)));
        Mm mm = Mm.init(k, Mm.Params.ofPages(256));
        Machine.initcalls(k); // blk_dev_init, buffer_init, vfs_caches_init: this test boots no disk
        Vfs.of(k).mountRoot(Ramfs.mount(k));
        k.spawn("user", TaskKind.USER, () -> {
            body.accept(k);
            Syscalls.exit();
        });
        RunResult r = k.run();
        mm.memMap().close();
        return r;
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void filesAndDirectoriesBehaveAsSystemCalls() {
        List<Object> got = new ArrayList<>();
        RunResult r = run(1, k -> {
            got.add(Syscalls.mkdir("/d", 0755));                         // 0
            got.add(Syscalls.mkdir("/d", 0755));                         // -EEXIST
            int fd = Syscalls.open("/d/f", File.O_CREAT | File.O_RDWR, 0644);
            got.add(fd >= 3);
            got.add(Syscalls.write(fd, b("hello world"), 0, 11));         // 11
            got.add(Syscalls.lseek(fd, 6, Syscalls.SEEK_SET));            // 6
            byte[] buf = new byte[16];
            long n = Syscalls.read(fd, buf, 0, 16);
            got.add(new String(buf, 0, (int) n, StandardCharsets.UTF_8)); // "world"
            got.add(Syscalls.pwrite(fd, b("HELLO"), 0, 5, 0));            // 5
            n = Syscalls.pread(fd, buf, 0, 16, 0);
            got.add(new String(buf, 0, (int) n, StandardCharsets.UTF_8)); // "HELLO world"
            got.add(Syscalls.ftruncate(fd, 5));
            Kstat[] st = new Kstat[1];
            got.add(Syscalls.fstat(fd, st));
            got.add(st[0].size());                                        // 5
            got.add(Syscalls.close(fd));
            got.add(Syscalls.close(fd));                                  // -EBADF
            got.add(Syscalls.open("/nope", File.O_RDONLY, 0));            // -ENOENT
            got.add(Syscalls.open("/d", File.O_RDWR, 0));                 // -EISDIR
            got.add(Syscalls.open("/d/f", File.O_CREAT | File.O_EXCL | File.O_RDWR, 0)); // -EEXIST
            got.add(Syscalls.rmdir("/d"));                                // -ENOTEMPTY
            got.add(Syscalls.rename("/d/f", "/g"));                       // 0
            List<DirEntry> ents = new ArrayList<>();
            Syscalls.readdir("/", ents);
            got.add(ents.stream().map(DirEntry::name).toList());          // [d, g]
            got.add(Syscalls.unlink("/g"));
            got.add(Syscalls.rmdir("/d"));
            got.add(Syscalls.stat("/d", st));                             // -ENOENT
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(Arrays.asList(0, -Errno.EEXIST, true, 11L, 6L, "world", 5L, "HELLO world", 0, 0, 5L, 0,
                -Errno.EBADF, -Errno.ENOENT, -Errno.EISDIR, -Errno.EEXIST, -Errno.ENOTEMPTY, 0, List.of("d", "g"),
                0, 0, -Errno.ENOENT), got);
    }

    @Test
    void appendAndSparseReadsAndMmapStoresAreVisibleToRead() {
        byte[][] out = new byte[3][];
        RunResult r = run(2, k -> {
            int fd = Syscalls.open("/f", File.O_CREAT | File.O_RDWR | File.O_APPEND, 0644);
            Syscalls.write(fd, b("ab"), 0, 2);
            Syscalls.pwrite(fd, b("z"), 0, 1, 9000); // as on Linux, pwrite on an O_APPEND file appends
            out[0] = new byte[9001];
            long n = Syscalls.pread(fd, out[0], 0, 9001, 0);
            out[0] = Arrays.copyOf(out[0], (int) n);
            long addr = Syscalls.mmap(8192, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_SHARED, fd, 0);
            Syscalls.store(addr + 1, b("Q"), 0, 1);
            out[1] = new byte[2];
            Syscalls.pread(fd, out[1], 0, 2, 0);
            byte[] seen = new byte[1];
            Syscalls.load(addr, seen, 0, 1);
            out[2] = seen;
            Syscalls.munmap(addr);
        });
        assertTrue(r.ok(), () -> r.fatal().report());
        assertArrayEquals(b("aQ"), out[1], "a store through the shared mapping is what read() sees");
        assertArrayEquals(b("a"), out[2]);
        assertEquals('a', out[0][0]);
        assertEquals('b', out[0][1]);
    }

    @Test
    void sameSeedSameTrace() {
        long[] d = new long[2];
        for (int i = 0; i < 2; i++) {
            d[i] = run(7, k -> {
                for (int j = 0; j < 5; j++) {
                    int fd = Syscalls.open("/f" + j, File.O_CREAT | File.O_RDWR, 0644);
                    Syscalls.write(fd, new byte[5000], 0, 5000);
                    Syscalls.close(fd);
                }
            }).traceDigest();
        }
        assertEquals(d[0], d[1]);
    }
}

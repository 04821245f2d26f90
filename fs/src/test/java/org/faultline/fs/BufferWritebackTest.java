package org.faultline.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Consumer;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Failure;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
import org.faultline.mm.Filemap;
import org.faultline.mm.Mm;
import org.faultline.mm.Page;
import org.faultline.mm.Truncate;
import org.junit.jupiter.api.Test;

class BufferWritebackTest {
    static RunResult run(long seed, int ramPages, Consumer<BlockMappedFs> body, BlockMappedFs[] out) {
        Kernel k = Kernel.boot(BootParams.controlled(new RandomWalk(seed)));
        Mm mm = Mm.init(k, Mm.Params.ofPages(ramPages));
        Machine.initcalls(k); // blk_dev_init, buffer_init, vfs_caches_init: this test boots no disk
        BlockMappedFs fs = new BlockMappedFs(k, 8);
        out[0] = fs;
        Vfs.of(k).mountRoot(fs.sb);
        k.spawn("user", TaskKind.USER, () -> {
            body.accept(fs);
            Syscalls.exit();
        });
        RunResult r = k.run();
        mm.memMap().close();
        return r;
    }

    static byte[] pattern(int n, int salt) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 13 + salt);
        }
        return b;
    }

    @Test
    void fsyncWritesThroughBuffersToTheDiskAndReadsComeBackAfterEviction() {
        BlockMappedFs[] fs = new BlockMappedFs[1];
        byte[] data = pattern(3 * 4096 + 100, 5);
        byte[][] back = new byte[1][];
        RunResult r = run(1, 256, f -> {
            int fd = Syscalls.open("/a", File.O_CREAT | File.O_RDWR, 0644);
            assertEquals(data.length, Syscalls.write(fd, data, 0, data.length));
            assertEquals(0, Syscalls.fsync(fd));
            Inode inode = Vfs.of(f.sb.kernel()).lookup("/a");
            assertEquals(4, Truncate.invalidateMappingPages(inode.mapping(), 0, Long.MAX_VALUE), "clean pages drop");
            back[0] = new byte[data.length];
            Syscalls.pread(fd, back[0], 0, data.length, 0); // block_read_full_page from the disk
        }, fs);
        assertTrue(r.ok(), () -> r.fatal().report());
        byte[] disk = new byte[data.length];
        fs[0].disk.bytes().get(0, disk, 0, disk.length); // ino 2 -> blocks 0..
        assertArrayEquals(data, disk, "the bytes are on the disk");
        assertArrayEquals(data, back[0], "and read back after the page cache dropped them");
    }

    @Test
    void theFlusherWritesDirtyPagesOnSync() {
        BlockMappedFs[] fs = new BlockMappedFs[1];
        byte[] data = pattern(8192, 9);
        RunResult r = run(2, 256, f -> {
            int fd = Syscalls.open("/b", File.O_CREAT | File.O_RDWR, 0644);
            Syscalls.write(fd, data, 0, data.length);
            assertEquals(0, Syscalls.sync()); // writeback_inodes_sb + sync_inodes_sb on the flusher
        }, fs);
        assertTrue(r.ok(), () -> r.fatal().report());
        byte[] disk = new byte[data.length];
        fs[0].disk.bytes().get(0, disk, 0, disk.length);
        assertArrayEquals(data, disk);
        assertTrue(fs[0].sb.writeback().pagesWritten() >= 2, "the flusher did the writing");
    }

    @Test
    void tryToFreeBuffersRefusesDirtyBuffersAndReleasesCleanOnes() {
        BlockMappedFs[] fs = new BlockMappedFs[1];
        boolean[] res = new boolean[3];
        RunResult r = run(3, 256, f -> {
            int fd = Syscalls.open("/c", File.O_CREAT | File.O_RDWR, 0644);
            Syscalls.write(fd, new byte[4096], 0, 4096);
            Inode inode = Vfs.of(f.sb.kernel()).lookup("/c");
            Page p = Filemap.findLockPage(inode.mapping(), 0);
            res[0] = Buffer.tryToFreeBuffers(p);
            Filemap.unlockPage(p);
            Syscalls.fsync(fd);
            Filemap.lockPage(p);
            res[1] = Buffer.tryToFreeBuffers(p);
            res[2] = p.hasPrivate();
            Filemap.unlockPage(p);
            inode.sb().mm().allocator().putPage(p);
        }, fs);
        assertTrue(r.ok(), () -> r.fatal().report());
        assertFalse(res[0], "dirty buffers stay");
        assertTrue(res[1], "clean buffers go");
        assertFalse(res[2]);
    }

    @Test
    void pageBuffersOnAPageWithoutBuffersIsABugAtTheCaller() {
        BlockMappedFs[] fs = new BlockMappedFs[1];
        RunResult r = run(4, 256, f -> {
            int fd = Syscalls.open("/d", File.O_CREAT | File.O_RDWR, 0644);
            Syscalls.write(fd, new byte[4096], 0, 4096);
            Syscalls.fsync(fd);
            Inode inode = Vfs.of(f.sb.kernel()).lookup("/d");
            Page p = Filemap.findLockPage(inode.mapping(), 0);
            Buffer.tryToFreeBuffers(p);
            new FakeExt4().mpagePrepareExtentToMap(p);
        }, fs);
        assertEquals(Failure.Kind.BUG, r.fatal().kind());
        assertEquals("kernel BUG at fs/ext4/inode.c!", r.fatal().title());
        assertTrue(r.fatal().report().contains("RIP: mpage_prepare_extent_to_map"), r.fatal().report());
    }

    @org.faultline.kernel.KernelSource("fs/ext4/inode.c")
    static final class FakeExt4 {
        void mpagePrepareExtentToMap(Page p) {
            Buffer.pageBuffers(p);
        }
    }

    @Test
    void mmapStoreGoesThroughBlockPageMkwriteAndReachesTheDisk() {
        BlockMappedFs[] fs = new BlockMappedFs[1];
        RunResult r = run(5, 256, f -> {
            int fd = Syscalls.open("/e", File.O_CREAT | File.O_RDWR, 0644);
            Syscalls.write(fd, new byte[4096], 0, 4096);
            Syscalls.fsync(fd);
            long addr = Syscalls.mmap(4096, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_SHARED, fd, 0);
            assertEquals(3, Syscalls.store(addr + 10, "xyz".getBytes(), 0, 3));
            assertEquals(0, Syscalls.msync(addr, true));
            Syscalls.munmap(addr);
        }, fs);
        assertTrue(r.ok(), () -> r.fatal().report());
        byte[] disk = new byte[3];
        fs[0].disk.bytes().get(10, disk, 0, 3);
        assertArrayEquals("xyz".getBytes(), disk);
    }
}

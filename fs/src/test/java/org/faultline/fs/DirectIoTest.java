package org.faultline.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.faultline.kernel.Errno;
import org.faultline.kernel.RunResult;
import org.faultline.mm.Filemap;
import org.faultline.mm.Page;
import org.junit.jupiter.api.Test;

class DirectIoTest {
    @Test
    void directWriteBypassesTheCacheAndDirectReadReturnsIt() {
        BlockMappedFs[] fs = new BlockMappedFs[1];
        byte[] data = BufferWritebackTest.pattern(3 * 4096, 3);
        byte[] back = new byte[data.length];
        long[] cached = {-1};
        RunResult r = BufferWritebackTest.run(1, 256, f -> {
            int fd = Syscalls.open("/a", File.O_CREAT | File.O_RDWR | File.O_DIRECT, 0644);
            assertEquals(data.length, Syscalls.pwrite(fd, data, 0, data.length, 0));
            cached[0] = Vfs.of(f.sb.kernel()).lookup("/a").mapping().nrpages();
            assertEquals(data.length, Syscalls.pread(fd, back, 0, back.length, 0));
            assertEquals(-Errno.EINVAL, Syscalls.pread(fd, back, 0, 100, 0), "O_DIRECT needs 512-byte alignment");
        }, fs);
        assertTrue(r.ok(), () -> r.fatal().report());
        assertEquals(0, cached[0], "nothing went through the page cache");
        assertArrayEquals(data, back);
        byte[] disk = new byte[data.length];
        fs[0].disk.bytes().get(0, disk, 0, disk.length);
        assertArrayEquals(data, disk);
    }

    @Test
    void directReadIntoASharedMappingFaultsItForWriteAndDirtiesThatFilesPage() {
        BlockMappedFs[] fs = new BlockMappedFs[1];
        byte[] data = BufferWritebackTest.pattern(4096, 7);
        boolean[] dirty = {false};
        RunResult r = BufferWritebackTest.run(2, 256, f -> {
            int fd1 = Syscalls.open("/file1", File.O_CREAT | File.O_RDWR, 0644);
            Syscalls.write(fd1, new byte[4096], 0, 4096);
            Syscalls.fsync(fd1);
            int fd2 = Syscalls.open("/file2", File.O_CREAT | File.O_RDWR, 0644);
            Syscalls.write(fd2, data, 0, 4096);
            Syscalls.fsync(fd2);
            Syscalls.close(fd2);
            fd2 = Syscalls.open("/file2", File.O_RDONLY | File.O_DIRECT, 0);
            long addr = Syscalls.mmap(4096, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_SHARED, fd1, 0);
            assertEquals(4096, Syscalls.preadUser(fd2, addr, 4096, 0)); // read(fd2, addr, len)
            Page p = Filemap.findGetPage(Vfs.of(f.sb.kernel()).lookup("/file1").mapping(), 0);
            dirty[0] = p.dirty();
            f.sb.mm().allocator().putPage(p);
            Syscalls.munmap(addr);
            Syscalls.fsync(fd1);
        }, fs);
        assertTrue(r.ok(), () -> r.fatal().report());
        assertTrue(dirty[0], "GUP faulted file1's page for write and dio_bio_complete dirtied it");
        byte[] disk = new byte[4096];
        fs[0].disk.bytes().get(0, disk, 0, 4096); // file1 is ino 2: blocks 0..
        assertArrayEquals(data, disk, "file2's bytes reached file1 on disk through the mapping");
    }
}

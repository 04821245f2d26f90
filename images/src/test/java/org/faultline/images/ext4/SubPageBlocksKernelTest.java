package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.faultline.fs.File;
import org.faultline.fs.Syscalls;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.RunResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The in-kernel ext4 with blocks smaller than a page: each block of a page is mapped, reserved,
 * allocated and written through its own buffer head (delalloc write_begin, writepages, readpage with
 * holes inside a page, truncate and punch inside a page, page_mkwrite after the file grows, direct I/O
 * of parts of blocks), checked through the kernel with the page cache dropped, then on the unmounted
 * image: the block maps Faultline left, e2fsck -fn, and the bytes.
 */
class SubPageBlocksKernelTest {

    static Stream<Arguments> images() {
        return Stream.of(Arguments.of("faultline", 1024), Arguments.of("faultline", 2048), Arguments.of("host", 1024));
    }

    /** A 16 MiB image of {@code bs}-byte blocks: Faultline's mkfs, or the host's with its default features. */
    private static Path image(String mkfs, int bs, String name) throws Exception {
        Path img = E2fs.scratch("subpage-" + name + "-" + mkfs + "-" + bs).resolve("img");
        if (mkfs.equals("host")) {
            E2fs.Run r = E2fs.run("mkfs.ext4", "-F", "-q", "-b", Integer.toString(bs), img.toString(), "16M");
            assertEquals(0, r.exit(), r.out());
        } else {
            Mkfs.createImage(img, 16L << 20, Mkfs.Options.seeded(bs).withBlockSize(bs));
        }
        return img;
    }

    private static void run(Path img, Consumer<Kernel> work) throws Exception {
        run(img, "6.6", work);
    }

    private static void run(Path img, String profile, Consumer<Kernel> work) throws Exception {
        RunResult r = Ext4KernelTest.boot(img, org.faultline.kernel.BootParams.free()
                .withProfile(org.faultline.kernel.KernelProfile.byName(profile)), 2048, work);
        assertTrue(r.ok(), () -> r.fatal().report() + "\n" + r.dmesg());
        E2fs.Run fsck = E2fs.e2fsck(img);
        assertEquals(0, fsck.exit(), fsck.out());
        Fsck.Report rep = Fsck.checkImage(img);
        assertTrue(rep.clean(), rep.toString());
    }

    private static int open(String path, int flags) {
        int fd = Syscalls.open(path, flags | File.O_CREAT, 0644);
        assertTrue(fd >= 0, path + ": " + fd);
        return fd;
    }

    private static void pwrite(int fd, byte[] b, long pos) {
        assertEquals(b.length, Syscalls.pwrite(fd, b, 0, b.length, pos));
    }

    /** The file's bytes read through the kernel after its page cache was written back and dropped. */
    private static byte[] readCold(String path, int len) {
        int fd = Syscalls.open(path, File.O_RDWR, 0);
        assertEquals(0, Syscalls.fsync(fd));
        assertEquals(0, Syscalls.fadvise(fd, 0, 0, Syscalls.POSIX_FADV_DONTNEED));
        byte[] b = new byte[len];
        assertEquals(len, Syscalls.pread(fd, b, 0, len, 0));
        assertEquals(0, Syscalls.close(fd));
        return b;
    }

    private static byte[] fill(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }

    private static List<Extent> extents(Path img, String path) throws Exception {
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            return v.extents(v.lookup(path));
        }
    }

    private static byte[] onDisk(Path img, String path) throws Exception {
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            return v.readAll(path);
        }
    }

    @ParameterizedTest(name = "{0} mkfs, {1}-byte blocks")
    @MethodSource("images")
    void eachBlockOfAPageGetsItsOwnBlock(String mkfs, int bs) throws Exception {
        Path img = image(mkfs, bs, "blocks");
        byte[] a = fill(100, 0xA1);
        byte[] b0 = fill(10, 0xB0);
        byte[] b2 = fill(10, 0xB2);
        byte[][] cold = new byte[2][];
        run(img, k -> {
            int fd = open("/a", File.O_RDWR);
            pwrite(fd, a, 2L * bs + 50); // the third block of page 0, nothing before it
            Syscalls.close(fd);
            fd = open("/b", File.O_RDWR);
            pwrite(fd, b0, 0);
            pwrite(fd, b2, 2L * bs + 7); // a hole between two blocks of one page
            Syscalls.close(fd);
            cold[0] = readCold("/a", 2 * bs + 150);
            cold[1] = readCold("/b", 2 * bs + 17);
        });
        byte[] wantA = new byte[2 * bs + 150];
        System.arraycopy(a, 0, wantA, 2 * bs + 50, a.length);
        byte[] wantB = new byte[2 * bs + 17];
        System.arraycopy(b0, 0, wantB, 0, b0.length);
        System.arraycopy(b2, 0, wantB, 2 * bs + 7, b2.length);
        assertArrayEquals(wantA, cold[0], "/a read back through a page whose first blocks are holes");
        assertArrayEquals(wantB, cold[1], "/b read back through a page with a hole between its blocks");
        assertArrayEquals(wantA, onDisk(img, "/a"));
        assertArrayEquals(wantB, onDisk(img, "/b"));
        List<Extent> ea = extents(img, "/a");
        assertEquals(1, ea.size(), ea.toString());
        assertEquals(2, ea.get(0).lblk(), "only the written block is allocated");
        assertEquals(1, ea.get(0).len());
        List<Extent> eb = extents(img, "/b");
        assertEquals(List.of(0L, 2L), eb.stream().map(Extent::lblk).toList(), eb.toString());
    }

    @ParameterizedTest(name = "{0} mkfs, {1}-byte blocks")
    @MethodSource("images")
    void truncateAndPunchInsideAPageZeroAndFreeBlocks(String mkfs, int bs) throws Exception {
        Path img = image(mkfs, bs, "punch");
        int page = 4096;
        byte[] data = fill(2 * page, 0x5A);
        long cut = bs + 300;            // truncate: inside the second block
        long punchOff = bs - 24;        // punch: the last 24 bytes of block 0 ...
        long punchLen = 2L * bs + 48;   // ... blocks 1 and 2, the first 24 bytes of block 3
        byte[][] cold = new byte[3][];
        run(img, k -> {
            int fd = open("/t", File.O_RDWR);
            pwrite(fd, data, 0);
            assertEquals(0, Syscalls.fsync(fd));
            assertEquals(0, Syscalls.ftruncate(fd, cut));
            assertEquals(0, Syscalls.ftruncate(fd, page)); // back up: the cut bytes must read as zeros
            Syscalls.close(fd);
            fd = open("/p", File.O_RDWR);
            pwrite(fd, data, 0);
            assertEquals(0, Syscalls.fsync(fd));
            assertEquals(0, Syscalls.fadvise(fd, 0, 0, Syscalls.POSIX_FADV_DONTNEED)); // the punch reads its partial blocks
            assertEquals(0, Syscalls.fallocate(fd, Syscalls.FALLOC_FL_PUNCH_HOLE | Syscalls.FALLOC_FL_KEEP_SIZE,
                    punchOff, punchLen));
            cold[2] = new byte[2 * page];
            assertEquals(2 * page, Syscalls.pread(fd, cold[2], 0, 2 * page, 0)); // from the page cache
            Syscalls.close(fd);
            cold[0] = readCold("/t", page);
            cold[1] = readCold("/p", 2 * page);
        });
        byte[] wantT = new byte[page];
        Arrays.fill(wantT, 0, (int) cut, (byte) 0x5A);
        byte[] wantP = data.clone();
        Arrays.fill(wantP, (int) punchOff, (int) (punchOff + punchLen), (byte) 0);
        assertArrayEquals(wantT, cold[0]);
        assertArrayEquals(wantP, cold[2], "the punched blocks read as zeros from the cache, not what the disk held");
        assertArrayEquals(wantP, cold[1], "and from the disk");
        assertArrayEquals(wantT, onDisk(img, "/t"));
        assertArrayEquals(wantP, onDisk(img, "/p"));
        assertEquals(List.of(0L), extents(img, "/t").stream().map(Extent::lblk).toList(),
                "truncate kept the blocks up to the cut: " + extents(img, "/t"));
        assertEquals(2, extents(img, "/t").get(0).len());
        List<Extent> ep = extents(img, "/p");
        for (Extent e : ep) {
            assertTrue(e.lblk() + e.len() <= 1 || e.lblk() >= 3, "blocks 1 and 2 are punched out: " + ep);
        }
        assertEquals(2 * page / bs - 2, ep.stream().mapToLong(Extent::len).sum(), "every other block stays: " + ep);
    }

    /**
     * ext4_punch_hole() (6.6): a hole starting at or beyond i_size punches nothing, and one crossing
     * i_size ends after the page holding it, so blocks preallocated further out (keep-size) stay — as
     * the host kernel keeps them (it returns early and clips the same way).
     */
    @ParameterizedTest(name = "{0} mkfs, {1}-byte blocks")
    @MethodSource("images")
    void aPunchBeyondEofFreesNothingAndOneAcrossItStopsAfterTheEofPage(String mkfs, int bs) throws Exception {
        Path img = image(mkfs, bs, "punch-eof");
        int size = 8718;
        long[] blocks = new long[3];
        run(img, k -> {
            int fd = open("/f", File.O_RDWR);
            pwrite(fd, fill(size, 0x5A), 0);
            assertEquals(0, Syscalls.fsync(fd));
            assertEquals(0, Syscalls.fallocate(fd, Syscalls.FALLOC_FL_KEEP_SIZE, 16384, 65536));
            org.faultline.fs.Kstat[] st = new org.faultline.fs.Kstat[1];
            assertEquals(0, Syscalls.fstat(fd, st));
            blocks[0] = st[0].blocks();
            assertEquals(0, Syscalls.fallocate(fd, Syscalls.FALLOC_FL_PUNCH_HOLE | Syscalls.FALLOC_FL_KEEP_SIZE, 20480, 40960));
            assertEquals(0, Syscalls.fstat(fd, st));
            blocks[1] = st[0].blocks();
            assertEquals(0, Syscalls.fallocate(fd, Syscalls.FALLOC_FL_PUNCH_HOLE | Syscalls.FALLOC_FL_KEEP_SIZE, 4096, 100000));
            assertEquals(0, Syscalls.fstat(fd, st));
            blocks[2] = st[0].blocks();
            Syscalls.close(fd);
        });
        assertEquals(blocks[0], blocks[1], "a hole beyond i_size punches nothing");
        long freed = (size + bs - 1) / bs - 4096 / bs; // the data blocks from 4096 on; the rest of the EOF page is a hole
        assertEquals(blocks[0] - freed * (bs / 512), blocks[2], "only the blocks up to the end of the EOF page");
        List<Extent> e = extents(img, "/f");
        long pre = e.stream().filter(x -> x.lblk() >= 16384 / bs).mapToLong(Extent::len).sum();
        assertEquals(65536 / bs, pre, "the preallocation beyond the EOF page stays: " + e);
        assertTrue(e.stream().noneMatch(x -> x.lblk() < 12288 / bs && x.lblk() + x.len() > 4096 / bs), e::toString);
        byte[] want = fill(size, 0x5A);
        Arrays.fill(want, 4096, size, (byte) 0);
        assertArrayEquals(want, onDisk(img, "/f"));
    }

    @ParameterizedTest(name = "{0} mkfs, {1}-byte blocks")
    @MethodSource("images")
    void aStoreIntoBlocksTheFileGrewIntoIsKept(String mkfs, int bs) throws Exception {
        Path img = image(mkfs, bs, "mkwrite");
        run(img, k -> {
            int fd = open("/m", File.O_RDWR);
            pwrite(fd, fill(1000, 0x11), 0); // one block
            long addr = Syscalls.mmap(4096, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_SHARED, fd, 0);
            assertEquals(3, Syscalls.store(addr + 100, new byte[] {1, 2, 3}, 0, 3)); // page_mkwrite maps block 0
            assertEquals(0, Syscalls.ftruncate(fd, 4096)); // the page's other blocks join the file, holes
            // without the write-protect of pagecache_isize_extended this store would not fault, and the
            // block it lands in would get no block: writeback would drop it
            assertEquals(3, Syscalls.store(addr + 3000, new byte[] {7, 8, 9}, 0, 3));
            assertEquals(0, Syscalls.msync(addr, true));
            Syscalls.munmap(addr);
            Syscalls.close(fd);
        });
        byte[] want = new byte[4096];
        Arrays.fill(want, 0, 1000, (byte) 0x11);
        want[100] = 1;
        want[101] = 2;
        want[102] = 3;
        want[3000] = 7;
        want[3001] = 8;
        want[3002] = 9;
        assertArrayEquals(want, onDisk(img, "/m"));
    }

    /**
     * A store into a page whose blocks a zero range freed and preallocated: since 17207d0bb209 (6.15)
     * the page is write-protected first, the store faults and gets its block; 6.6 lets it land in a
     * writable page with no block under it, and writeback drops it, as that kernel does.
     */
    @ParameterizedTest(name = "{0} mkfs, {1}-byte blocks")
    @MethodSource("images")
    void aStoreIntoBlocksAZeroRangeReallocatedIsKeptSince615(String mkfs, int bs) throws Exception {
        assertEquals(6, storeAfterZeroRange(mkfs, bs, "6.15"), "6.15 keeps the store");
        assertEquals(0, storeAfterZeroRange(mkfs, bs, "6.6"), "6.6 loses it");
    }

    /** @return byte 10 of /z on disk after the store into the zero-ranged page */
    private static int storeAfterZeroRange(String mkfs, int bs, String profile) throws Exception {
        Path img = image(mkfs, bs, "zero-range-" + profile);
        run(img, profile, k -> {
            int fd = open("/z", File.O_RDWR);
            pwrite(fd, fill(8192, 0x33), 0);
            assertEquals(0, Syscalls.fsync(fd));
            long addr = Syscalls.mmap(8192, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_SHARED, fd, 0);
            assertEquals(1, Syscalls.store(addr + 4000, new byte[] {5}, 0, 1)); // page 0 mapped writable
            // whole blocks of page 0 are freed and preallocated again: page 0 is cached only in part now
            assertEquals(0, Syscalls.fallocate(fd, Syscalls.FALLOC_FL_ZERO_RANGE, 0, bs + 100));
            assertEquals(1, Syscalls.store(addr + 10, new byte[] {6}, 0, 1)); // must fault: its block is new
            assertEquals(0, Syscalls.msync(addr, true));
            Syscalls.munmap(addr);
            Syscalls.close(fd);
        });
        byte[] want = fill(8192, 0x33);
        Arrays.fill(want, 0, bs + 100, (byte) 0);
        want[4000] = 5;
        byte[] got = onDisk(img, "/z");
        want[10] = got[10];
        assertArrayEquals(want, got, "all but the byte in question");
        return got[10];
    }

    @ParameterizedTest(name = "{0} mkfs, {1}-byte blocks")
    @MethodSource("images")
    void directIoWritesPartsOfBlocks(String mkfs, int bs) throws Exception {
        Path img = image(mkfs, bs, "dio");
        byte[] first = fill(512, 0xD1);
        byte[] second = fill(bs, 0xD2);
        byte[][] cold = new byte[1][];
        run(img, k -> {
            int fd = open("/d", File.O_RDWR | File.O_DIRECT);
            pwrite(fd, first, 512); // the second half (or quarter) of a new block: its head is zeroed
            pwrite(fd, second, 3L * bs - 512); // the end of block 2 and the start of block 3
            byte[] back = new byte[4 * bs];
            assertEquals(4L * bs - 512, Syscalls.pread(fd, back, 0, back.length, 0));
            Syscalls.close(fd);
            cold[0] = readCold("/d", 4 * bs - 512);
            assertArrayEquals(cold[0], Arrays.copyOf(back, 4 * bs - 512), "O_DIRECT and buffered reads agree");
        });
        byte[] want = new byte[4 * bs - 512];
        System.arraycopy(first, 0, want, 512, first.length);
        System.arraycopy(second, 0, want, 3 * bs - 512, second.length);
        assertArrayEquals(want, cold[0]);
        assertArrayEquals(want, onDisk(img, "/d"));
        List<Extent> e = extents(img, "/d");
        long blocks = e.stream().mapToLong(Extent::len).sum();
        assertEquals(3, blocks, "blocks 0, 2 and 3, no more: " + e);
    }
}

package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.faultline.images.ext4.InodeApiNamespaceTest.assertE2fsckClean;
import static org.faultline.images.ext4.InodeApiNamespaceTest.errno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.faultline.kernel.Errno;
import org.junit.jupiter.api.Test;

/**
 * The block-mapping half of the inode-number API (Ext4Extents: ext4ExtMapBlocks, ext4ConvertUnwrittenExtents, ext4ExtRemoveSpace,
 * ext4AllocFileBlocks; Ext4Inodes: setSize, iBlocks) with the data written straight to the device, as the kernel's
 * page cache and block layer do; e2fsck and debugfs judge the result.
 */
class MapBlocksTest {
    private static final long ROOT = 2;
    private static final int REG = InodeDescriptor.S_IFREG | 0644;
    private static final int BS = 4096;

    /** The content the "kernel" writes to logical block {@code lblk} of the file tagged {@code tag}. */
    private static byte[] blockData(int tag, long lblk) {
        byte[] b = new byte[BS];
        Arrays.fill(b, (byte) (tag * 31 + lblk));
        LittleEndian.putU32(b, 0, lblk);
        LittleEndian.putU32(b, 4, tag);
        return b;
    }

    /** Writes {@link #blockData} to every block of {@code m} through the device. */
    private static void kernelWrite(BlockIo io, Ext4Extents.BlockMap m, int tag) throws Exception {
        for (int i = 0; i < m.len(); i++) {
            io.write(m.pblk() + i, blockData(tag, m.lblk() + i));
        }
    }

    private static byte[] expected(int tag, int blocks, long size, boolean[] zero) {
        byte[] out = new byte[(int) size];
        for (int l = 0; l < blocks; l++) {
            if (zero != null && zero[l]) {
                continue;
            }
            byte[] b = blockData(tag, l);
            int n = (int) Math.min(BS, size - (long) l * BS);
            if (n > 0) {
                System.arraycopy(b, 0, out, l * BS, n);
            }
        }
        return out;
    }

    private static byte[] debugfsDump(DriverBlockIo io, String dirName, String file) throws Exception {
        E2fs.assumeInstalled();
        Path dir = E2fs.scratch(dirName);
        Path img = dir.resolve("img");
        E2fs.writeImage(io, img);
        Path out = dir.resolve("dump");
        E2fs.Run r = E2fs.debugfs(img, "dump " + file + " " + out);
        assertTrue(Files.exists(out), r.out());
        return Files.readAllBytes(out);
    }

    private static DriverBlockIo fresh(long blocks, long seed) throws Exception {
        DriverBlockIo io = DriverBlockIo.ram(blocks);
        Mkfs.format(io, "mem", Mkfs.Options.seeded(seed));
        return io;
    }

    @Test
    void holesCreateMergeAndDataThroughTheDevice() throws Exception {
        DriverBlockIo io = fresh(4096, 31);
        long size = 22L * BS - 100;
        try (Ext4Image v = Ext4Image.open(io, "mem", false)) {
            long f = v.volume().dirs().ext4Create(ROOT, "f", REG);
            Ext4Extents.BlockMap h = v.volume().extents().ext4ExtMapBlocks(f, 5, 100, false, false);
            assertEquals(new Ext4Extents.BlockMap(5, 0, 100, false, false), h);
            assertEquals(0, v.volume().inodes().iBlocks(f));

            long free = v.freeBlocks();
            Ext4Extents.BlockMap a = v.volume().extents().ext4ExtMapBlocks(f, 0, 4, true, false);
            assertTrue(a.isNew());
            assertFalse(a.unwritten());
            assertEquals(4, a.len());
            Ext4Extents.BlockMap b = v.volume().extents().ext4ExtMapBlocks(f, 4, 4, true, false);
            assertEquals(a.pblk() + 4, b.pblk(), "adjacent lblks get adjacent pblks on an empty disk");
            assertEquals(1, v.extents(f).size(), "the extents merge");
            assertEquals(64, v.volume().inodes().iBlocks(f));
            assertEquals(free - 8, v.freeBlocks());

            Ext4Extents.BlockMap c = v.volume().extents().ext4ExtMapBlocks(f, 2, 100, false, false);
            assertEquals(new Ext4Extents.BlockMap(2, a.pblk() + 2, 6, false, false), c);
            Ext4Extents.BlockMap again = v.volume().extents().ext4ExtMapBlocks(f, 6, 1, true, false);
            assertEquals(new Ext4Extents.BlockMap(6, a.pblk() + 6, 1, false, false), again,
                    "create on a mapped block only reports it");

            Ext4Extents.BlockMap far = v.volume().extents().ext4ExtMapBlocks(f, 20, 2, true, false);
            assertEquals(a.pblk() + 20, far.pblk(), "goal: the previous extent's physical continuation");
            assertEquals(new Ext4Extents.BlockMap(8, 0, 12, false, false), v.volume().extents().ext4ExtMapBlocks(f, 8, 100, false, false),
                    "a hole reports its length up to the next mapped block");
            assertEquals(5, v.volume().extents().ext4ExtMapBlocks(f, 8, 5, false, false).len());
            Ext4Extents.BlockMap mid = v.volume().extents().ext4ExtMapBlocks(f, 8, 100, true, false);
            assertEquals(new Ext4Extents.BlockMap(8, a.pblk() + 8, 12, false, true), mid,
                    "the allocation stops at the hole's end");
            assertEquals(1, v.extents(f).size());
            assertEquals(22 * 8, v.volume().inodes().iBlocks(f));
            assertEquals(free - 22, v.freeBlocks());

            // argument errors
            assertEquals(Errno.EINVAL, errno(() -> v.volume().extents().ext4ExtMapBlocks(f, -1, 1, false, false)));
            assertEquals(Errno.EINVAL, errno(() -> v.volume().extents().ext4ExtMapBlocks(f, 0, 0, false, false)));
            assertEquals(Errno.EISDIR, errno(() -> v.volume().extents().ext4ExtMapBlocks(ROOT, 0, 1, false, false)));
            assertEquals(Errno.EFBIG, errno(() -> v.volume().extents().ext4ExtMapBlocks(f, Ext4Volume.MAX_FILE_SIZE / BS, 1, true,
                    false)));

            // the kernel writes every block itself, then sets the size and syncs
            for (Extent e : v.extents(f)) {
                kernelWrite(io, new Ext4Extents.BlockMap(e.lblk(), e.pblk(), e.len(), false, false), 1);
            }
            v.volume().inodes().setSize(f, size);
            v.volume().inodes().setTimes(f, 1_700_000_000_999_999_999L, 1_700_000_000_999_999_999L);
            assertEquals(1_700_000_000L, v.stat(f).mtime());
            assertEquals(1_700_000_000L, v.stat(f).ctime());
            assertEquals(size, v.stat(f).size());
            assertArrayEquals(expected(1, 22, size, null), v.readAll("/f"), "the path API reads the data too");
            v.sync();
            long writes = io.writes();
            long flushes = io.flushes();
            v.sync();
            assertEquals(writes, io.writes(), "an idle sync writes nothing");
            assertEquals(flushes, io.flushes(), "an idle sync does not even flush");
        }
        assertArrayEquals(expected(1, 22, size, null), debugfsDump(io, "map-blocks-dump", "/f"));
        assertE2fsckClean(io, "map-blocks");
    }

    @Test
    void enospcLeavesCountsConsistent() throws Exception {
        DriverBlockIo io = fresh(1024, 32);
        try (Ext4Image v = Ext4Image.open(io, "mem", false)) {
            long[] f = {v.volume().dirs().ext4Create(ROOT, "a", REG), v.volume().dirs().ext4Create(ROOT, "b", REG)};
            long[] next = new long[2];
            int failures = 0;
            // alternate single blocks so neither file's extents merge: trees split, nodes get allocated
            for (int turn = 0; failures < 4; turn++) {
                int i = turn & 1;
                long free = v.freeBlocks();
                long iblocks = v.volume().inodes().iBlocks(f[i]);
                List<Extent> before = v.extents(f[i]);
                try {
                    Ext4Extents.BlockMap m = v.volume().extents().ext4ExtMapBlocks(f[i], next[i], 1, true, false);
                    kernelWrite(io, m, i + 1);
                    next[i]++;
                    failures = 0;
                } catch (Ext4Exception e) {
                    assertEquals(Errno.ENOSPC, e.errno(), e.getMessage());
                    assertEquals(free, v.freeBlocks(), "a failed allocation changes no count");
                    assertEquals(iblocks, v.volume().inodes().iBlocks(f[i]));
                    assertEquals(before, v.extents(f[i]));
                    failures++;
                }
            }
            assertTrue(v.freeBlocks() <= 1, "full: " + v.freeBlocks());
            assertTrue(v.extentDepth(f[0]) >= 1);
            long used = 0;
            for (int i = 0; i < 2; i++) {
                v.volume().inodes().setSize(f[i], next[i] * BS);
                used += v.volume().inodes().iBlocks(f[i]) / 8;
                assertEquals(next[i] + nodes(v, f[i]), v.volume().inodes().iBlocks(f[i]) / 8);
            }
            assertTrue(used > 800, "used " + used);
            v.sync();
        }
        assertE2fsckClean(io, "map-blocks-enospc");
    }

    @Test
    void enospcForATreeBlockGivesTheDataBlockBack() throws Exception {
        DriverBlockIo io = fresh(1024, 37);
        try (Ext4Image v = Ext4Image.open(io, "mem", false)) {
            long x = v.volume().dirs().ext4Create(ROOT, "x", REG);
            for (int l = 0; l < 40; l += 10) {
                kernelWrite(io, v.volume().extents().ext4ExtMapBlocks(x, l, 1, true, false), 8);
            }
            assertEquals(4, v.extents(x).size(), "the in-inode root is full");
            long y = v.volume().dirs().ext4Create(ROOT, "y", REG);
            long ly = 0;
            while (v.freeBlocks() > 1) {
                Ext4Extents.BlockMap m = v.volume().extents().ext4ExtMapBlocks(y, ly, (int) Math.min(v.freeBlocks() - 1, 1000), true, false);
                ly += m.len();
            }
            assertEquals(1, v.freeBlocks());
            List<Extent> before = v.extents(x);
            long iblocks = v.volume().inodes().iBlocks(x);
            // the last block is allocated for the data, then the root must grow into a tree block: none left
            assertEquals(Errno.ENOSPC, errno(() -> v.volume().extents().ext4ExtMapBlocks(x, 50, 1, true, false)));
            assertEquals(1, v.freeBlocks(), "the data block was given back");
            assertEquals(before, v.extents(x));
            assertEquals(iblocks, v.volume().inodes().iBlocks(x));
            assertEquals(0, v.extentDepth(x));
            v.volume().inodes().setSize(x, 31L * BS);
            v.volume().inodes().setSize(y, ly * BS);
            v.sync();
        }
        assertE2fsckClean(io, "map-blocks-enospc-node");
    }

    @Test
    void unwrittenReadsZeroUntilConverted() throws Exception {
        DriverBlockIo io = fresh(4096, 33);
        try (Ext4Image v = Ext4Image.open(io, "mem", false)) {
            long f = v.volume().dirs().ext4Create(ROOT, "u", REG);
            Ext4Extents.BlockMap m = v.volume().extents().ext4ExtMapBlocks(f, 0, 4, true, true);
            assertTrue(m.unwritten());
            assertTrue(m.isNew());
            assertEquals(4, m.len());
            kernelWrite(io, m, 3);
            v.volume().inodes().setSize(f, 4 * BS);
            assertEquals(new Ext4Extents.BlockMap(1, m.pblk() + 1, 3, true, false), v.volume().extents().ext4ExtMapBlocks(f, 1, 9, true, false));
            assertArrayEquals(new byte[4 * BS], v.readAll("/u"), "unwritten reads as zeros");

            v.volume().extents().ext4ConvertUnwrittenExtents(f, 1, 2);
            List<Extent> ex = v.extents(f);
            assertEquals(3, ex.size(), ex.toString());
            assertTrue(ex.get(0).unwritten());
            assertFalse(ex.get(1).unwritten());
            assertTrue(ex.get(2).unwritten());
            assertArrayEquals(expected(3, 4, 4 * BS, new boolean[] {true, false, false, true}), v.readAll("/u"));
            v.sync();
            assertArrayEquals(expected(3, 4, 4 * BS, new boolean[] {true, false, false, true}),
                    debugfsDump(io, "map-blocks-uw1", "/u"));
            assertE2fsckClean(io, "map-blocks-uw1");

            v.volume().extents().ext4ConvertUnwrittenExtents(f, 0, 100);
            assertEquals(List.of(new Extent(0, m.pblk(), 4, false)), v.extents(f), "converted pieces merge");
            assertArrayEquals(expected(3, 4, 4 * BS, null), v.readAll("/u"));
            assertEquals(32, v.volume().inodes().iBlocks(f));
            v.sync();
        }
        assertArrayEquals(expected(3, 4, 4 * BS, null), debugfsDump(io, "map-blocks-uw2", "/u"));
        assertE2fsckClean(io, "map-blocks-uw2");
    }

    @Test
    void removeBlocksSplitsAnExtent() throws Exception {
        DriverBlockIo io = fresh(4096, 34);
        long p;
        try (Ext4Image v = Ext4Image.open(io, "mem", false)) {
            long f = v.volume().dirs().ext4Create(ROOT, "r", REG);
            Ext4Extents.BlockMap m = v.volume().extents().ext4ExtMapBlocks(f, 0, 10, true, false);
            assertEquals(10, m.len());
            p = m.pblk();
            kernelWrite(io, m, 4);
            v.volume().inodes().setSize(f, 10 * BS);
            long free = v.freeBlocks();
            v.volume().extents().ext4ExtRemoveSpace(f, 3, 6);
            assertEquals(List.of(new Extent(0, p, 3, false), new Extent(6, p + 6, 4, false)), v.extents(f));
            assertEquals(free + 3, v.freeBlocks());
            assertEquals(7 * 8, v.volume().inodes().iBlocks(f));
            assertEquals(new Ext4Extents.BlockMap(3, 0, 3, false, false), v.volume().extents().ext4ExtMapBlocks(f, 3, 50, false, false));
            v.volume().extents().ext4ExtRemoveSpace(f, 3, 6);
            assertEquals(free + 3, v.freeBlocks(), "removing a hole frees nothing");
            assertEquals(10 * BS, v.stat(f).size(), "the size is the caller's business");
            assertEquals(Errno.EINVAL, errno(() -> v.volume().extents().ext4ExtRemoveSpace(f, 5, 4)));
            assertArrayEquals(expected(4, 10, 10 * BS, new boolean[] {false, false, false, true, true, true,
                    false, false, false, false}), v.readAll("/r"));
            v.sync();
        }
        E2fs.assumeInstalled();
        Path img = E2fs.scratch("map-blocks-remove").resolve("img");
        E2fs.writeImage(io, img);
        for (int i = 0; i < 10; i++) {
            E2fs.Run t = E2fs.debugfs(img, "testb " + (p + i));
            boolean freed = i >= 3 && i < 6;
            assertTrue(t.out().contains(freed ? "not in use" : "marked in use"), i + ": " + t.out());
        }
        assertArrayEquals(expected(4, 10, 10 * BS, new boolean[] {false, false, false, true, true, true,
                false, false, false, false}), debugfsDump(io, "map-blocks-remove-dump", "/r"));
        assertE2fsckClean(io, "map-blocks-remove");
    }

    @Test
    void allocFileBlocksWithAndWithoutKeepSize() throws Exception {
        DriverBlockIo io = fresh(4096, 35);
        try (Ext4Image v = Ext4Image.open(io, "mem", false)) {
            long f = v.volume().dirs().ext4Create(ROOT, "fa", REG);
            Ext4Extents.BlockMap w = v.volume().extents().ext4ExtMapBlocks(f, 2, 2, true, false);
            kernelWrite(io, w, 5);
            v.volume().inodes().setSize(f, 4 * BS);

            v.volume().extents().ext4AllocFileBlocks(f, 0, 8, 8 * BS, true);
            assertEquals(4 * BS, v.stat(f).size(), "KEEP_SIZE");
            List<Extent> ex = v.extents(f);
            assertEquals(3, ex.size(), ex.toString());
            assertEquals(new Extent(0, ex.get(0).pblk(), 2, true), ex.get(0));
            assertEquals(new Extent(2, w.pblk(), 2, false), ex.get(1), "the written extent is kept");
            assertEquals(new Extent(4, ex.get(2).pblk(), 4, true), ex.get(2));
            assertEquals(64, v.volume().inodes().iBlocks(f));
            assertArrayEquals(expected(5, 4, 4 * BS, new boolean[] {true, true, false, false}), v.readAll("/fa"));
            v.sync();
            assertE2fsckClean(io, "map-blocks-falloc-keep");

            long free = v.freeBlocks();
            v.volume().extents().ext4AllocFileBlocks(f, 6, 6, 12L * BS - 10, false);
            assertEquals(12L * BS - 10, v.stat(f).size());
            assertEquals(free - 4, v.freeBlocks(), "only the holes are allocated");
            assertEquals(96, v.volume().inodes().iBlocks(f));
            v.volume().extents().ext4AllocFileBlocks(f, 0, 1, BS, false);
            assertEquals(12L * BS - 10, v.stat(f).size(), "fallocate never shrinks");
            assertEquals(Errno.EFBIG, errno(() -> v.volume().extents().ext4AllocFileBlocks(f, 0, 1, Ext4Volume.MAX_FILE_SIZE + 1,
                    false)));
            assertEquals(Errno.EINVAL, errno(() -> v.volume().extents().ext4AllocFileBlocks(f, -1, 1, 0, true)));
            byte[] want = expected(5, 4, 12 * BS - 10, new boolean[] {true, true, false, false});
            assertArrayEquals(want, v.readAll("/fa"));
            v.sync();
            assertArrayEquals(want, debugfsDump(io, "map-blocks-falloc-dump", "/fa"));
        }
        assertE2fsckClean(io, "map-blocks-falloc");
    }

    @Test
    void deepTreesFromAlternatingFiles() throws Exception {
        DriverBlockIo io = fresh(8192, 36);
        int n = 800;
        try (Ext4Image v = Ext4Image.open(io, "mem", false)) {
            long a = v.volume().dirs().ext4Create(ROOT, "a", REG);
            long b = v.volume().dirs().ext4Create(ROOT, "b", REG);
            for (int i = 0; i < n; i++) {
                kernelWrite(io, v.volume().extents().ext4ExtMapBlocks(a, i, 1, true, false), 6);
                kernelWrite(io, v.volume().extents().ext4ExtMapBlocks(b, i, 1, true, false), 7);
            }
            assertEquals(n, v.extents(a).size(), "interleaved: nothing merges");
            assertTrue(v.extentDepth(a) >= 1);
            assertTrue(v.extentDepth(b) >= 1);
            assertEquals((n + nodes(v, a)) * 8L, v.volume().inodes().iBlocks(a));
            v.volume().inodes().setSize(a, (long) n * BS);
            v.volume().inodes().setSize(b, (long) n * BS - 1);
            v.sync();
            assertArrayEquals(expected(6, n, (long) n * BS, null), debugfsDump(io, "map-blocks-deep-a", "/a"));
            assertArrayEquals(expected(7, n, (long) n * BS - 1, null), debugfsDump(io, "map-blocks-deep-b", "/b"));
            assertE2fsckClean(io, "map-blocks-deep");

            // punch the middle of a, unwritten fill over part of it, then shrink b
            boolean[] zero = new boolean[n];
            v.volume().extents().ext4ExtRemoveSpace(a, 100, 700);
            Arrays.fill(zero, 100, 700, true);
            v.volume().extents().ext4AllocFileBlocks(a, 200, 50, 0, true);
            for (int i = 300; i < 320; i++) {
                kernelWrite(io, v.volume().extents().ext4ExtMapBlocks(a, i, 1, true, false), 6);
                zero[i] = false;
            }
            assertArrayEquals(expected(6, n, (long) n * BS, zero), v.readAll("/a"));
            v.volume().extents().ext4ExtRemoveSpace(b, 3, Long.MAX_VALUE);
            v.volume().inodes().setSize(b, 3L * BS);
            assertEquals(3 * 8, v.volume().inodes().iBlocks(b), "back to an in-inode tree");
            assertEquals(0, v.extentDepth(b));
            v.sync();
            assertArrayEquals(expected(6, n, (long) n * BS, zero), debugfsDump(io, "map-blocks-deep-a2", "/a"));
        }
        assertE2fsckClean(io, "map-blocks-deep2");
    }

    /** Extent tree blocks of {@code ino} (outside the inode). */
    private static long nodes(Ext4Image v, long ino) throws Exception {
        return v.volume().extents().nodeBlocks(ino).size();
    }
}

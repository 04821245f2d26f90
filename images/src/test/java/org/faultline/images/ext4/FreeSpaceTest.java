package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.faultline.kernel.Errno;
import org.junit.jupiter.api.Test;

/** Truncate, punch, fallocate, unlink and rmdir give blocks back; e2fsck agrees. */
class FreeSpaceTest {

    private static void clean(Path img) throws Exception {
        Fsck.Report ours = Fsck.checkImage(img);
        assertTrue(ours.clean(), ours.toString());
        if (E2fs.tool("e2fsck") != null) {
            E2fs.Run r = E2fs.e2fsck(img);
            assertEquals(0, r.exit(), r.out());
        }
    }

    @Test
    void everythingComesBack() throws Exception {
        Path dir = E2fs.scratch("freespace");
        Path img = dir.resolve("img");
        Mkfs.createImage(img, 32L << 20, Mkfs.Options.seeded(9));
        SplittableRandom rnd = new SplittableRandom(5);
        long freeB;
        long freeI;
        GroupDesc g0;
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            freeB = v.freeBlocks();
            freeI = v.freeInodes();
            g0 = v.groupDesc(0);

            // a fragmented file with an index level, then truncated in steps to zero
            long a = v.create("/a", 0644);
            long b = v.create("/b", 0644);
            byte[] blk = new byte[4096];
            for (int i = 0; i < 800; i++) {
                rnd.nextBytes(blk);
                v.write(a, i * 4096L, blk, 0, 4096);
                v.write(b, i * 4096L, blk, 0, 4096);
            }
            assertTrue(v.extentDepth(a) >= 1);
            v.truncate(a, 700 * 4096L + 17);
            assertEquals(701 * 8, v.stat(a).blocks512() - treeBlocks(v, a) * 8);
            v.truncate(a, 3 * 4096L);
            assertEquals(0, v.extentDepth(a), "a small tree collapses back into the inode");
            v.truncate(a, 0);
            assertEquals(0, v.stat(a).blocks512());
            v.unlink("/b");

            // punch holes out of a contiguous file, then in the middle of extents
            long c = v.create("/c", 0644);
            byte[] data = new byte[2 << 20];
            rnd.nextBytes(data);
            v.write(c, 0, data, 0, data.length);
            v.punchHole(c, 4096 * 10 + 100, 4096 * 20);
            Arrays.fill(data, 4096 * 10 + 100, 4096 * 30 + 100, (byte) 0);
            v.fallocate(c, Ext4Image.FALLOC_FL_PUNCH_HOLE | Ext4Image.FALLOC_FL_KEEP_SIZE, 4096 * 100, 4096 * 3);
            Arrays.fill(data, 4096 * 100, 4096 * 103, (byte) 0);
            v.punchHole(c, 7, 5);
            Arrays.fill(data, 7, 12, (byte) 0);
            byte[] back = new byte[data.length];
            v.read(c, 0, back, 0, back.length);
            assertArrayEquals(data, back);
            assertEquals(data.length, v.stat(c).size());
            assertEquals(3, v.extents(c).size());

            // preallocation (KEEP_SIZE past EOF, and mode 0), partly written
            long d = v.create("/d", 0644);
            v.fallocate(d, Ext4Image.FALLOC_FL_KEEP_SIZE, 0, 1 << 20);
            assertEquals(0, v.stat(d).size());
            assertEquals(256 * 8, v.stat(d).blocks512());
            byte[] mid = new byte[5000];
            rnd.nextBytes(mid);
            v.write(d, 10_000, mid, 0, mid.length);
            assertEquals(15_000, v.stat(d).size());
            byte[] got = new byte[15_000];
            assertEquals(15_000, v.read(d, 0, got, 0, got.length));
            byte[] want = new byte[15_000];
            System.arraycopy(mid, 0, want, 10_000, mid.length);
            assertArrayEquals(want, got);
            assertTrue(v.extents(d).stream().anyMatch(Extent::unwritten));
            assertTrue(v.extents(d).stream().anyMatch(e -> !e.unwritten()));
            long e = v.create("/e", 0644);
            v.fallocate(e, 0, 4096, 3 * 4096);
            assertEquals(4 * 4096, v.stat(e).size());
            byte[] zeros = new byte[4 * 4096];
            byte[] rd = new byte[4 * 4096];
            rnd.nextBytes(rd);
            v.read(e, 0, rd, 0, rd.length);
            assertArrayEquals(zeros, rd);
            v.sync();
        }
        clean(img);
        E2fs.Run dump = E2fs.tool("debugfs") == null ? null : E2fs.debugfs(img, "dump /d " + dir.resolve("d.out"));
        if (dump != null) {
            byte[] want = new byte[15_000];
            try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
                v.read(v.lookup("/d"), 0, want, 0, want.length);
            }
            assertArrayEquals(want, Files.readAllBytes(dir.resolve("d.out")));
        }
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            v.unlink("/a");
            v.unlink("/c");
            v.truncate("/d", 0);
            v.unlink("/d");
            v.unlink("/e");
            v.mkdir("/x", 0755);
            v.mkdir("/x/y", 0755);
            long f = v.create("/x/y/f", 0644);
            v.write(f, 0, new byte[100_000], 0, 100_000);
            assertThrows(Ext4Exception.class, () -> v.rmdir("/x"));
            v.unlink("/x/y/f");
            v.rmdir("/x/y");
            v.rmdir("/x");
            assertEquals(freeB, v.freeBlocks());
            assertEquals(freeI, v.freeInodes());
            assertEquals(g0.freeBlocksCount(), v.groupDesc(0).freeBlocksCount());
            assertEquals(g0.freeInodesCount(), v.groupDesc(0).freeInodesCount());
            assertEquals(g0.usedDirsCount(), v.groupDesc(0).usedDirsCount());
            assertEquals(3, v.stat("/").links());
        }
        clean(img);
    }

    private static long treeBlocks(Ext4Image v, long ino) throws Exception {
        long data = 0;
        for (Extent e : v.extents(ino)) {
            data += e.len();
        }
        return v.stat(ino).blocks512() / 8 - data;
    }

    @Test
    void fullDiskIsENOSPCAndRecovers() throws Exception {
        DriverBlockIo io = DriverBlockIo.ram(512);
        Mkfs.format(io, "mem", Mkfs.Options.seeded(2));
        try (Ext4Image v = Ext4Image.open(io, "mem", false)) {
            long free = v.freeBlocks();
            long f = v.create("/fill", 0644);
            byte[] chunk = new byte[64 * 4096];
            Ext4Exception e = assertThrows(Ext4Exception.class, () -> {
                for (long off = 0; ; off += chunk.length) {
                    v.write(f, off, chunk, 0, chunk.length);
                }
            });
            assertEquals(Errno.ENOSPC, e.errno());
            assertEquals(0, v.freeBlocks());
            assertEquals(free * 8, v.stat(f).blocks512());
            assertEquals(free * 4096, v.stat(f).size());
            assertThrows(Ext4Exception.class, () -> v.mkdir("/nodir", 0755));
            v.unlink("/fill");
            assertEquals(free, v.freeBlocks());
        }
        Fsck.Report r = Fsck.check(io, "mem");
        assertTrue(r.clean(), r.toString());
    }
}

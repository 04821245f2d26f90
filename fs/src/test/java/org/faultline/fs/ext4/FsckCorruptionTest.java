package org.faultline.fs.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.faultline.kernel.Errno;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Our Fsck finds planted corruption, each with its own message; e2fsck agrees something is wrong. */
class FsckCorruptionTest {
    private static Path base;
    private static long inoA;
    private static long inoB;
    private static long blockA;
    private static long dirIno;

    @BeforeAll
    static void makeBase() throws Exception {
        Path dir = E2fs.scratch("fsck-corrupt");
        base = dir.resolve("base");
        Mkfs.createImage(base, 8L << 20, Mkfs.Options.seeded(11));
        try (Ext4Volume v = Ext4Volume.openImage(base, Ext4Volume.Options.readWrite())) {
            dirIno = v.mkdir("/d", 0755);
            inoA = v.create("/d/a", 0644);
            inoB = v.create("/d/b", 0644);
            v.write(inoA, 0, new byte[4096], 0, 4096);
            v.write(inoB, 0, new byte[] {1, 2, 3}, 0, 3);
            blockA = v.extents(inoA).get(0).pblk();
        }
        assertTrue(Fsck.checkImage(base).clean());
    }

    private interface Plant {
        void apply(Ext4Volume v, HostFileBlockIo io) throws Exception;
    }

    private static List<String> corrupt(String name, Plant p) throws Exception {
        Path img = base.resolveSibling(name);
        Files.copy(base, img, StandardCopyOption.REPLACE_EXISTING);
        try (HostFileBlockIo io = HostFileBlockIo.open(img, false, false, 4096)) {
            try (Ext4Volume v = Ext4Volume.open(io, name, false)) {
                p.apply(v, io);
            }
        }
        Fsck.Report r = Fsck.checkImage(img);
        assertEquals(Fsck.FSCK_UNCORRECTED, r.exitCode(), r.toString());
        if (E2fs.tool("e2fsck") != null) {
            E2fs.Run e = E2fs.e2fsck(img);
            assertTrue((e.exit() & 4) != 0, "e2fsck should see it too:\n" + e.out());
        }
        return r.problems();
    }

    @Test
    void blockClaimedTwice() throws Exception {
        List<String> p = corrupt("dup", (v, io) -> {
            Ext4InodeRaw b = v.readInode(inoB);
            int ee = InodeDescriptor.I_BLOCK + ExtentDescriptor.entry(0, 0);
            LittleEndian.putU32(b.raw(), ee + ExtentDescriptor.EE_START_LO, blockA);
            v.writeInode(inoB, b);
        });
        assertTrue(p.contains("Multiply-claimed block(s) in inode " + inoA + ": " + blockA), p.toString());
        assertTrue(p.contains("Multiply-claimed block(s) in inode " + inoB + ": " + blockA), p.toString());
    }

    @Test
    void bitmapBitClearedForUsedBlock() throws Exception {
        List<String> p = corrupt("bitmap", (v, io) -> {
            v.sync();
            long bb = v.groupDesc(0).blockBitmap();
            byte[] map = new byte[4096];
            io.read(bb, map);
            Bitmap.clear(map, (int) blockA);
            io.write(bb, map);
            v.cache().clear();
        });
        assertEquals(List.of("Block bitmap differences: +" + blockA), p);
    }

    @Test
    void wrongLinkCount() throws Exception {
        List<String> p = corrupt("links", (v, io) -> {
            Ext4InodeRaw a = v.readInode(inoA);
            a.setLinksCount(2);
            v.writeInode(inoA, a);
        });
        assertEquals(List.of("Inode " + inoA + " ref count is 2, should be 1."), p);
    }

    @Test
    void badRecLen() throws Exception {
        List<String> p = corrupt("reclen", (v, io) -> {
            long blk = v.extents(dirIno).get(0).pblk();
            v.sync();
            byte[] b = new byte[4096];
            io.read(blk, b);
            // entries: "." at 0, ".." at 12, "a" at 24
            assertEquals(inoA, DirEntry.inodeAt(b, 24));
            DirEntry.setRecLen(b, 24, 6);
            io.write(blk, b);
            v.cache().clear();
        });
        assertTrue(p.get(0).startsWith("Directory inode " + dirIno + ", block #0, offset 24: directory corrupted"
                + " (rec_len is smaller than minimal"), p.toString());
    }

    @Test
    void ourOwnVolumeNoticesTheBadRecLen() throws Exception {
        Path img = base.resolveSibling("reclen2");
        Files.copy(base, img, StandardCopyOption.REPLACE_EXISTING);
        long blk;
        try (Ext4Volume v = Ext4Volume.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            blk = v.extents(dirIno).get(0).pblk();
        }
        try (HostFileBlockIo io = HostFileBlockIo.open(img, false, false, 4096)) {
            byte[] b = new byte[4096];
            io.read(blk, b);
            DirEntry.setRecLen(b, 24, 4080);
            io.write(blk, b);
        }
        try (Ext4Volume v = Ext4Volume.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            Ext4Exception e = org.junit.jupiter.api.Assertions.assertThrows(Ext4Exception.class, () -> v.readdir("/d"));
            assertEquals(Errno.EUCLEAN, e.errno());
            assertEquals("reclen2: ext4 corruption: directory inode " + dirIno + ", block 0, offset 24: directory entry overrun",
                    e.getMessage());
        }
    }
}

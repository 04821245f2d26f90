package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

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
        try (Ext4Image v = Ext4Image.openImage(base, Ext4Volume.Options.readWrite())) {
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
        void apply(Ext4Image v, DriverBlockIo io) throws Exception;
    }

    private static List<String> corrupt(String name, Plant p) throws Exception {
        Path img = base.resolveSibling(name);
        Files.copy(base, img, StandardCopyOption.REPLACE_EXISTING);
        try (DriverBlockIo io = DriverBlockIo.openImage(img, false, false)) {
            try (Ext4Image v = Ext4Image.open(io, name, false)) {
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
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            blk = v.extents(dirIno).get(0).pblk();
        }
        try (DriverBlockIo io = DriverBlockIo.openImage(img, false, false)) {
            byte[] b = new byte[4096];
            io.read(blk, b);
            DirEntry.setRecLen(b, 24, 4080);
            io.write(blk, b);
        }
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            Ext4Exception e = org.junit.jupiter.api.Assertions.assertThrows(Ext4Exception.class, () -> v.readdir("/d"));
            assertEquals(Errno.EUCLEAN, e.errno());
            assertEquals("reclen2: ext4 corruption: directory inode " + dirIno + ", block 0, offset 24: directory entry overrun",
                    e.getMessage());
        }
    }
    @Test
    void ourOwnVolumeRefusesToFreeAnExtentPointingAtMetadata() throws Exception {
        // fuzz images seed 1 image 1312: an extent moved onto the block bitmap, then rm: freeing it
        // dropped the bitmap from the metadata cache and failed with an internal error
        Path img = base.resolveSibling("free-bitmap");
        Files.copy(base, img, StandardCopyOption.REPLACE_EXISTING);
        long bb;
        try (DriverBlockIo io = DriverBlockIo.openImage(img, false, false)) {
            try (Ext4Image v = Ext4Image.open(io, "free-bitmap", false)) {
                bb = v.groupDesc(0).blockBitmap();
                Ext4InodeRaw a = v.readInode(inoA);
                int ee = InodeDescriptor.I_BLOCK + ExtentDescriptor.entry(0, 0);
                LittleEndian.putU32(a.raw(), ee + ExtentDescriptor.EE_START_LO, bb);
                v.writeInode(inoA, a);
            }
        }
        byte[] before = Files.readAllBytes(img);
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            Ext4Exception e = org.junit.jupiter.api.Assertions.assertThrows(Ext4Exception.class, () -> v.unlink("/d/a"));
            assertEquals(Errno.EUCLEAN, e.errno());
            assertTrue(e.getMessage().endsWith("ext4_free_blocks: Freeing blocks in system zone - Block = " + bb
                    + ", count = 1"), e.getMessage());
        }
        byte[] after = Files.readAllBytes(img);
        assertEquals(Bitmap.test(java.util.Arrays.copyOfRange(before, (int) bb * 4096, (int) bb * 4096 + 4096), (int) bb),
                Bitmap.test(java.util.Arrays.copyOfRange(after, (int) bb * 4096, (int) bb * 4096 + 4096), (int) bb));
    }

    // ---------------------------------------------------------------- e2fsck -fn's verdict on damage

    /** Damage to an image's raw bytes. */
    private interface Damage {
        byte[] apply(byte[] img, Ext4Image v) throws Exception;
    }

    /**
     * Damages a copy of the base image, then checks that our fsck's verdict is {@code expectClean}
     * (exit 0, else 4 with a problem) and, where e2fsck is installed, that e2fsck -fn says the same
     * (clean = exit 0): the corrupt-image campaign's agreement rule.
     */
    private static Fsck.Report agree(String name, boolean expectClean, Damage d) throws Exception {
        Path img = base.resolveSibling(name);
        byte[] bytes = Files.readAllBytes(base);
        try (Ext4Image v = Ext4Image.openImage(base, Ext4Volume.Options.readOnlyMode())) {
            bytes = d.apply(bytes, v);
        }
        Files.write(img, bytes);
        Fsck.Report r = Fsck.checkImage(img);
        assertEquals(expectClean ? Fsck.FSCK_OK : Fsck.FSCK_UNCORRECTED, r.exitCode(), r.toString());
        assertEquals(expectClean, r.problems().isEmpty(), r.toString());
        if (E2fs.tool("e2fsck") != null) {
            E2fs.Run e = E2fs.e2fsck(img);
            assertEquals(expectClean, e.exit() == 0, "e2fsck -fn should say " + (expectClean ? "clean" : "not clean")
                    + " (exit " + e.exit() + "):\n" + e.out());
        }
        return r;
    }

    private static final int SB = 1024;

    private static int inodeOff(Ext4Image v, long ino) {
        return (int) (v.groupDesc(0).inodeTable() * 4096 + (ino - 1) * 256);
    }

    private static byte[] featureXor(byte[] b, int field, int bit) {
        LittleEndian.putU32(b, SB + field, LittleEndian.u32(b, SB + field) ^ bit);
        return b;
    }

    @Test
    void imageShorterThanTheFilesystemButHoldingEveryBlockE2fsckReads() throws Exception {
        // e2fsck -n says the size is wrong, answers "Abort? no", and counts nothing it did not have to read
        Fsck.Report r = agree("short-tail", true, (b, v) -> java.util.Arrays.copyOf(b, b.length - 4096 - 17));
        assertTrue(r.notes().contains("The physical size of the device is 2046 blocks"), r.toString());
    }

    @Test
    void imageTruncatedInsideMetadataIsAReadError() throws Exception {
        Fsck.Report r = agree("short-head", false, (b, v) -> java.util.Arrays.copyOf(b,
                (int) (v.groupDesc(0).inodeTable() + 1) * 4096));
        assertTrue(r.problems().get(0).startsWith("Error reading block "), r.toString());
    }

    @Test
    void featuresE2fsckKnowsAndThatChangeNothingHereAreClean() throws Exception {
        agree("feat-stable-inodes", true, (b, v) -> featureXor(b, SuperBlockDescriptor.S_FEATURE_COMPAT,
                Ext4Features.EXT4_FEATURE_COMPAT_STABLE_INODES));
        agree("feat-large-dir", true, (b, v) -> featureXor(b, SuperBlockDescriptor.S_FEATURE_INCOMPAT,
                Ext4Features.EXT4_FEATURE_INCOMPAT_LARGEDIR));
        agree("feat-extra-isize", true, (b, v) -> featureXor(b, SuperBlockDescriptor.S_FEATURE_RO_COMPAT,
                Ext4Features.EXT4_FEATURE_RO_COMPAT_EXTRA_ISIZE));
        agree("feat-uninit-bg", true, (b, v) -> featureXor(b, SuperBlockDescriptor.S_FEATURE_RO_COMPAT,
                Ext4Features.EXT4_FEATURE_RO_COMPAT_GDT_CSUM)); // bad descriptor checksums: not counted
    }

    @Test
    void featureE2fsckDoesNotKnowCannotBeChecked() throws Exception {
        Path img = base.resolveSibling("feat-c13");
        Files.write(img, featureXor(Files.readAllBytes(base), SuperBlockDescriptor.S_FEATURE_COMPAT, 1 << 13));
        Fsck.Report r = Fsck.checkImage(img);
        assertEquals(Fsck.FSCK_ERROR, r.exitCode(), r.toString());
        assertEquals("feat-c13 has unsupported feature(s): FEATURE_C13", r.problems().get(0));
        if (E2fs.tool("e2fsck") != null) {
            assertTrue(E2fs.e2fsck(img).exit() != 0);
        }
    }

    @Test
    void journalFeatureWithoutAJournalIsAProblem() throws Exception {
        Fsck.Report r = agree("feat-journal", false, (b, v) -> featureXor(b, SuperBlockDescriptor.S_FEATURE_COMPAT,
                Ext4Features.EXT4_FEATURE_COMPAT_HAS_JOURNAL));
        assertEquals("Superblock has an invalid journal (inode 0).  Clear? no", r.problems().get(0));
        agree("needs-recovery", false, (b, v) -> featureXor(b, SuperBlockDescriptor.S_FEATURE_INCOMPAT,
                Ext4Features.EXT4_FEATURE_INCOMPAT_RECOVER));
    }

    @Test
    void withoutTheFiletypeFeatureEveryTypedEntryIsAProblem() throws Exception {
        Fsck.Report r = agree("feat-no-filetype", false, (b, v) -> featureXor(b, SuperBlockDescriptor.S_FEATURE_INCOMPAT,
                Ext4Features.EXT4_FEATURE_INCOMPAT_FILETYPE));
        assertEquals("Entry '.' in / (2) has filetype set.  Clear? no", r.problems().get(0));
    }

    @Test
    void freeCountsInTheSuperblockLargerThanTheTotalsAreNotCounted() throws Exception {
        agree("sb-free-blocks", true, (b, v) -> {
            LittleEndian.putU32(b, SB + SuperBlockDescriptor.S_FREE_BLOCKS_COUNT_LO, 0xffffffffL);
            LittleEndian.putU32(b, SB + SuperBlockDescriptor.S_FREE_INODES_COUNT, 0xffffffffL);
            return b;
        });
        // and the kernel mounts it (ext4_fill_super recomputes the totals from the group descriptors)
        try (Ext4Image v = Ext4Image.openImage(base.resolveSibling("sb-free-blocks"), Ext4Volume.Options.readOnlyMode())) {
            assertTrue(v.superBlock().freeBlocksCount() < v.superBlock().blocksCount());
        }
    }

    @Test
    void directoryEntryWithFileType0IsNotCounted() throws Exception {
        // PR_2_SET_FILETYPE is PR_NO_OK: e2fsck -n prints nothing and exits 0
        agree("dirent-ft0", true, (b, v) -> {
            int off = (int) (v.extents(dirIno).get(0).pblk() * 4096) + 24; // "a"
            assertEquals(inoA, LittleEndian.u32(b, off));
            b[off + 7] = 0;
            return b;
        });
    }

    @Test
    void uninitFlagsWithoutUninitBgAreNotCountedButInodesInAnUninitGroupAre() throws Exception {
        Fsck.Report r = agree("bg-flags", true, (b, v) -> {
            int gd = 4096 + GroupDescDescriptor.offsetInBlock(0, 4096);
            LittleEndian.putU16(b, gd + GroupDescDescriptor.BG_FLAGS, 0x2); // BLOCK_UNINIT
            return b;
        });
        assertEquals(List.of("Group descriptor 0 marked uninitialized without feature set.  Fix? no"), r.notes());
        r = agree("bg-flags-inode", false, (b, v) -> {
            int gd = 4096 + GroupDescDescriptor.offsetInBlock(0, 4096);
            LittleEndian.putU16(b, gd + GroupDescDescriptor.BG_FLAGS, 0x1); // INODE_UNINIT
            return b;
        });
        assertEquals("Entry '.' in / (2) references inode 2 in group 0 where _INODE_UNINIT is set.  Fix? no",
                r.problems().get(0));
    }

    @Test
    void inodeBitmapPaddingMustBeSet() throws Exception {
        Fsck.Report r = agree("ibitmap-pad", false, (b, v) -> {
            int ib = (int) (v.groupDesc(0).inodeBitmap() * 4096);
            int ipg = (int) v.superBlock().inodesPerGroup();
            b[ib + 4095] &= 0x7f; // the last padding bit
            assertTrue(ipg < 8 * 4096);
            return b;
        });
        assertEquals(List.of("Padding at end of inode bitmap is not set.  Fix? no"), r.problems());
    }

    @Test
    void rootExtentHeaderMayBeTwoEntriesShort() throws Exception {
        // ext2fs_extent_header_verify allows eh_max down to what fits minus two; the kernel too
        agree("eh-max-3", true, (b, v) -> {
            int h = inodeOff(v, inoA) + InodeDescriptor.I_BLOCK;
            LittleEndian.putU16(b, h + ExtentDescriptor.EH_MAX, 3);
            return b;
        });
        agree("eh-max-1", false, (b, v) -> {
            int h = inodeOff(v, inoA) + InodeDescriptor.I_BLOCK;
            LittleEndian.putU16(b, h + ExtentDescriptor.EH_MAX, 1);
            return b;
        });
    }

    @Test
    void casefoldAndImagicFlagsWithoutTheirFeatures() throws Exception {
        Fsck.Report r = agree("casefold-reg", false, (b, v) -> {
            int o = inodeOff(v, inoA) + InodeDescriptor.I_FLAGS;
            LittleEndian.putU32(b, o, LittleEndian.u32(b, o) | InodeDescriptor.EXT4_CASEFOLD_FL);
            return b;
        });
        assertEquals("Inode " + inoA + " has the casefold flag set but is not a directory.  Clear flag? no", r.problems().get(0));
        r = agree("imagic", false, (b, v) -> {
            int o = inodeOff(v, inoB) + InodeDescriptor.I_FLAGS;
            LittleEndian.putU32(b, o, LittleEndian.u32(b, o) | InodeDescriptor.EXT4_IMAGIC_FL);
            return b;
        });
        assertEquals("Inode " + inoB + " has imagic flag set.  Clear? no", r.problems().get(0));
    }

    @Test
    void reservedInodesMustBeEmpty() throws Exception {
        agree("bad-blocks-inode", false, (b, v) -> {
            LittleEndian.putU32(b, inodeOff(v, 1) + InodeDescriptor.I_BLOCK + 8 * 4, 63232);
            return b;
        });
        agree("quota-inode", false, (b, v) -> {
            LittleEndian.putU32(b, inodeOff(v, 3) + InodeDescriptor.I_BLOCK, 0x1234);
            return b;
        });
        agree("low-dtime", false, (b, v) -> {
            LittleEndian.putU32(b, inodeOff(v, 9) + InodeDescriptor.I_DTIME, 5);
            return b;
        });
    }

    @Test
    void theProjectQuotaInodeTheSuperblockNamesIsInUse() throws Exception {
        // quota_inum_is_reserved: pass 1 marks s_prj_quota_inum in use, so its clear bitmap bit is a difference
        Fsck.Report r = agree("prj-quota-inum", false, (b, v) -> {
            LittleEndian.putU32(b, SB + 0x26C, 100);
            return b;
        });
        assertTrue(r.problems().contains("Inode bitmap differences: +100"), r.toString());
    }

    @Test
    void lostAndFoundUnderAnotherNameIsNotCounted() throws Exception {
        agree("lpf-renamed", true, (b, v) -> {
            int blk = (int) (v.extents(2).get(0).pblk() * 4096);
            for (int off = 0; off < 4096; off += LittleEndian.u16(b, blk + off + 4)) {
                if (b[blk + off + 6] == 10 && b[blk + off + 8] == 'l') {
                    b[blk + off + 8 + 4] = (byte) 0xff; // "lost\\xfffound"
                    return b;
                }
            }
            throw new AssertionError("no lost+found entry");
        });
    }
}

package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.faultline.kernel.Errno;
import org.junit.jupiter.api.Test;

/** Images this layer must not touch: refused at open with one line, and left byte-identical. */
class RefusalTest {

    private static Ext4Exception refused(Path img, boolean readOnly) throws Exception {
        String before = E2fs.sha256(img);
        Ext4Exception e = assertThrows(Ext4Exception.class, () -> Ext4Image.openImage(img,
                readOnly ? Ext4Volume.Options.readOnlyMode() : Ext4Volume.Options.readWrite()).close());
        assertEquals(before, E2fs.sha256(img), "image changed by a refused open");
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith(img.getFileName() + ": "), e.getMessage());
        return e;
    }

    private static void poke(Path img, long off, byte[] bytes) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(off);
            f.write(bytes);
        }
    }

    @Test
    void blocksLargerThanAPage() throws Exception {
        E2fs.assumeInstalled();
        Path img = E2fs.scratch("refuse-8k").resolve("img");
        E2fs.Run r = E2fs.run("mkfs.ext4", "-F", "-q", "-b", "8192", img.toString(), "16M");
        assertEquals(0, r.exit(), r.out());
        Ext4Exception e = refused(img, false);
        assertTrue(e.getMessage().contains("bad block size 8192"), e.getMessage());
        assertEquals(Errno.EOPNOTSUPP, e.errno());
        refused(img, true);
    }

    @Test
    void aJournalNeedingRecoveryIsRefusedOnlyOnAReadOnlyImage() throws Exception {
        E2fs.assumeInstalled();
        Path dir = E2fs.scratch("refuse-recovery");
        Path img = dir.resolve("img");
        HostMkfs.supported(img, "16M", "has_journal");
        Path host = dir.resolve("hello");
        Files.writeString(host, "hello, journal\n");
        E2fs.debugfsW(img, "write " + host + " hello");
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            assertArrayEquals("hello, journal\n".getBytes(), v.readAll("/hello"));
        }
        byte[] incompat = new byte[4];
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.seek(1024 + SuperBlockDescriptor.S_FEATURE_INCOMPAT);
            f.readFully(incompat);
        }
        incompat[0] |= Ext4Features.EXT4_FEATURE_INCOMPAT_RECOVER;
        poke(img, 1024 + SuperBlockDescriptor.S_FEATURE_INCOMPAT, incompat);
        // an image file opened read-only is a read-only device: the journal cannot be replayed
        Ext4Exception e = refused(img, true);
        assertEquals(Errno.EROFS, e.errno());
        assertEquals("img: write access unavailable, cannot proceed (try mounting with noload)", e.getMessage());
        // read-write, the (empty) journal is loaded and needs_recovery cleared, as the kernel's mount does
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            assertArrayEquals("hello, journal\n".getBytes(), v.readAll("/hello"));
        }
        E2fs.Run fsck = E2fs.e2fsck(img);
        assertEquals(0, fsck.exit(), fsck.out());
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            assertFalse(v.superBlock().hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_RECOVER));
        }
    }

    @Test
    void badMagic() throws Exception {
        Path img = E2fs.scratch("refuse-magic").resolve("img");
        Mkfs.createImage(img, 8L << 20, Mkfs.Options.seeded(1));
        poke(img, 1024 + SuperBlockDescriptor.S_MAGIC, new byte[] {0x34, 0x12});
        Ext4Exception e = refused(img, false);
        assertEquals("img: ext4 corruption: bad superblock magic 0x1234 (expected 0xEF53): not an ext2/3/4 filesystem",
                e.getMessage());
        assertEquals(Errno.EUCLEAN, e.errno());
        refused(img, true);
        Fsck.Report r = Fsck.checkImage(img);
        assertEquals(Fsck.FSCK_ERROR, r.exitCode());
    }

    @Test
    void truncatedImage() throws Exception {
        Path dir = E2fs.scratch("refuse-truncated");
        Path full = dir.resolve("full");
        Mkfs.createImage(full, 8L << 20, Mkfs.Options.seeded(1));
        Path img = dir.resolve("img");
        Files.copy(full, img, StandardCopyOption.REPLACE_EXISTING);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(4L << 20);
        }
        Ext4Exception e = refused(img, true);
        assertTrue(e.getMessage().contains("2048 blocks but the device has only 1024"), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void wrongBlockAndInodeSizes() throws Exception {
        Path dir = E2fs.scratch("refuse-sizes");
        Path clean = dir.resolve("clean");
        Mkfs.createImage(clean, 8L << 20, Mkfs.Options.seeded(1).withBlockSize(1024));
        Path img = dir.resolve("img");

        Files.copy(clean, img, StandardCopyOption.REPLACE_EXISTING);
        poke(img, 1024 + SuperBlockDescriptor.S_INODE_SIZE, new byte[] {0, 8}); // 2048: larger than a block
        Ext4Exception big = refused(img, true);
        assertEquals("img: ext4 corruption: unsupported inode size: 2048", big.getMessage());
        assertEquals(Errno.EUCLEAN, big.errno());

        Files.copy(clean, img, StandardCopyOption.REPLACE_EXISTING);
        poke(img, 1024 + SuperBlockDescriptor.S_FIRST_DATA_BLOCK, new byte[] {0});
        Ext4Exception fdb = refused(img, false);
        assertTrue(fdb.getMessage().contains("s_first_data_block is 0, must be 1 with 1024-byte blocks"), fdb.getMessage());

        Files.copy(clean, img, StandardCopyOption.REPLACE_EXISTING);
        poke(img, 1024 + SuperBlockDescriptor.S_LOG_BLOCK_SIZE, new byte[] {7});
        Ext4Exception log = refused(img, true);
        assertEquals("img: ext4 corruption: Invalid log block size: 7", log.getMessage());
    }

    @Test
    void corruptCountsAndDescriptors() throws Exception {
        Path dir = E2fs.scratch("refuse-counts");
        Path clean = dir.resolve("clean");
        Mkfs.createImage(clean, 8L << 20, Mkfs.Options.seeded(1));
        Path img = dir.resolve("img");

        Files.copy(clean, img, StandardCopyOption.REPLACE_EXISTING);
        poke(img, 1024 + SuperBlockDescriptor.S_INODES_COUNT, new byte[] {1, 0, 1, 0});
        assertTrue(refused(img, true).getMessage().contains("s_inodes_count"));

        Files.copy(clean, img, StandardCopyOption.REPLACE_EXISTING);
        poke(img, 1024 + SuperBlockDescriptor.S_INODE_SIZE, new byte[] {(byte) 0x90, 0});
        assertTrue(refused(img, true).getMessage().contains("unsupported inode size: 144"));

        Files.copy(clean, img, StandardCopyOption.REPLACE_EXISTING);
        poke(img, 1024 + SuperBlockDescriptor.S_LOG_BLOCK_SIZE, new byte[] {0}); // 1 KiB blocks need s_first_data_block 1
        poke(img, 1024 + SuperBlockDescriptor.S_LOG_CLUSTER_SIZE, new byte[] {0});
        assertTrue(refused(img, true).getMessage().contains("s_first_data_block is 0, must be 1"));

        Files.copy(clean, img, StandardCopyOption.REPLACE_EXISTING);
        poke(img, 4096 + GroupDescDescriptor.BG_INODE_TABLE_LO, new byte[] {0, 0, 1, 0});
        Ext4Exception gd = refused(img, true);
        assertTrue(gd.getMessage().contains("group 0 descriptor: inode table at 65536"), gd.getMessage());

        Files.copy(clean, img, StandardCopyOption.REPLACE_EXISTING);
        poke(img, 1024 + SuperBlockDescriptor.S_FEATURE_INCOMPAT, new byte[] {0x52, 0x00, 0, 0});
        Ext4Exception fb = refused(img, true);
        assertTrue(fb.getMessage().contains("'meta_bg'"), fb.getMessage());

        Files.copy(clean, img, StandardCopyOption.REPLACE_EXISTING);
        poke(img, 1024 + SuperBlockDescriptor.S_STATE, new byte[] {0, 0});
        Ext4Exception st = refused(img, false);
        assertTrue(st.getMessage().contains("not cleanly unmounted"), st.getMessage());
        Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode()).close();
    }
}

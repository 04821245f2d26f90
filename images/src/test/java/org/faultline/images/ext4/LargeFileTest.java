package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.faultline.kernel.Errno;
import org.junit.jupiter.api.Test;

/** Offsets past 4 GiB use i_size_high; the 2 TiB limit is EFBIG; an odd clock still gives clean images. */
class LargeFileTest {

    @Test
    void sparseFileBeyondFourGiB() throws Exception {
        Path dir = E2fs.scratch("largefile");
        Path img = dir.resolve("img");
        Mkfs.createImage(img, 16L << 20, Mkfs.Options.seeded(6));
        long at = 5L << 30;
        byte[] tail = "end of a very sparse file".getBytes();
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite().withClock(() -> 7))) {
            long f = v.create("/big", 0644);
            v.write(f, at, tail, 0, tail.length);
            assertEquals(at + tail.length, v.stat(f).size());
            byte[] back = new byte[tail.length + 10];
            assertEquals(tail.length + 10, v.read(f, at - 10, back, 0, back.length));
            byte[] want = new byte[tail.length + 10];
            System.arraycopy(tail, 0, want, 10, tail.length);
            assertArrayEquals(want, back);
            Ext4Exception e = assertThrows(Ext4Exception.class,
                    () -> v.write(f, Ext4Volume.MAX_FILE_SIZE, new byte[1], 0, 1));
            assertEquals(Errno.EFBIG, e.errno());
            long g = v.create("/gone", 0644);
            v.write(g, 0, new byte[10], 0, 10);
            v.unlink("/gone");
            assertEquals(7, v.stat("/big").mtime());
        }
        assertTrue(Fsck.checkImage(img).clean());
        if (E2fs.tool("e2fsck") != null) {
            E2fs.Run r = E2fs.e2fsck(img);
            assertEquals(0, r.exit(), r.out());
            E2fs.Run st = E2fs.debugfs(img, "stat /big");
            assertTrue(st.out().contains("Size: " + (at + tail.length)), st.out());
            assertTrue(st.out().contains("(" + at / 4096 + "):"), st.out());
            E2fs.Run cat = E2fs.debugfs(img, "dump_extents /big");
            assertTrue(cat.out().contains(String.valueOf(at / 4096)), cat.out());
        }
    }

    @Test
    void largeFileFeatureIsSetWhenNeededAndReachesTheBackups() throws Exception {
        DriverBlockIo io = DriverBlockIo.ram(8192);
        Mkfs.format(io, "mem", Mkfs.Options.seeded(3).withBlocksPerGroup(2048));
        // clear large_file in the primary and the backups (groups 1 and 3)
        byte[] b = new byte[4096];
        for (long blk : new long[] {0, 2048, 3 * 2048}) {
            io.read(blk, b);
            int off = (blk == 0 ? 1024 : 0) + SuperBlockDescriptor.S_FEATURE_RO_COMPAT;
            LittleEndian.putU32(b, off, LittleEndian.u32(b, off) & ~Ext4Features.EXT4_FEATURE_RO_COMPAT_LARGE_FILE);
            io.write(blk, b);
        }
        try (Ext4Image v = Ext4Image.open(io, "mem", false)) {
            assertTrue(!v.superBlock().hasRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_LARGE_FILE));
            long f = v.create("/f", 0644);
            v.write(f, 1L << 20, new byte[] {1}, 0, 1);
            assertTrue(!v.superBlock().hasRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_LARGE_FILE));
            v.write(f, 3L << 30, new byte[] {2}, 0, 1);
            assertTrue(v.superBlock().hasRoCompat(Ext4Features.EXT4_FEATURE_RO_COMPAT_LARGE_FILE));
        }
        for (long blk : new long[] {0, 2048, 3 * 2048}) {
            io.read(blk, b);
            int off = (blk == 0 ? 1024 : 0) + SuperBlockDescriptor.S_FEATURE_RO_COMPAT;
            assertTrue((LittleEndian.u32(b, off) & Ext4Features.EXT4_FEATURE_RO_COMPAT_LARGE_FILE) != 0, "block " + blk);
        }
        assertTrue(Fsck.check(io, "mem").clean());
    }
}

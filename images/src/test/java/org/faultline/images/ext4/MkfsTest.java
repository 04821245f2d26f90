package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.faultline.kernel.Errno;
import org.junit.jupiter.api.Test;

class MkfsTest {

    private static void assertE2fsckClean(Path img) throws Exception {
        E2fs.Run r = E2fs.e2fsck(img);
        assertEquals(0, r.exit(), "e2fsck -fn:\n" + r.out());
    }

    private static void checkImage(Path img, long bytes, long expectGroups) throws Exception {
        Mkfs.Result res = Mkfs.createImage(img, bytes, Mkfs.Options.seeded(42));
        assertEquals(bytes, Files.size(img));
        assertEquals(expectGroups, res.superBlock().groupCount());
        assertE2fsckClean(img);
        E2fs.Run h = E2fs.run("dumpe2fs", "-h", img.toString());
        assertEquals(0, h.exit(), h.out());
        assertTrue(h.out().contains("Filesystem features:      " + Ext4Features.MKFS_FEATURES + "\n"), h.out());
        assertTrue(h.out().contains("Filesystem state:         clean"), h.out());
        assertTrue(h.out().contains("Block size:               4096"), h.out());
        assertTrue(h.out().contains("Inode size:\t          256"), h.out());
        E2fs.Run ls = E2fs.debugfs(img, "ls -l /");
        assertTrue(ls.out().contains("lost+found"), ls.out());
        E2fs.Run st = E2fs.debugfs(img, "stat /lost+found");
        assertTrue(st.out().contains("Size: 16384"), st.out());
        Fsck.Report rep = Fsck.checkImage(img);
        assertTrue(rep.clean(), rep.toString());
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            assertEquals(11, v.lookup("/lost+found"));
            assertEquals(3, v.stat("/").links());
            assertEquals(2, v.stat("/lost+found").links());
            assertEquals(List.of(".", "..", "lost+found"), v.readdir("/").stream().map(DirEntry::nameString).toList());
        }
    }

    @Test
    void eightMiB() throws Exception {
        E2fs.assumeInstalled();
        checkImage(E2fs.scratch("mkfs8").resolve("img"), 8L << 20, 1);
    }

    @Test
    void sixtyFourMiB() throws Exception {
        E2fs.assumeInstalled();
        checkImage(E2fs.scratch("mkfs64").resolve("img"), 64L << 20, 1);
    }

    @Test
    void threeGroupsWithDefaultGroupSize() throws Exception {
        E2fs.assumeInstalled();
        Path img = E2fs.scratch("mkfs300").resolve("img");
        checkImage(img, 300L << 20, 3);
        E2fs.Run d = E2fs.run("dumpe2fs", img.toString());
        assertTrue(d.out().contains("Backup superblock at 32768, Group descriptors at 32769-32769"), d.out());
        assertFalse(d.out().contains("Backup superblock at 65536"), d.out());
        E2fs.Run b = E2fs.run("e2fsck", "-fn", "-b", "32768", "-B", "4096", img.toString());
        assertEquals(0, b.exit(), b.out());
    }

    @Test
    void manySmallGroupsHaveSparseBackups() throws Exception {
        E2fs.assumeInstalled();
        Path img = E2fs.scratch("mkfsgroups").resolve("img");
        Mkfs.Result res = Mkfs.createImage(img, 80L << 20, Mkfs.Options.seeded(7).withBlocksPerGroup(2048));
        assertEquals(10, res.superBlock().groupCount());
        assertE2fsckClean(img);
        E2fs.Run d = E2fs.run("dumpe2fs", img.toString());
        for (int g : new int[] {1, 3, 5, 7, 9}) {
            assertTrue(d.out().contains("Backup superblock at " + g * 2048 + ","), "group " + g + ":\n" + d.out());
        }
        for (int g : new int[] {2, 4, 6, 8}) {
            assertFalse(d.out().contains("Backup superblock at " + g * 2048 + ","), "group " + g);
        }
        for (int g : new int[] {1, 9}) {
            E2fs.Run b = E2fs.run("e2fsck", "-fn", "-b", String.valueOf(g * 2048), "-B", "4096", img.toString());
            assertEquals(0, b.exit(), b.out());
        }
        assertTrue(Fsck.checkImage(img).clean());
    }

    @Test
    void smallestAndOddSizes() throws Exception {
        E2fs.assumeInstalled();
        Path d = E2fs.scratch("mkfssizes");
        Ext4Exception e = assertThrows(Ext4Exception.class,
                () -> Mkfs.createImage(d.resolve("tiny"), (1L << 20) - 1, Mkfs.Options.seeded(1)));
        assertTrue(e.getMessage().contains("too small"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(Errno.EINVAL, e.errno());

        Path one = d.resolve("one");
        Mkfs.createImage(one, 1L << 20, Mkfs.Options.seeded(1));
        assertE2fsckClean(one);

        Path odd = d.resolve("odd");
        Mkfs.Result r = Mkfs.createImage(odd, (8L << 20) + 1000, Mkfs.Options.seeded(1));
        assertTrue(r.note().contains("rounded down"), r.note());
        assertEquals(8L << 20, Files.size(odd));
        assertE2fsckClean(odd);

        // a last group too small for its metadata is dropped
        Path drop = d.resolve("drop");
        Mkfs.Result r2 = Mkfs.createImage(drop, (16L << 20) + 40 * 4096, Mkfs.Options.seeded(1).withBlocksPerGroup(4096));
        assertTrue(r2.note().contains("dropped"), r2.note());
        assertEquals(4096, r2.superBlock().blocksCount());
        assertE2fsckClean(drop);
    }

    @Test
    void deterministicForASeed() throws Exception {
        Path d = E2fs.scratch("mkfsdet");
        Mkfs.createImage(d.resolve("a"), 8L << 20, Mkfs.Options.seeded(99));
        Mkfs.createImage(d.resolve("b"), 8L << 20, Mkfs.Options.seeded(99));
        Mkfs.Result c = Mkfs.createImage(d.resolve("c"), 8L << 20, Mkfs.Options.seeded(100));
        assertEquals(E2fs.sha256(d.resolve("a")), E2fs.sha256(d.resolve("b")));
        assertNotEquals(E2fs.sha256(d.resolve("a")), E2fs.sha256(d.resolve("c")));
        try (Ext4Image v = Ext4Image.openImage(d.resolve("a"), Ext4Volume.Options.readOnlyMode())) {
            assertNotEquals(c.superBlock().uuidString(), v.superBlock().uuidString());
            assertEquals(Mkfs.DEFAULT_EPOCH, v.superBlock().mkfsTime());
        }
    }

    @Test
    void inMemoryDeviceIsCleanForOurFsck() throws Exception {
        DriverBlockIo io = DriverBlockIo.ram(4096);
        Mkfs.format(io, "mem", Mkfs.Options.seeded(3).withLabel("faultline"));
        Fsck.Report r = Fsck.check(io, "mem");
        assertTrue(r.clean(), r.toString());
        try (Ext4Image v = Ext4Image.open(io, "mem", true)) {
            assertEquals("faultline", v.superBlock().volumeName());
        }
    }
}

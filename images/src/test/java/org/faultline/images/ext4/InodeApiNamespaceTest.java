package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.faultline.kernel.Errno;
import org.junit.jupiter.api.Test;

/**
 * The inode-number namespace API the in-kernel ext4 uses (Ext4Dirs): ext4Lookup, ext4Create, ext4Mkdir, ext4Unlink (with
 * ext4EvictInode afterwards), ext4Rmdir and ext4Rename keep entries, link counts, the orphan list and the free
 * counts right, and the result passes e2fsck.
 */
class InodeApiNamespaceTest {
    private static final long ROOT = 2;
    private static final int S_IFREG = InodeDescriptor.S_IFREG;
    private static final int S_IFDIR = InodeDescriptor.S_IFDIR;

    interface Executable {
        void run() throws Exception;
    }

    static int errno(Executable e) {
        Ext4Exception x = assertThrows(Ext4Exception.class, e::run);
        assertFalse(x.getMessage().contains("\n"), x.getMessage());
        return x.errno();
    }

    /** Fills the blocks of {@code map} through the device, as the kernel's block layer would. */
    static void writeData(BlockIo io, Ext4Extents.BlockMap map, byte fill) throws Exception {
        byte[] b = new byte[4096];
        for (int i = 0; i < map.len(); i++) {
            java.util.Arrays.fill(b, fill);
            LittleEndian.putU32(b, 0, map.lblk() + i);
            io.write(map.pblk() + i, b);
        }
    }

    static void assertE2fsckClean(DriverBlockIo io, String name) throws Exception {
        Fsck.Report rep = Fsck.check(io, "mem");
        assertTrue(rep.clean(), rep.toString());
        E2fs.assumeInstalled();
        Path img = E2fs.scratch(name).resolve("img");
        E2fs.writeImage(io, img);
        E2fs.Run e = E2fs.e2fsck(img);
        assertEquals(0, e.exit(), e.out());
    }

    @Test
    void namespaceRoundTrips() throws Exception {
        DriverBlockIo io = DriverBlockIo.ram(4096);
        Mkfs.format(io, "mem", Mkfs.Options.seeded(21));
        long d;
        long e;
        long sub;
        try (Ext4Image v = Ext4Image.open(io, "mem", false)) {
            int rootLinks = v.stat(ROOT).links();
            d = v.volume().dirs().ext4Mkdir(ROOT, "d", 0755);
            assertEquals(d, v.volume().dirs().ext4Lookup(ROOT, "d"));
            assertEquals(0, v.volume().dirs().ext4Lookup(ROOT, "nope"));
            assertEquals(ROOT, v.volume().dirs().ext4Lookup(d, ".."));
            assertEquals(d, v.volume().dirs().ext4Lookup(d, "."));
            assertEquals(2, v.stat(d).links());
            assertEquals(rootLinks + 1, v.stat(ROOT).links());
            assertTrue(v.stat(d).isDir());

            long f = v.volume().dirs().ext4Create(d, "f", S_IFREG | 0640);
            assertEquals(f, v.volume().dirs().ext4Lookup(d, "f"));
            assertEquals(S_IFREG | 0640, v.stat(f).mode());
            assertEquals(1, v.stat(f).links());
            assertEquals(f, v.lookup("/d/f"), "the path API sees it");

            // errors
            assertEquals(Errno.EEXIST, errno(() -> v.volume().dirs().ext4Create(d, "f", S_IFREG | 0644)));
            assertEquals(Errno.EEXIST, errno(() -> v.volume().dirs().ext4Mkdir(d, "f", 0755)));
            assertEquals(Errno.EEXIST, errno(() -> v.volume().dirs().ext4Create(d, "..", S_IFREG | 0644)));
            assertEquals(Errno.ENOTDIR, errno(() -> v.volume().dirs().ext4Create(f, "x", S_IFREG | 0644)));
            assertEquals(Errno.ENOTDIR, errno(() -> v.volume().dirs().ext4Lookup(f, "x")));
            assertEquals(Errno.ENOENT, errno(() -> v.volume().dirs().ext4Unlink(d, "nope")));
            assertEquals(Errno.EISDIR, errno(() -> v.volume().dirs().ext4Unlink(ROOT, "d")));
            assertEquals(Errno.ENOTDIR, errno(() -> v.volume().dirs().ext4Rmdir(d, "f")));
            assertEquals(Errno.ENOTEMPTY, errno(() -> v.volume().dirs().ext4Rmdir(ROOT, "d")));
            assertEquals(Errno.ENOENT, errno(() -> v.volume().dirs().ext4Rmdir(ROOT, "nope")));
            assertEquals(Errno.EINVAL, errno(() -> v.volume().dirs().ext4Create(d, "a/b", S_IFREG | 0644)));
            assertEquals(Errno.EINVAL, errno(() -> v.volume().dirs().ext4Create(d, "s", S_IFDIR | 0755)));
            assertEquals(Errno.ENAMETOOLONG, errno(() -> v.volume().dirs().ext4Create(d, "x".repeat(256), S_IFREG | 0644)));
            assertEquals(Errno.EINVAL, errno(() -> v.volume().inodes().ext4EvictInode(f)), "still linked");
            assertEquals(Errno.EINVAL, errno(() -> v.volume().inodes().ext4EvictInode(ROOT)));

            // a file with data blocks and a second link
            Ext4Extents.BlockMap m = v.volume().extents().ext4ExtMapBlocks(f, 0, 8, true, false);
            assertEquals(8, m.len());
            writeData(io, m, (byte) 0x5a);
            v.volume().inodes().setSize(f, 8 * 4096);
            v.link("/d/f", "/d/g");
            assertEquals(2, v.stat(f).links());
            long freeBlocks = v.freeBlocks();
            long freeInodes = v.freeInodes();

            assertEquals(f, v.volume().dirs().ext4Unlink(d, "g"));
            assertEquals(1, v.stat(f).links());
            assertEquals(f, v.volume().dirs().ext4Unlink(d, "f"));
            assertEquals(0, v.volume().dirs().ext4Lookup(d, "f"));
            assertEquals(0, v.stat(f).links());
            assertEquals(freeBlocks, v.freeBlocks(), "ext4_unlink frees nothing");
            assertEquals(freeInodes, v.freeInodes(), "ext4_unlink frees nothing");
            assertEquals(64, v.volume().inodes().iBlocks(f));
            assertEquals(f, v.superBlock().lastOrphan(), "on the orphan list");
            // still usable while held
            assertEquals(m.pblk(), v.volume().extents().ext4ExtMapBlocks(f, 0, 8, false, false).pblk());
            v.volume().inodes().ext4EvictInode(f);
            assertEquals(freeBlocks + 8, v.freeBlocks());
            assertEquals(freeInodes + 1, v.freeInodes());
            assertEquals(0, v.superBlock().lastOrphan());
            assertEquals(Errno.EINVAL, errno(() -> v.volume().inodes().ext4EvictInode(f)), "already freed");
            assertEquals(Errno.EINVAL, errno(() -> v.volume().inodes().iBlocks(f)));

            // rename a file over another: the victim loses its link but keeps its blocks
            long a = v.volume().dirs().ext4Create(ROOT, "a", S_IFREG | 0644);
            long b = v.volume().dirs().ext4Create(d, "b", S_IFREG | 0644);
            writeData(io, v.volume().extents().ext4ExtMapBlocks(b, 0, 1, true, false), (byte) 1);
            v.volume().inodes().setSize(b, 4096);
            freeBlocks = v.freeBlocks();
            assertEquals(b, v.volume().dirs().ext4Rename(ROOT, "a", d, "b"));
            assertEquals(a, v.volume().dirs().ext4Lookup(d, "b"));
            assertEquals(0, v.volume().dirs().ext4Lookup(ROOT, "a"));
            assertEquals(0, v.stat(b).links());
            assertEquals(1, v.stat(a).links());
            assertEquals(freeBlocks, v.freeBlocks());
            v.volume().inodes().ext4EvictInode(b);
            assertEquals(freeBlocks + 1, v.freeBlocks());
            assertEquals(0, v.volume().dirs().ext4Rename(d, "b", d, "b"), "onto itself");
            assertEquals(0, v.volume().dirs().ext4Rename(d, "b", ROOT, "a2"), "nothing replaced");
            assertEquals(a, v.volume().dirs().ext4Lookup(ROOT, "a2"));

            // directories across parents: '..' and link counts follow
            e = v.volume().dirs().ext4Mkdir(ROOT, "e", 0755);
            sub = v.volume().dirs().ext4Mkdir(d, "sub", 0700);
            assertEquals(3, v.stat(d).links());
            assertEquals(0, v.volume().dirs().ext4Rename(d, "sub", e, "sub2"));
            assertEquals(2, v.stat(d).links());
            assertEquals(3, v.stat(e).links());
            assertEquals(e, v.volume().dirs().ext4Lookup(sub, ".."));
            // a directory over an empty directory, which is freed
            long empty = v.volume().dirs().ext4Mkdir(d, "empty", 0755);
            freeInodes = v.freeInodes();
            assertEquals(empty, v.volume().dirs().ext4Rename(e, "sub2", d, "empty"));
            assertEquals(freeInodes + 1, v.freeInodes(), "the replaced empty directory is freed");
            assertEquals(2, v.stat(e).links());
            assertEquals(3, v.stat(d).links());
            assertEquals(d, v.volume().dirs().ext4Lookup(sub, ".."));
            assertEquals(sub, v.volume().dirs().ext4Lookup(d, "empty"));

            // rename errors
            long full = v.volume().dirs().ext4Mkdir(ROOT, "full", 0755);
            v.volume().dirs().ext4Create(full, "x", S_IFREG | 0644);
            assertEquals(Errno.EINVAL, errno(() -> v.volume().dirs().ext4Rename(ROOT, "d", sub, "inside")));
            assertEquals(Errno.ENOTDIR, errno(() -> v.volume().dirs().ext4Rename(d, "empty", ROOT, "a2")));
            assertEquals(Errno.EISDIR, errno(() -> v.volume().dirs().ext4Rename(ROOT, "a2", ROOT, "e")));
            assertEquals(Errno.ENOTEMPTY, errno(() -> v.volume().dirs().ext4Rename(d, "empty", ROOT, "full")));
            assertEquals(Errno.ENOENT, errno(() -> v.volume().dirs().ext4Rename(ROOT, "nope", ROOT, "x")));

            // rmdir, and operations in a removed directory
            v.volume().dirs().ext4Rmdir(d, "empty");
            assertEquals(2, v.stat(d).links());
            assertEquals(0, v.volume().dirs().ext4Lookup(d, "empty"));
            long dead = v.volume().dirs().ext4Mkdir(ROOT, "dead", 0755);
            v.volume().dirs().ext4Rmdir(ROOT, "dead");
            assertEquals(Errno.ENOENT, errno(() -> v.volume().dirs().ext4Create(dead, "x", S_IFREG | 0644)));
            assertEquals(rootLinks + 3, v.stat(ROOT).links(), "d, e and full");
            v.sync();
        }
        assertE2fsckClean(io, "inode-api-ns");
        Path img = E2fs.scratch("inode-api-ns").resolve("img");
        E2fs.writeImage(io, img);
        E2fs.Run ls = E2fs.debugfs(img, "ls -l /");
        assertTrue(ls.out().contains(" a2\n"), ls.out());
        assertTrue(ls.out().contains(" full\n"), ls.out());
        assertFalse(ls.out().contains(" dead\n"), ls.out());
        E2fs.Run dd = E2fs.debugfs(img, "ls -l /d");
        assertFalse(dd.out().contains("empty"), dd.out());
        assertTrue(dd.out().contains("(2)"), dd.out());
        try (Ext4Image v = Ext4Image.open(io, "mem", true)) {
            assertEquals(Errno.EROFS, errno(() -> v.volume().dirs().ext4Create(ROOT, "z", S_IFREG | 0644)));
            assertEquals(Errno.EROFS, errno(() -> v.volume().dirs().ext4Unlink(ROOT, "a2")));
            assertTrue(v.volume().dirs().ext4Lookup(ROOT, "a2") > 0);
        }
    }

    @Test
    void unlinkedButHeldInodesAreOrphans() throws Exception {
        DriverBlockIo io = DriverBlockIo.ram(4096);
        Mkfs.format(io, "mem", Mkfs.Options.seeded(22));
        long x;
        long y;
        long z;
        long freeBlocks;
        try (Ext4Image v = Ext4Image.open(io, "mem", false)) {
            freeBlocks = v.freeBlocks();
            x = v.volume().dirs().ext4Create(ROOT, "x", S_IFREG | 0644);
            y = v.volume().dirs().ext4Create(ROOT, "y", S_IFREG | 0644);
            z = v.volume().dirs().ext4Create(ROOT, "z", S_IFREG | 0644);
            for (long ino : new long[] {x, y, z}) {
                writeData(io, v.volume().extents().ext4ExtMapBlocks(ino, 0, 3, true, false), (byte) ino);
                v.volume().inodes().setSize(ino, 3 * 4096);
            }
            v.volume().dirs().ext4Unlink(ROOT, "x");
            v.volume().dirs().ext4Unlink(ROOT, "y");
            v.volume().dirs().ext4Unlink(ROOT, "z");
            assertEquals(z, v.superBlock().lastOrphan());
            assertEquals(freeBlocks - 9, v.freeBlocks());
            v.sync();
        }
        // a crash now: e2fsck frees the orphans and then finds nothing else wrong
        E2fs.assumeInstalled();
        Path dir = E2fs.scratch("inode-api-orphans");
        Path img = dir.resolve("img");
        E2fs.writeImage(io, img);
        E2fs.Run st = E2fs.debugfs(img, "stats");
        assertTrue(st.out().contains("First orphan inode:       " + z), st.out());
        Path copy = dir.resolve("copy");
        Files.copy(img, copy, StandardCopyOption.REPLACE_EXISTING);
        E2fs.Run fix = E2fs.run("e2fsck", "-fy", copy.toString());
        assertTrue(fix.exit() <= 1, fix.out());
        assertTrue(fix.out().contains("Clearing orphaned inode " + x), fix.out());
        E2fs.Run again = E2fs.e2fsck(copy);
        assertEquals(0, again.exit(), again.out());
        // read-only sees them; a read-write open frees them (ext4_orphan_cleanup), and e2fsck agrees
        try (Ext4Image v = Ext4Image.open(io, "mem", true)) {
            assertEquals(0, v.stat(y).links());
            assertEquals(24, v.volume().inodes().iBlocks(y));
        }
        List<String> log = new ArrayList<>();
        try (Ext4Image v = Ext4Image.open(io, "mem", new Ext4Volume.Options(false, () -> 0L, 64).withPrintk(log::add))) {
            assertEquals(0, v.superBlock().lastOrphan());
            assertEquals(freeBlocks, v.freeBlocks());
        }
        assertEquals(List.of("EXT4-fs (mem): 3 orphan inodes deleted"), log);
        E2fs.writeImage(io, img);
        E2fs.Run cleaned = E2fs.e2fsck(img);
        assertEquals(0, cleaned.exit(), cleaned.out());
    }

    @Test
    void evictFromAnywhereInTheOrphanList() throws Exception {
        DriverBlockIo io = DriverBlockIo.ram(4096);
        Mkfs.format(io, "mem", Mkfs.Options.seeded(23));
        try (Ext4Image v = Ext4Image.open(io, "mem", false)) {
            long freeBlocks = v.freeBlocks();
            long freeInodes = v.freeInodes();
            long[] inos = new long[4];
            for (int i = 0; i < inos.length; i++) {
                inos[i] = v.volume().dirs().ext4Create(ROOT, "f" + i, S_IFREG | 0644);
                writeData(io, v.volume().extents().ext4ExtMapBlocks(inos[i], 0, 2, true, false), (byte) i);
                v.volume().inodes().setSize(inos[i], 8192);
            }
            for (int i = 0; i < inos.length; i++) {
                v.volume().dirs().ext4Unlink(ROOT, "f" + i);
            }
            // list: f3 -> f2 -> f1 -> f0
            v.volume().inodes().ext4EvictInode(inos[1]); // middle
            v.volume().inodes().ext4EvictInode(inos[0]); // tail
            v.volume().inodes().ext4EvictInode(inos[3]); // head
            assertEquals(inos[2], v.superBlock().lastOrphan());
            v.volume().inodes().ext4EvictInode(inos[2]);
            assertEquals(0, v.superBlock().lastOrphan());
            assertEquals(freeBlocks, v.freeBlocks());
            assertEquals(freeInodes, v.freeInodes());
            // a replaced file goes on the list too
            long a = v.volume().dirs().ext4Create(ROOT, "a", S_IFREG | 0644);
            long b = v.volume().dirs().ext4Create(ROOT, "b", S_IFREG | 0644);
            assertEquals(b, v.volume().dirs().ext4Rename(ROOT, "a", ROOT, "b"));
            assertEquals(b, v.superBlock().lastOrphan());
            v.volume().inodes().ext4EvictInode(b);
            assertArrayEquals(new byte[0], v.readAll("/b"));
            assertEquals(a, v.lookup("/b"));
            v.sync();
        }
        assertE2fsckClean(io, "inode-api-orphan-evict");
    }
}

package org.faultline.images.ext4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.fs.ext4.Ext4Volume;
import org.faultline.fs.ext4.Ext4Xattr;
import org.faultline.kernel.Errno;
import org.junit.jupiter.api.Test;

/**
 * The xattr format against the host kernel's: an image mkfs.ext4 made, whose attributes the host kernel
 * set through a loop mount — in-inode ones, block ones, and one block its mbcache shares between two
 * files (h_refcount 2) — is read by {@link Ext4Xattr} as the host wrote it, then changed by it: the
 * shared block copied before it changes (its count dropped to 1, the other file still reading the old
 * value), the now-private block changed in place, an emptied block freed. The image stays
 * {@code e2fsck -fn} clean and the host kernel reads the changes back. Needs root and loop devices
 * (skipped otherwise).
 */
class XattrHostImageTest {
    private static final int USER = Ext4Xattr.EXT4_XATTR_INDEX_USER;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String rep(char c, int n) {
        char[] a = new char[n];
        Arrays.fill(a, c);
        return new String(a);
    }

    private static byte[] get(Ext4Image v, long ino, int idx, String name) throws Exception {
        int n = v.volume().xattr().ext4XattrGet(ino, idx, b(name), null);
        byte[] out = new byte[n];
        assertEquals(n, v.volume().xattr().ext4XattrGet(ino, idx, b(name), out));
        return out;
    }

    private static long refcount(Ext4Image v, long block) throws Exception {
        byte[] d = v.cache().get(block);
        return (d[4] & 0xFFL) | (d[5] & 0xFFL) << 8 | (d[6] & 0xFFL) << 16 | (d[7] & 0xFFL) << 24;
    }

    private static String getfattr(Path mnt) throws Exception {
        E2fs.Run r = E2fs.run("sh", "-c", "cd " + mnt + " && getfattr -d -m - -e hex a b c");
        assertEquals(0, r.exit(), r.out());
        return r.out();
    }

    @Test
    void hostWrittenXattrsAreReadAndChangedCopyOnWrite() throws Exception {
        E2fs.assumeInstalled();
        assumeTrue("root".equals(System.getProperty("user.name")), "loop mounts need root");
        assumeTrue(E2fs.tool("mount") != null && E2fs.tool("setfattr") != null, "mount or setfattr (attr) missing");
        Path dir = E2fs.scratch("xattr-host-image");
        Path img = dir.resolve("x.img");
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        E2fs.Run m = E2fs.run("mkfs.ext4", "-F", "-q", "-b", "4096", "-I", "256", img.toString(), "32M");
        assertEquals(0, m.exit(), m.out());
        assumeTrue(E2fs.run("mount", "-o", "loop", img.toString(), mnt.toString()).exit() == 0, "cannot loop-mount");
        String shared = rep('s', 1500);
        try {
            E2fs.Run s = E2fs.run("sh", "-c", "cd " + mnt + " && touch a b c && setfattr -n user.shared -v " + shared
                    + " a && setfattr -n user.shared -v " + shared + " b && setfattr -n user.small -v hi c"
                    + " && setfattr -n trusted.t -v " + rep('t', 1200) + " c && setfattr -n user.zz -v 1 c");
            assertEquals(0, s.exit(), s.out());
        } finally {
            assertEquals(0, E2fs.run("umount", mnt.toString()).exit());
        }
        long blockA;
        long blockC;
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            long a = v.lookup("/a");
            long bb = v.lookup("/b");
            long c = v.lookup("/c");
            blockA = v.readInode(a).fileAcl();
            blockC = v.readInode(c).fileAcl();
            assertTrue(blockA != 0, "the host put a 1500-byte value in a block");
            assertEquals(blockA, v.readInode(bb).fileAcl(), "the host's mbcache shares the identical block");
            assertEquals(2, refcount(v, blockA));
            // reading what the host wrote: block values, in-inode values, the list (in-inode first)
            assertArrayEquals(b(shared), get(v, a, USER, "shared"));
            assertArrayEquals(b(shared), get(v, bb, USER, "shared"));
            assertArrayEquals(b("hi"), get(v, c, USER, "small"));
            assertArrayEquals(b(rep('t', 1200)), get(v, c, Ext4Xattr.EXT4_XATTR_INDEX_TRUSTED, "t"));
            byte[] list = new byte[v.volume().xattr().ext4Listxattr(c, null, i -> i == USER ? "user." : i == 4 ? "trusted." : null)];
            v.volume().xattr().ext4Listxattr(c, list, i -> i == USER ? "user." : i == 4 ? "trusted." : null);
            assertEquals("user.small\0user.zz\0trusted.t\0", new String(list, StandardCharsets.UTF_8));
            Ext4Exception e = assertThrows(Ext4Exception.class, () -> get(v, c, USER, "absent"));
            assertEquals(Errno.ENODATA, e.errno());
            long bs512 = v.readInode(a).blocks512();

            // a's change copies the shared block: a gets a new one, the old keeps b with refcount 1
            assertTrue(v.volume().xattr().ext4XattrSetHandle(a, USER, b("shared"), b(rep('n', 1600)), 0, 0));
            long newA = v.readInode(a).fileAcl();
            assertNotEquals(0, newA);
            assertNotEquals(blockA, newA, "a shared block is copied before it changes");
            assertEquals(1, refcount(v, blockA));
            assertEquals(1, refcount(v, newA));
            assertEquals(bs512, v.readInode(a).blocks512(), "one xattr block counted in i_blocks");
            assertArrayEquals(b(shared), get(v, bb, USER, "shared"), "b still reads the old value");
            // b's block is its own now: changed in place
            assertTrue(v.volume().xattr().ext4XattrSetHandle(bb, USER, b("extra"), b(rep('e', 1000)), Ext4Xattr.XATTR_CREATE, 0));
            assertEquals(blockA, v.readInode(bb).fileAcl(), "a private block is changed in place");
            e = assertThrows(Ext4Exception.class,
                    () -> v.volume().xattr().ext4XattrSetHandle(bb, USER, b("extra"), b("x"), Ext4Xattr.XATTR_CREATE, 0));
            assertEquals(Errno.EEXIST, e.errno());
            // removing c's only block attribute frees the block
            assertTrue(v.volume().xattr().ext4XattrSetHandle(c, Ext4Xattr.EXT4_XATTR_INDEX_TRUSTED, b("t"), null, Ext4Xattr.XATTR_REPLACE, 0));
            assertEquals(0, v.readInode(c).fileAcl());
            assertTrue(v.readInode(c).blocks512() < bs512);
            assertTrue(!v.volume().mballoc().inUse(blockC), "the emptied block is free");
        }
        E2fs.Run fsck = E2fs.e2fsck(img);
        assertEquals(0, fsck.exit(), fsck.out());
        assertEquals(0, E2fs.run("mount", "-o", "loop,ro", img.toString(), mnt.toString()).exit());
        String host;
        try {
            host = getfattr(mnt);
        } finally {
            E2fs.run("umount", mnt.toString());
        }
        assertTrue(host.contains("user.shared=0x" + "6e".repeat(1600)), host);
        assertTrue(host.contains("user.shared=0x" + "73".repeat(1500)), host);
        assertTrue(host.contains("user.extra=0x" + "65".repeat(1000)), host);
        assertTrue(host.contains("user.small=0x6869") && !host.contains("trusted.t"), host);
    }
}

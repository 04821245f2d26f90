package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.faultline.kernel.Errno;
import org.junit.jupiter.api.Test;

/** mkdir, rename, link, symlink, unlink and rmdir keep entries and link counts right. */
class NamespaceTest {

    private static int errno(Executable e) {
        Ext4Exception x = assertThrows(Ext4Exception.class, e::run);
        assertFalse(x.getMessage().contains("\n"));
        return x.errno();
    }

    private interface Executable {
        void run() throws Exception;
    }

    private static List<String> names(Ext4Image v, String dir) throws Exception {
        return v.readdir(dir).stream().map(DirEntry::nameString).toList();
    }

    @Test
    void renamesLinksAndErrors() throws Exception {
        Path img = E2fs.scratch("namespace").resolve("img");
        Mkfs.createImage(img, 8L << 20, Mkfs.Options.seeded(4));
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            v.mkdir("/a", 0755);
            v.mkdir("/a/b", 0755);
            v.mkdir("/c", 0755);
            long f = v.create("/a/f", 0644);
            v.write(f, 0, "hello".getBytes(), 0, 5);
            assertEquals(5, v.stat("/").links());
            assertEquals(3, v.stat("/a").links());

            // errors
            assertEquals(Errno.EEXIST, errno(() -> v.mkdir("/a", 0755)));
            assertEquals(Errno.EEXIST, errno(() -> v.create("/a/f", 0644)));
            assertEquals(Errno.ENOENT, errno(() -> v.create("/nope/x", 0644)));
            assertEquals(Errno.ENOTDIR, errno(() -> v.create("/a/f/x", 0644)));
            assertEquals(Errno.EISDIR, errno(() -> v.unlink("/a")));
            assertEquals(Errno.ENOTDIR, errno(() -> v.rmdir("/a/f")));
            assertEquals(Errno.ENOTEMPTY, errno(() -> v.rmdir("/a")));
            assertEquals(Errno.EINVAL, errno(() -> v.rename("/a", "/a/b/inside")));
            assertEquals(Errno.ENAMETOOLONG, errno(() -> v.create("/" + "x".repeat(256), 0644)));
            assertEquals(Errno.EISDIR, errno(() -> v.write(v.lookup("/a"), 0, new byte[1], 0, 1)));
            v.create("/" + "y".repeat(255), 0644);

            // rename a file across directories, then over an existing file
            v.rename("/a/f", "/c/g");
            assertEquals(List.of(".", ".."), names(v, "/a").subList(0, 2));
            assertFalse(names(v, "/a").contains("f"));
            assertArrayEquals("hello".getBytes(), v.readAll("/c/g"));
            long h = v.create("/c/h", 0644);
            v.write(h, 0, new byte[10_000], 0, 10_000);
            long free = v.freeBlocks();
            v.rename("/c/g", "/c/h");
            assertEquals(free + 3, v.freeBlocks(), "the replaced file's blocks are freed");
            assertArrayEquals("hello".getBytes(), v.readAll("/c/h"));

            // rename a directory across parents: '..' and link counts follow
            v.rename("/a/b", "/c/b2");
            assertEquals(2, v.stat("/a").links());
            assertEquals(3, v.stat("/c").links());
            assertEquals(v.lookup("/c"), v.lookup("/c/b2/.."));
            // over an empty directory
            v.mkdir("/a/empty", 0755);
            v.rename("/c/b2", "/a/empty");
            assertEquals(3, v.stat("/a").links());
            assertEquals(2, v.stat("/c").links());
            assertEquals(v.lookup("/a"), v.lookup("/a/empty/.."));
            v.mkdir("/c/full", 0755);
            v.create("/c/full/x", 0644);
            assertEquals(Errno.ENOTEMPTY, errno(() -> v.rename("/a/empty", "/c/full")));
            assertEquals(Errno.ENOTDIR, errno(() -> v.rename("/a/empty", "/c/h")));
            assertEquals(Errno.EISDIR, errno(() -> v.rename("/c/h", "/a/empty")));
            // same-directory rename of a directory
            v.rename("/a/empty", "/a/renamed");
            assertEquals(3, v.stat("/a").links());

            // hard links
            v.link("/c/h", "/a/h-link");
            assertEquals(2, v.stat("/c/h").links());
            v.unlink("/c/h");
            assertEquals(1, v.stat("/a/h-link").links());
            assertArrayEquals("hello".getBytes(), v.readAll("/a/h-link"));
            assertEquals(Errno.EISDIR, errno(() -> v.link("/a", "/a2")));

            // symlinks, fast and slow
            v.symlink("/a/h-link", "/fast");
            String longTarget = "/very/long/".repeat(20) + "target";
            v.symlink(longTarget, "/slow");
            assertEquals("/a/h-link", v.readlink("/fast"));
            assertEquals(longTarget, v.readlink("/slow"));
            assertTrue(v.stat("/fast").isSymlink());
            assertEquals(0, v.stat("/fast").blocks512());
            assertEquals(8, v.stat("/slow").blocks512());
        }
        Fsck.Report rep = Fsck.checkImage(img);
        assertTrue(rep.clean(), rep.toString());
        if (E2fs.tool("e2fsck") != null) {
            E2fs.Run e = E2fs.e2fsck(img);
            assertEquals(0, e.exit(), e.out());
            E2fs.Run st = E2fs.debugfs(img, "stat /slow");
            assertTrue(st.out().contains("Type: symlink"), st.out());
            E2fs.Run ls = E2fs.debugfs(img, "ls -l /a/renamed");
            assertTrue(ls.out().contains(".."), ls.out());
        }
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            v.unlink("/fast");
            v.unlink("/slow");
            v.unlink("/c/full/x");
            v.rmdir("/c/full");
            assertEquals(Errno.EINVAL, errno(() -> v.rmdir("/a/.")));
        }
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            assertEquals(Errno.EROFS, errno(() -> v.mkdir("/z", 0755)));
        }
        assertTrue(Fsck.checkImage(img).clean());
        if (E2fs.tool("e2fsck") != null) {
            assertEquals(0, E2fs.e2fsck(img).exit());
        }
    }
}

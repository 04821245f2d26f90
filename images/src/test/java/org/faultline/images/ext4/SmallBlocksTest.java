package org.faultline.images.ext4;

import org.faultline.fs.ext4.*;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.faultline.kernel.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Images of 1 and 2 KiB blocks and of 128-byte inodes, as the host's {@code mkfs.ext4} makes them with
 * its default features ({@code has_journal}, {@code metadata_csum}, {@code 64bit}, {@code flex_bg},
 * {@code dir_index}...): random operation sequences through {@link Ext4Image} against a model, then
 * {@code e2fsck -fn} and {@link Fsck} must find the image clean and the host kernel's loop mount must
 * read every file, link and directory as the model says. Faultline's own mkfs makes the same sizes.
 */
class SmallBlocksTest {

    static Stream<Arguments> hostImages() {
        return Stream.of(
                Arguments.of("1k", List.of(), 1024, 256),
                Arguments.of("2k", List.of("-b", "2048"), 2048, 256),
                Arguments.of("4k-inode128", List.of("-b", "4096", "-I", "128"), 4096, 128),
                Arguments.of("1k-inode128-no-flex_bg", List.of("-I", "128", "-O", "^flex_bg,^metadata_csum,uninit_bg"),
                        1024, 128));
    }

    /** The contents of one inode: hard links share it. */
    private static final class FileModel {
        byte[] data = new byte[0];

        void write(long off, byte[] b) {
            if (off + b.length > data.length) {
                data = Arrays.copyOf(data, (int) (off + b.length));
            }
            System.arraycopy(b, 0, data, (int) off, b.length);
        }

        void truncate(long n) {
            data = Arrays.copyOf(data, (int) n);
        }

        void zero(long from, long to) {
            to = Math.min(to, data.length);
            if (from < to) {
                Arrays.fill(data, (int) from, (int) to, (byte) 0);
            }
        }
    }

    /** The expected tree: files, symlinks and directories by path. */
    private static final class Model {
        final TreeMap<String, FileModel> files = new TreeMap<>();
        final TreeMap<String, String> links = new TreeMap<>();
        final TreeSet<String> dirs = new TreeSet<>(List.of("/"));

        <T> String pick(SplittableRandom r, java.util.Collection<T> c, java.util.function.Function<T, String> f) {
            int i = r.nextInt(c.size());
            for (T t : c) {
                if (i-- == 0) {
                    return f.apply(t);
                }
            }
            throw new IllegalStateException();
        }

        String anyDir(SplittableRandom r) {
            return pick(r, dirs, d -> d);
        }

        String child(String dir, String name) {
            return dir.equals("/") ? "/" + name : dir + "/" + name;
        }

        boolean exists(String p) {
            return files.containsKey(p) || links.containsKey(p) || dirs.contains(p);
        }
    }

    private static final int MAX_FILE = 3 << 20;

    /** One random operation on {@code v} and the model; the sizes, offsets and lengths ignore block boundaries. */
    private static void step(Ext4Image v, Model m, SplittableRandom r, int n) throws IOException {
        int op = r.nextInt(100);
        if (op < 8 || m.files.isEmpty()) {
            String p = m.child(m.anyDir(r), "f" + n);
            long ino = v.create(p, 0644);
            byte[] b = new byte[r.nextInt(3) == 0 ? r.nextInt(64) : r.nextInt(200_000)];
            r.nextBytes(b);
            v.write(ino, 0, b, 0, b.length);
            FileModel f = new FileModel();
            f.write(0, b);
            m.files.put(p, f);
        } else if (op < 13) {
            String p = m.child(m.anyDir(r), "d" + n);
            v.mkdir(p, 0755);
            m.dirs.add(p);
        } else if (op < 45) {
            String p = m.pick(r, m.files.keySet(), s -> s);
            FileModel f = m.files.get(p);
            long off = r.nextInt(4) == 0 ? f.data.length + r.nextInt(10_000) : r.nextInt(Math.max(1, f.data.length + 1));
            byte[] b = new byte[1 + r.nextInt(r.nextBoolean() ? 700 : 70_000)];
            r.nextBytes(b);
            if (off + b.length > MAX_FILE) {
                return;
            }
            v.write(v.lookup(p), off, b, 0, b.length);
            f.write(off, b);
        } else if (op < 55) {
            String p = m.pick(r, m.files.keySet(), s -> s);
            FileModel f = m.files.get(p);
            long size = r.nextInt(3) == 0 ? f.data.length + r.nextInt(50_000) : r.nextInt(f.data.length + 1);
            v.truncate(v.lookup(p), size);
            f.truncate(size);
        } else if (op < 63) {
            String p = m.pick(r, m.files.keySet(), s -> s);
            FileModel f = m.files.get(p);
            long off = r.nextInt(f.data.length + 1);
            long len = 1 + r.nextInt(40_000);
            v.punchHole(v.lookup(p), off, len);
            f.zero(off, off + len);
        } else if (op < 70) {
            String p = m.pick(r, m.files.keySet(), s -> s);
            FileModel f = m.files.get(p);
            long off = r.nextInt(f.data.length + 20_000);
            long len = 1 + r.nextInt(60_000);
            boolean keep = r.nextBoolean();
            if (off + len > MAX_FILE) {
                return;
            }
            v.fallocate(v.lookup(p), keep ? Ext4Image.FALLOC_FL_KEEP_SIZE : 0, off, len);
            if (!keep && off + len > f.data.length) {
                f.truncate(off + len);
            }
        } else if (op < 77) {
            String p = m.pick(r, m.files.keySet(), s -> s);
            v.unlink(p);
            m.files.remove(p);
        } else if (op < 84) {
            String p = m.pick(r, m.files.keySet(), s -> s);
            String to = m.child(m.anyDir(r), "r" + n);
            v.rename(p, to);
            m.files.put(to, m.files.remove(p));
        } else if (op < 89) {
            String p = m.pick(r, m.files.keySet(), s -> s);
            String to = m.child(m.anyDir(r), "h" + n);
            v.link(p, to);
            m.files.put(to, m.files.get(p));
        } else if (op < 94) {
            String target = "t".repeat(1 + r.nextInt(r.nextBoolean() ? 40 : 300)) + n;
            String p = m.child(m.anyDir(r), "s" + n);
            v.symlink(target, p);
            m.links.put(p, target);
        } else if (m.links.size() > 0 && op < 97) {
            String p = m.pick(r, m.links.keySet(), s -> s);
            v.unlink(p);
            m.links.remove(p);
        } else {
            String d = m.pick(r, m.dirs, s -> s);
            boolean empty = !d.equals("/") && Stream.of(m.files.keySet(), m.links.keySet(), m.dirs)
                    .flatMap(java.util.Collection::stream).noneMatch(x -> x.startsWith(d + "/"));
            if (empty) {
                v.rmdir(d);
                m.dirs.remove(d);
            }
        }
    }

    private static void verify(Ext4Image v, Model m) throws IOException {
        for (Map.Entry<String, FileModel> e : m.files.entrySet()) {
            assertArrayEquals(e.getValue().data, v.readAll(e.getKey()), e.getKey());
        }
        for (Map.Entry<String, String> e : m.links.entrySet()) {
            assertEquals(e.getValue(), v.readlink(e.getKey()), e.getKey());
        }
    }

    /** Every file, symlink and directory of the model, as the host kernel reads the mounted image. */
    private static void verifyHost(Path root, Model m) throws IOException {
        for (Map.Entry<String, FileModel> e : m.files.entrySet()) {
            assertArrayEquals(e.getValue().data, Files.readAllBytes(root.resolve(e.getKey().substring(1))),
                    "host read of " + e.getKey());
        }
        for (Map.Entry<String, String> e : m.links.entrySet()) {
            assertEquals(e.getValue(), Files.readSymbolicLink(root.resolve(e.getKey().substring(1))).toString(), e.getKey());
        }
        for (String d : m.dirs) {
            Path hd = d.equals("/") ? root : root.resolve(d.substring(1));
            TreeSet<String> want = new TreeSet<>();
            for (String p : Stream.of(m.files.keySet(), m.links.keySet(), m.dirs).flatMap(java.util.Collection::stream).toList()) {
                if (!p.equals("/") && parentOf(p).equals(d)) {
                    want.add(p.substring(p.lastIndexOf('/') + 1));
                }
            }
            if (d.equals("/")) {
                want.add("lost+found");
            }
            TreeSet<String> got = new TreeSet<>();
            try (Stream<Path> s = Files.list(hd)) {
                s.forEach(x -> got.add(x.getFileName().toString()));
            }
            assertEquals(want, got, "host listing of " + d);
            assertTrue(Files.isDirectory(hd, LinkOption.NOFOLLOW_LINKS));
        }
    }

    private static String parentOf(String p) {
        int i = p.lastIndexOf('/');
        return i == 0 ? "/" : p.substring(0, i);
    }

    private static boolean mountable() throws IOException, InterruptedException {
        return "root".equals(System.getProperty("user.name")) && E2fs.tool("mount") != null && E2fs.tool("umount") != null;
    }

    private static void hostMounted(Path img, Model m) throws Exception {
        Path mnt = Files.createDirectories(img.resolveSibling(img.getFileName() + ".mnt"));
        E2fs.Run mr = E2fs.run("mount", "-t", "ext4", "-o", "loop,ro", img.toString(), mnt.toString());
        assertEquals(0, mr.exit(), "mount: " + mr.out());
        try {
            verifyHost(mnt, m);
        } finally {
            if (E2fs.run("umount", mnt.toString()).exit() != 0) {
                E2fs.run("umount", "-l", mnt.toString());
            }
        }
    }

    /** Runs {@code steps} random operations on {@code img} with a 500-entry directory (an htree) first. */
    private static Model populate(Path img, int steps, long seed) throws Exception {
        Model m = new Model();
        SplittableRandom r = new SplittableRandom(seed);
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            v.mkdir("/big", 0755);
            m.dirs.add("/big");
            for (int i = 0; i < 500; i++) {
                String p = "/big/entry_with_a_longish_name_" + i;
                long ino = v.create(p, 0644);
                byte[] b = ("entry " + i + "\n").getBytes();
                v.write(ino, 0, b, 0, b.length);
                FileModel f = new FileModel();
                f.write(0, b);
                m.files.put(p, f);
            }
            for (int i = 0; i < 500; i += 3) {
                v.unlink("/big/entry_with_a_longish_name_" + i);
                m.files.remove("/big/entry_with_a_longish_name_" + i);
            }
            for (int s = 0; s < steps; s++) {
                step(v, m, r, s);
                if (s % 200 == 199) {
                    verify(v, m);
                }
            }
            verify(v, m);
        }
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostImages")
    void hostImageTakesRandomOperations(String name, List<String> opts, int blockSize, int inodeSize) throws Exception {
        E2fs.assumeInstalled();
        Path img = E2fs.scratch("small-blocks-" + name).resolve(name + ".img");
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-F", "-q"));
        cmd.addAll(opts);
        cmd.addAll(List.of(img.toString(), "64M"));
        E2fs.Run mk = E2fs.run(cmd.toArray(new String[0]));
        assertEquals(0, mk.exit(), mk.out());
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            assertEquals(blockSize, v.blockSize());
            assertEquals(inodeSize, v.superBlock().inodeSize());
            assertEquals(blockSize == 1024 ? 1 : 0, v.superBlock().firstDataBlock());
        }
        Model m = populate(img, 1200, name.hashCode());
        E2fs.Run fsck = E2fs.e2fsck(img);
        assertEquals(0, fsck.exit(), fsck.out());
        Fsck.Report rep = Fsck.checkImage(img);
        assertTrue(rep.clean(), rep.toString());
        if (mountable()) {
            hostMounted(img, m);
        }
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            verify(v, m);
            assertTrue(v.extentDepth(v.lookup("/big")) >= 0);
        }
    }

    static Stream<Arguments> faultlineImages() {
        return Stream.of(Arguments.of(1024, 128), Arguments.of(1024, 256), Arguments.of(2048, 256),
                Arguments.of(4096, 128), Arguments.of(2048, 1024));
    }

    @ParameterizedTest(name = "{0}-byte blocks, {1}-byte inodes")
    @MethodSource("faultlineImages")
    void faultlineMkfsMakesThem(int blockSize, int inodeSize) throws Exception {
        E2fs.assumeInstalled();
        Path img = E2fs.scratch("small-blocks-mkfs-" + blockSize + "-" + inodeSize).resolve("img");
        Mkfs.Result made = Mkfs.createImage(img, 24L << 20, Mkfs.Options.seeded(5).withBlockSize(blockSize)
                .withInodeSize(inodeSize));
        assertEquals(blockSize, made.superBlock().blockSize());
        assertEquals(inodeSize, made.superBlock().inodeSize());
        assertEquals(24L << 20, made.superBlock().blocksCount() * blockSize);
        E2fs.Run fresh = E2fs.e2fsck(img);
        assertEquals(0, fresh.exit(), fresh.out());
        E2fs.Run d = E2fs.run("dumpe2fs", "-h", img.toString());
        assertTrue(d.out().matches("(?s).*Block size:\\s+" + blockSize + "\\b.*"), d.out());
        assertTrue(d.out().matches("(?s).*Inode size:\\s+" + inodeSize + "\\b.*"), d.out());
        Model m = populate(img, 400, blockSize + inodeSize);
        E2fs.Run fsck = E2fs.e2fsck(img);
        assertEquals(0, fsck.exit(), fsck.out());
        Fsck.Report rep = Fsck.checkImage(img);
        assertTrue(rep.clean(), rep.toString());
        if (mountable()) {
            hostMounted(img, m);
        }
    }

    @Test
    void theSuperblockSaysWhereItsBlocksAre() throws Exception {
        E2fs.assumeInstalled();
        Path img = E2fs.scratch("small-blocks-geometry").resolve("img");
        assertEquals(0, E2fs.run("mkfs.ext4", "-F", "-q", "-O", "^flex_bg", img.toString(), "32M").exit());
        try (DriverBlockIo io = DriverBlockIo.openImage(img, true, false)) {
            assertEquals(4096, io.blockSize(), "until the superblock is read");
            Ext4SuperBlock sb = Ext4SuperBlock.read(io, "img", true);
            assertEquals(1024, io.blockSize(), "sb_set_blocksize");
            assertEquals(32L << 10, io.blocks());
            assertEquals(8192, sb.blocksPerGroup());
            assertEquals(8193, sb.groupFirstBlock(1), "group 1 starts after block 0 and a full group");
            byte[] b = new byte[1024];
            io.read(8193, b);
            assertEquals(SuperBlockDescriptor.EXT4_SUPER_MAGIC, LittleEndian.u16(b, SuperBlockDescriptor.S_MAGIC),
                    "group 1's backup superblock");
            try (Ext4Volume v = Ext4Volume.open(io, "img", true)) {
                assertEquals(2 + sb.gdtBlocks() + sb.reservedGdtBlocks(), v.groupDesc(0).blockBitmap(),
                        "the descriptor table starts at block 2, the reserved GDT blocks and the bitmap follow");
            }
        }
    }

    @Test
    void blocksLargerThanAPageAreRefused() throws Exception {
        E2fs.assumeInstalled();
        Path img = E2fs.scratch("small-blocks-8k").resolve("img");
        assertEquals(0, E2fs.run("mkfs.ext4", "-F", "-q", "-b", "8192", img.toString(), "32M").exit());
        Ext4Exception e = assertThrows(Ext4Exception.class,
                () -> Ext4Image.openImage(img, Ext4Volume.Options.readWrite()).close());
        assertEquals(Errno.EOPNOTSUPP, e.errno());
        assertTrue(e.getMessage().contains("bad block size 8192"), e.getMessage());
    }
}

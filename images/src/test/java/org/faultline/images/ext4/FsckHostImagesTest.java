package org.faultline.images.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.faultline.kernel.Crc32c;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Fsck} on the images the host's {@code mkfs.ext4} makes with 4 KiB blocks (and 1 and 2 KiB,
 * and inodes of 128 and 512 bytes): its defaults
 * ({@code has_journal ext_attr resize_inode dir_index filetype extent 64bit flex_bg sparse_super
 * large_file huge_file dir_nlink extra_isize metadata_csum}), each of them turned off, and three
 * layouts of 64 groups (uninitialized groups, backup superblocks, the resize inode's backups), fresh
 * and populated. Each populated image is populated by the host kernel (loop mount: a directory of 500 entries that becomes an htree,
 * subdirectories, a large file, a fragmented sparse file with an extent tree block, symlinks, a hard
 * link, deletions, an extended attribute), or where loop mounts are not possible by debugfs and
 * {@code e2fsck -fyD}; then e2fsck -fn and Fsck must both find it clean, counting the same files and
 * blocks. Then damage to the metadata_csum image, one structure at a time, that both must see.
 */
class FsckHostImagesTest {
    private static Path dir;
    private static boolean mountable;
    /** The populated default (metadata_csum) image the corruption tests copy. */
    private static Path csumImage;

    @BeforeAll
    static void setUp() throws Exception {
        E2fs.assumeInstalled();
        dir = E2fs.scratch("fsck-host-images");
        mountable = probeLoopMount();
        csumImage = make("csum-base", List.of());
    }

    // ---------------------------------------------------------------- building images

    private static boolean probeLoopMount() throws IOException, InterruptedException {
        if (!"root".equals(System.getProperty("user.name")) || E2fs.tool("mount") == null) {
            return false;
        }
        Path img = dir.resolve("probe.img");
        E2fs.Run m = E2fs.run("mkfs.ext4", "-F", "-q", "-b", "4096", img.toString(), "8M");
        if (m.exit() != 0) {
            return false;
        }
        Path mnt = Files.createDirectories(dir.resolve("probe.mnt"));
        E2fs.Run r = E2fs.run("mount", "-o", "loop", img.toString(), mnt.toString());
        if (r.exit() != 0) {
            return false;
        }
        return E2fs.run("umount", mnt.toString()).exit() == 0;
    }

    /** mkfs.ext4 -F -q -b 4096 [opts] IMG 64M, then populated. */
    private static Path make(String name, List<String> opts) throws Exception {
        Path img = mkfs(name, opts, "64M");
        populate(img, name);
        return img;
    }

    /** mkfs.ext4 -F -q -b 4096 [opts] IMG SIZE; opts may name another block size. */
    private static Path mkfs(String name, List<String> opts, String size) throws Exception {
        Path img = dir.resolve(name + ".img");
        Files.deleteIfExists(img);
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-F", "-q"));
        if (!opts.contains("-b")) {
            cmd.addAll(List.of("-b", "4096"));
        }
        cmd.addAll(opts);
        cmd.addAll(List.of(img.toString(), size));
        E2fs.Run r = E2fs.run(cmd.toArray(new String[0]));
        assertEquals(0, r.exit(), r.out());
        return img;
    }

    private static void populate(Path img, String name) throws Exception {
        if (mountable) {
            populateMounted(img, name);
        } else {
            populateWithDebugfs(img, name);
        }
    }

    private static void populateMounted(Path img, String name) throws Exception {
        Path mnt = Files.createDirectories(dir.resolve(name + ".mnt"));
        E2fs.Run m = E2fs.run("mount", "-o", "loop", img.toString(), mnt.toString());
        assertEquals(0, m.exit(), m.out());
        try {
            populate(mnt);
        } finally {
            E2fs.Run u = E2fs.run("umount", mnt.toString());
            assertEquals(0, u.exit(), u.out());
        }
    }

    /** What the host kernel writes: the same tree for every image. */
    private static void populate(Path root) throws IOException {
        Random rnd = new Random(42);
        Path big = Files.createDirectories(root.resolve("big"));
        for (int i = 0; i < 500; i++) {
            Files.writeString(big.resolve(String.format("file_with_a_longish_name_%04d", i)), "entry " + i + "\n");
        }
        for (int i = 0; i < 500; i += 7) {
            Files.delete(big.resolve(String.format("file_with_a_longish_name_%04d", i)));
        }
        Path deep = Files.createDirectories(root.resolve("d1/d2/d3"));
        Files.writeString(deep.resolve("f"), "deep\n");
        Files.createDirectories(root.resolve("d1/empty"));
        byte[] large = new byte[8 << 20];
        rnd.nextBytes(large);
        Files.write(root.resolve("large"), large);
        try (RandomAccessFile f = new RandomAccessFile(root.resolve("sparse").toFile(), "rw")) {
            byte[] blk = new byte[4096];
            for (int b = 0; b <= 40; b += 2) { // 21 extents: more than the inode holds
                rnd.nextBytes(blk);
                f.seek(b * 4096L);
                f.write(blk);
            }
        }
        Files.createSymbolicLink(root.resolve("fastlink"), Path.of("d1/d2/d3/f"));
        Files.createSymbolicLink(root.resolve("slowlink"), Path.of("d1/d2/d3/" + "x".repeat(100)));
        Files.createLink(root.resolve("d1/hardlink"), deep.resolve("f"));
        Files.write(root.resolve("empty"), new byte[0]);
        try {
            UserDefinedFileAttributeView x = Files.getFileAttributeView(deep.resolve("f"), UserDefinedFileAttributeView.class);
            x.write("faultline", ByteBuffer.wrap("in-inode".getBytes(StandardCharsets.UTF_8)));
        } catch (IOException | UnsupportedOperationException e) {
            // no user xattrs here: nothing to check then
        }
    }

    /** Without loop mounts: the same kind of tree by debugfs, then e2fsck -fyD builds the htree indexes. */
    private static void populateWithDebugfs(Path img, String name) throws Exception {
        Path host = dir.resolve(name + ".src");
        Files.createDirectories(host);
        Path small = Files.writeString(host.resolve("small"), "entry\n");
        byte[] large = new byte[8 << 20];
        new Random(42).nextBytes(large);
        Path largeFile = Files.write(host.resolve("large"), large);
        StringBuilder cmds = new StringBuilder("mkdir big\nmkdir d1\nmkdir d1/d2\nmkdir d1/d2/d3\n");
        for (int i = 0; i < 500; i++) {
            cmds.append(String.format("write %s big/file_with_a_longish_name_%04d%n", small, i));
        }
        cmds.append("write ").append(small).append(" d1/d2/d3/f\n");
        cmds.append("write ").append(largeFile).append(" large\n");
        cmds.append("symlink fastlink d1/d2/d3/f\n");
        Path script = Files.writeString(host.resolve("cmds"), cmds.toString());
        E2fs.Run r = E2fs.run("debugfs", "-w", "-f", script.toString(), img.toString());
        assertTrue(r.out().contains("debugfs"), r.out());
        E2fs.Run d = E2fs.run("e2fsck", "-fyD", img.toString());
        assertTrue(d.exit() <= 1, d.out());
    }

    // ---------------------------------------------------------------- clean images

    static Stream<Arguments> variants() {
        return Stream.of(
                Arguments.of("default", List.of()),
                Arguments.of("no-metadata_csum", List.of("-O", "^metadata_csum")),
                Arguments.of("no-64bit", List.of("-O", "^64bit")),
                Arguments.of("no-flex_bg", List.of("-O", "^flex_bg")),
                Arguments.of("no-has_journal", List.of("-O", "^has_journal")),
                Arguments.of("no-resize_inode", List.of("-O", "^resize_inode")),
                Arguments.of("no-dir_index", List.of("-O", "^dir_index")),
                Arguments.of("no-huge_file", List.of("-O", "^huge_file")),
                Arguments.of("no-dir_nlink", List.of("-O", "^dir_nlink")),
                Arguments.of("no-extra_isize", List.of("-O", "^extra_isize")),
                Arguments.of("groups64", List.of("-g", "4096")),
                Arguments.of("groups64-no-flex_bg", List.of("-g", "4096", "-O", "^flex_bg")),
                Arguments.of("groups64-uninit_bg", List.of("-g", "4096", "-O", "^metadata_csum,uninit_bg")),
                Arguments.of("1k", List.of("-b", "1024")),
                Arguments.of("1k-no-flex_bg", List.of("-b", "1024", "-O", "^flex_bg")),
                Arguments.of("1k-uninit_bg", List.of("-b", "1024", "-O", "^metadata_csum,uninit_bg")),
                Arguments.of("1k-no-resize_inode", List.of("-b", "1024", "-O", "^resize_inode")),
                Arguments.of("1k-inode128", List.of("-b", "1024", "-I", "128")),
                Arguments.of("2k", List.of("-b", "2048")),
                Arguments.of("inode128", List.of("-I", "128")),
                Arguments.of("inode512", List.of("-I", "512")));
    }

    /** 64 groups of 4096 blocks: most stay uninitialized after the population. */
    private static String sizeOf(List<String> opts) {
        return opts.contains("-g") ? "256M" : "64M";
    }

    private static final Pattern SUMMARY = Pattern.compile("(\\d+)/(\\d+) files.*?(\\d+)/(\\d+) blocks");

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void hostImageIsCleanForE2fsckAndForFsck(String name, List<String> opts) throws Exception {
        Path img = mkfs(name, opts, sizeOf(opts));
        populate(img, name);
        assertCleanForBoth(img);
        boolean dirIndex = !opts.contains("^dir_index");
        assertEquals(dirIndex, (inodeFlags(img, "/big") & 0x1000) != 0, "EXT4_INDEX_FL on /big");
        if (opts.contains("-g")) {
            String groups = E2fs.run("dumpe2fs", img.toString()).out();
            assertTrue(groups.contains("BLOCK_UNINIT") && groups.contains("INODE_UNINIT"), "uninitialized groups left");
        }
    }

    /** Fresh images also with features not every host kernel mounts: quota files, the orphan file. */
    static Stream<Arguments> freshVariants() {
        return Stream.concat(variants(), Stream.of(
                Arguments.of("orphan_file", List.of("-O", "orphan_file")),
                Arguments.of("quota-project", List.of("-O", "quota,project"))));
    }

    /** A fresh mkfs.ext4 image: uninitialized groups everywhere, an empty journal, the resize inode. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("freshVariants")
    void freshImageIsCleanForE2fsckAndForFsck(String name, List<String> opts) throws Exception {
        assertCleanForBoth(mkfs("fresh-" + name, opts, sizeOf(opts)));
    }

    private static void assertCleanForBoth(Path img) throws Exception {
        E2fs.Run e = E2fs.e2fsck(img);
        assertEquals(0, e.exit(), "e2fsck -fn:\n" + e.out());
        Fsck.Report r = Fsck.checkImage(img);
        assertEquals(Fsck.FSCK_OK, r.exitCode(), r.toString());
        assertTrue(r.problems().isEmpty(), r.toString());
        assertEquals(counts(e.out()), counts(r.summary()), "e2fsck: " + e.out() + "\nFsck: " + r.summary());
    }

    /** The "U/I files, B/N blocks" figures of a summary line. */
    private static List<String> counts(String out) {
        Matcher m = SUMMARY.matcher(out);
        assertTrue(m.find(), out);
        return List.of(m.group(1), m.group(2), m.group(3), m.group(4));
    }

    private static long inodeFlags(Path img, String path) throws Exception {
        E2fs.Run s = E2fs.debugfs(img, "stat " + path);
        Matcher m = Pattern.compile("Flags: 0x([0-9a-f]+)").matcher(s.out());
        assertTrue(m.find(), s.out());
        return Long.parseLong(m.group(1), 16);
    }

    // ---------------------------------------------------------------- damage both checkers see

    private static Path copy(String name) throws IOException {
        Path img = dir.resolve(name + ".img");
        Files.copy(csumImage, img, StandardCopyOption.REPLACE_EXISTING);
        return img;
    }

    private static void flip(Path img, long off, int mask) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(off);
            int b = f.read();
            f.seek(off);
            f.write(b ^ mask);
        }
    }

    private static byte[] readBlock(Path img, long blk) throws IOException {
        byte[] b = new byte[4096];
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.seek(blk * 4096);
            f.readFully(b);
        }
        return b;
    }

    private static void writeBlock(Path img, long blk, byte[] b) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(blk * 4096);
            f.write(b);
        }
    }

    /** Both checkers find the damage: e2fsck -fn exits 4, Fsck exits 4; returns Fsck's report. */
    private static Fsck.Report bothSee(Path img) throws Exception {
        E2fs.Run e = E2fs.e2fsck(img);
        assertEquals(4, e.exit(), "e2fsck -fn:\n" + e.out());
        Fsck.Report r = Fsck.checkImage(img);
        assertEquals(Fsck.FSCK_UNCORRECTED, r.exitCode(), r.toString());
        return r;
    }

    private static long number(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        assertTrue(m.find(), regex + " in:\n" + out);
        return Long.parseLong(m.group(1));
    }

    private static boolean anyContains(List<String> lines, String s) {
        return lines.stream().anyMatch(l -> l.contains(s));
    }

    @Test
    void inodeChecksum() throws Exception {
        Path img = copy("bad-inode");
        String imap = E2fs.debugfs(img, "imap /d1/d2/d3/f").out();
        long ino = number(imap, "Inode (\\d+) is part of");
        long blk = number(imap, "located at block (\\d+)");
        long off = Long.parseLong(imap.replaceAll("(?s).*offset 0x([0-9a-f]+).*", "$1"), 16);
        flip(img, blk * 4096 + off + 0x08, 0x01); // i_atime: only the checksum notices
        Fsck.Report r = bothSee(img);
        assertEquals(List.of("Inode " + ino + " passes checks, but checksum does not match inode.  Fix? no"), r.problems());
    }

    @Test
    void directoryLeafChecksum() throws Exception {
        Path img = copy("bad-dirleaf");
        long ino = number(E2fs.debugfs(img, "stat /big").out(), "Inode: (\\d+)");
        long blk = number(E2fs.debugfs(img, "bmap /big 1").out(), "(?m)^(\\d+)$");
        byte[] b = readBlock(img, blk);
        int slack = lastEntrySlack(b);
        assertTrue(slack >= 0, "no slack byte after the last entry of the leaf");
        b[slack] ^= 0x40; // inside the last entry's rec_len, past its name: only the checksum notices
        writeBlock(img, blk, b);
        Fsck.Report r = bothSee(img);
        assertEquals(List.of("Directory inode " + ino + ", block #1: directory passes checks but fails checksum.  Fix? no"),
                r.problems());
    }

    /** A byte of the leaf past the last entry's name and before the checksum tail, or -1. */
    private static int lastEntrySlack(byte[] b) {
        int off = 0;
        while (off < 4096 - 12) {
            int recLen = (b[off + 4] & 0xFF) | (b[off + 5] & 0xFF) << 8;
            if (off + recLen == 4096 - 12) {
                int nameEnd = off + 8 + (b[off + 6] & 0xFF);
                return nameEnd < off + recLen ? off + recLen - 1 : -1;
            }
            off += recLen;
        }
        return -1;
    }

    @Test
    void extentTreeBlockChecksum() throws Exception {
        Path img = copy("bad-extent-block");
        String stat = E2fs.debugfs(img, "stat /sparse").out();
        Matcher m = Pattern.compile("\\(ETB0\\):(\\d+)").matcher(stat);
        assumeTrue(m.find(), "no extent tree block in /sparse:\n" + stat);
        long ino = number(stat, "Inode: (\\d+)");
        long blk = Long.parseLong(m.group(1));
        byte[] b = readBlock(img, blk);
        int entries = (b[2] & 0xFF) | (b[3] & 0xFF) << 8;
        int max = (b[4] & 0xFF) | (b[5] & 0xFF) << 8;
        assertTrue(entries < max, "a full extent block");
        b[12 + 12 * entries + 1] ^= 0x01; // an unused entry slot, still under the checksum
        writeBlock(img, blk, b);
        Fsck.Report r = bothSee(img);
        assertEquals(1, r.problems().size(), r.toString());
        assertTrue(r.problems().get(0).startsWith("Inode " + ino + " extent block passes checks, but checksum does not match"
                + " extent (logical block 40, "), r.toString());
    }

    @Test
    void blockBitmap() throws Exception {
        Path img = copy("bad-block-bitmap");
        String groups = E2fs.run("dumpe2fs", img.toString()).out();
        long bitmap = number(groups, "Block bitmap at (\\d+)");
        long free = number(groups, "Free blocks: (\\d+)");
        flip(img, bitmap * 4096 + free / 8, 1 << (free % 8));
        Fsck.Report r = bothSee(img);
        assertTrue(r.problems().contains("Block bitmap differences: -" + free), r.toString());
        assertTrue(r.problems().contains("Group 0 block bitmap does not match checksum.  IGNORED."), r.toString());
    }

    @Test
    void groupDescriptor() throws Exception {
        Path img = copy("bad-group-desc");
        flip(img, 4096 + 0x0E, 0x01); // group 0's bg_free_inodes_count_lo, at the start of block 1
        Fsck.Report r = bothSee(img);
        assertTrue(r.notes().contains("One or more block group descriptor checksums are invalid.  Fix? no"), r.toString());
        assertTrue(anyContains(r.problems(), "Free inodes count wrong for group #0"), r.toString());
    }

    @Test
    void htreeRootChecksumAndHashOrder() throws Exception {
        Path img = copy("bad-dx-root");
        long ino = number(E2fs.debugfs(img, "stat /big").out(), "Inode: (\\d+)");
        long blk = number(E2fs.debugfs(img, "bmap /big 0").out(), "(?m)^(\\d+)$");
        byte[] b = readBlock(img, blk);
        int count = (b[34] & 0xFF) | (b[35] & 0xFF) << 8;
        assertTrue(count >= 3, "an index of " + count + " entries");
        // swap the hashes of entries 1 and 2: out of order, and the checksum no longer matches
        for (int k = 0; k < 4; k++) {
            byte t = b[32 + 8 + k];
            b[32 + 8 + k] = b[32 + 16 + k];
            b[32 + 16 + k] = t;
        }
        writeBlock(img, blk, b);
        Fsck.Report r = bothSee(img);
        String where = "Problem in HTREE directory inode " + ino;
        assertTrue(r.problems().contains(where + ": root node fails checksum.  Clear HTree index? no"), r.toString());
        assertTrue(r.problems().contains(where + ": block #0 has an unordered hash table.  Clear HTree index? no"), r.toString());
        assertTrue(anyContains(r.problems(), "Invalid HTREE directory inode " + ino), r.toString());
    }

    private static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }

    private static long u32(byte[] b, int off) {
        return ByteBuffer.wrap(b, off, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
    }

    @Test
    void htreeLeafNameOutsideItsHashRange() throws Exception {
        Path img = copy("bad-dx-hash");
        String stat = E2fs.debugfs(img, "stat /big").out();
        long ino = number(stat, "Inode: (\\d+)");
        long generation = number(stat, "Generation: (\\d+)");
        byte[] root = readBlock(img, number(E2fs.debugfs(img, "bmap /big 0").out(), "(?m)^(\\d+)$"));
        assertEquals(0, root[30], "a one-level index");
        int count = u16(root, 34);
        assertTrue(count >= 3, "an index of " + count + " leaves");
        long lo = u32(root, 32 + 8) & ~1L; // entry 1: neither the first nor the last leaf
        long hi = u32(root, 32 + 16) & ~1L;
        long leafL = u32(root, 32 + 8 + 4) & 0x0fffffffL;
        long leaf = number(E2fs.debugfs(img, "bmap /big " + leafL).out(), "(?m)^(\\d+)$");
        byte[] sbBytes = readBlock(img, 0);
        int[] seed = new int[4];
        for (int k = 0; k < 4; k++) {
            seed[k] = (int) u32(sbBytes, 1024 + 0xEC + 4 * k);
        }
        int version = root[28] + ((u32(sbBytes, 1024 + 0x160) & 2) != 0 ? 3 : 0);
        byte[] b = readBlock(img, leaf);
        int off = 0;
        while (u32(b, off) == 0) { // the first entry in use
            off += u16(b, off + 4);
        }
        int nameLen = b[off + 6] & 0xFF;
        byte[] name = java.util.Arrays.copyOfRange(b, off + 8, off + 8 + nameLen);
        boolean renamed = false;
        for (char c = 'a'; c <= 'z' && !renamed; c++) { // a same-length name hashing outside [lo, hi]
            name[nameLen - 1] = (byte) c;
            long h = FsckDxHash.hash(version, name, seed);
            renamed = h < lo || h > hi;
        }
        assertTrue(renamed, "a name hashing outside the leaf's range");
        System.arraycopy(name, 0, b, off + 8, nameLen);
        int csumSeed = Crc32c.crc32c(~0, sbBytes, 1024 + 0x68, 16); // crc32c of s_uuid
        int iseed = Crc32c.crc32cLe32(Crc32c.crc32cLe32(csumSeed, (int) ino), (int) generation);
        ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(4096 - 4, Crc32c.crc32c(iseed, b, 0, 4096 - 12));
        writeBlock(img, leaf, b);
        Fsck.Report r = bothSee(img);
        String where = "Problem in HTREE directory inode " + ino + ": block #" + leafL;
        assertTrue(r.problems().contains(where + " has bad min hash") || r.problems().contains(where + " has bad max hash"),
                r.toString());
        assertTrue(anyContains(r.problems(), "Invalid HTREE directory inode " + ino), r.toString());
        assertFalse(anyContains(r.problems(), "checksum"), r.toString());
    }

    @Test
    void superblockChecksumWithoutABackupCannotBeChecked() throws Exception {
        Path img = copy("bad-superblock");
        flip(img, 1024 + 0x78, 0x01); // s_volume_name: only the checksum notices
        E2fs.Run e = E2fs.e2fsck(img);
        assertEquals(8, e.exit(), e.out());
        assertTrue(e.out().contains("Superblock checksum does not match superblock"), e.out());
        Fsck.Report r = Fsck.checkImage(img);
        assertEquals(Fsck.FSCK_ERROR, r.exitCode(), r.toString());
        assertTrue(r.problems().get(0).contains("Superblock checksum does not match superblock"), r.toString());
    }

    @Test
    void aJournalHoldingTransactionsIsAProblemHereThoughE2fsckNOnlyWarns() throws Exception {
        Path img = copy("journal-data");
        String stat = E2fs.debugfs(img, "stat <8>").out();
        long jsb = number(stat, "\\(0(?:-\\d+)?\\):(\\d+)");
        byte[] b = readBlock(img, jsb);
        assertEquals(0xC03B3998L, ByteBuffer.wrap(b, 0, 4).getInt() & 0xFFFFFFFFL, "journal superblock magic");
        ByteBuffer.wrap(b).putInt(0x1C, 1); // s_start: a transaction to replay
        ByteBuffer.wrap(b).putInt(0xFC, 0);
        ByteBuffer.wrap(b).putInt(0xFC, Crc32c.crc32c(~0, b, 0, 1024)); // csum v3 kept valid
        writeBlock(img, jsb, b);
        E2fs.Run e = E2fs.e2fsck(img);
        assertEquals(0, e.exit(), e.out());
        assertTrue(e.out().contains("needs_recovery flag is clear, but journal has data"), e.out());
        Fsck.Report r = Fsck.checkImage(img);
        assertEquals(Fsck.FSCK_UNCORRECTED, r.exitCode(), r.toString());
        assertEquals(1, r.problems().size(), r.toString());
        assertTrue(r.problems().get(0).startsWith("Superblock needs_recovery flag is clear, but journal has data"), r.toString());
    }

    @Test
    void cleanBaseHasWhatTheDamageTestsNeed() throws Exception {
        Fsck.Report r = Fsck.checkImage(csumImage);
        assertTrue(r.clean(), r.toString());
        assertNotNull(r.summary());
        assertFalse(E2fs.debugfs(csumImage, "stat <7>").out().contains("Links: 0"), "resize inode in use");
        String features = E2fs.run("dumpe2fs", "-h", csumImage.toString()).out();
        for (String f : List.of("has_journal", "resize_inode", "dir_index", "64bit", "flex_bg", "metadata_csum", "extra_isize")) {
            assertTrue(features.contains(f), f + " in " + features);
        }
    }
}

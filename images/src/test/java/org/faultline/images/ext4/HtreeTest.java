package org.faultline.images.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.faultline.fs.ext4.DirEntry;
import org.faultline.fs.ext4.DxDescriptor;
import org.faultline.fs.ext4.Ext4Csum;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.fs.ext4.Ext4InodeRaw;
import org.faultline.fs.ext4.Ext4Volume;
import org.faultline.fs.ext4.InodeDescriptor;
import org.faultline.fs.ext4.SuperBlockDescriptor;
import org.faultline.kernel.Errno;
import org.junit.jupiter.api.Test;

/**
 * The htree ({@code dir_index}) against e2fsprogs and the host kernel: big directories built through
 * {@link Ext4Image} pass {@code e2fsck -fn}, have the depth {@code debugfs htree_dump} shows, and list
 * and look up identically on a loop mount; a directory the host kernel indexed is looked up, grown and
 * shrunk here; checksums, a malformed index, the unsigned hash and {@code dir_nlink} behave as the
 * kernel's.
 */
class HtreeTest {
    private static final String ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

    /** mkfs.ext4 with the host's default features (dir_index, metadata_csum, ...), 4 KiB blocks. */
    private static Path mkfs(String name, String size, String... extra) throws Exception {
        Path img = E2fs.scratch(name).resolve("img");
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-F", "-q", "-b", "4096"));
        cmd.addAll(List.of(extra));
        cmd.addAll(List.of(img.toString(), size));
        E2fs.Run r = E2fs.run(cmd.toArray(String[]::new));
        assertEquals(0, r.exit(), r.out());
        return img;
    }

    private static String randomName(Random r, String prefix, int i) {
        StringBuilder sb = new StringBuilder(prefix).append(i).append('-');
        for (int n = r.nextInt(24); n > 0; n--) {
            sb.append(ALNUM.charAt(r.nextInt(ALNUM.length())));
        }
        return sb.toString();
    }

    private static Set<String> names(Ext4Image v, String dir) throws IOException {
        List<DirEntry> l = v.readdir(dir);
        Set<String> s = new HashSet<>();
        for (DirEntry e : l) {
            assertTrue(s.add(e.nameString()), "listed once: " + e.nameString());
        }
        assertTrue(s.remove(".") && s.remove(".."), "'.' and '..' listed");
        return s;
    }

    private static void assertFsckClean(Path img) throws Exception {
        E2fs.Run r = E2fs.e2fsck(img);
        assertEquals(0, r.exit(), "e2fsck -fn: " + r.out());
        assertFalse(r.out().contains("HTREE"), r.out());
    }

    private static boolean indexed(Ext4Image v, String dir) throws IOException {
        return v.readInode(v.lookup(dir)).hasFlag(InodeDescriptor.EXT4_INDEX_FL);
    }

    // ---------------------------------------------------------------- host mounts

    private interface MountBody {
        void run(Path root) throws Exception;
    }

    private static void assumeLoopMount() {
        E2fs.assumeInstalled();
        assumeTrue("root".equals(System.getProperty("user.name")), "loop mounts need root");
        assumeTrue(E2fs.tool("mount") != null && E2fs.tool("umount") != null, "mount not installed");
    }

    /** Loop-mounts {@code img} on a fresh directory, runs {@code body}, unmounts. */
    private static void mounted(Path img, boolean readOnly, MountBody body) throws Exception {
        Path dir = img.resolveSibling("mnt");
        Files.createDirectories(dir);
        E2fs.Run m = E2fs.run("mount", "-t", "ext4", "-o", readOnly ? "loop,ro" : "loop", img.toString(), dir.toString());
        assertEquals(0, m.exit(), "mount: " + m.out());
        try {
            body.run(dir);
        } finally {
            E2fs.Run u = E2fs.run("umount", dir.toString());
            if (u.exit() != 0) {
                E2fs.run("umount", "-l", dir.toString());
            }
        }
    }

    private static Set<String> hostList(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    // ---------------------------------------------------------------- 100,000 entries

    @Test
    void hundredThousandEntries() throws Exception {
        assumeLoopMount();
        Path img = mkfs("htree-100k", "128M", "-N", "120000");
        Random r = new Random(100_000);
        List<String> big = new ArrayList<>();
        Set<String> other = new TreeSet<>();
        List<String> gone = new ArrayList<>();
        long lookupNs;
        long coldMisses;
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            v.mkdir("/big", 0755);
            v.mkdir("/other", 0755);
            for (int i = 0; i < 100_000; i++) {
                String n = randomName(r, "f", i);
                v.create("/big/" + n, 0644);
                big.add(n);
            }
            for (int i = 0; i < 50; i++) {
                v.mkdir("/big/sub" + i, 0755);
                big.add("sub" + i);
            }
            assertTrue(indexed(v, "/big"));
            assertEquals(52, v.stat("/big").links(), "50 subdirectories");
            // delete a random third
            Collections.shuffle(big, r);
            for (int i = 0; i < 33_333; i++) {
                String n = big.get(i);
                if (!n.startsWith("sub")) {
                    v.unlink("/big/" + n);
                    gone.add(n);
                }
            }
            big.removeAll(new HashSet<>(gone));
            // rename some across directories, and some back under new names
            for (int i = 0; i < 2000; i++) {
                String n = big.remove(big.size() - 1);
                if (n.startsWith("sub")) {
                    big.add(0, n);
                    n = big.remove(big.size() - 1);
                }
                v.rename("/big/" + n, "/other/" + n);
                other.add(n);
            }
            List<String> back = new ArrayList<>(other).subList(0, 500);
            for (String n : new ArrayList<>(back)) {
                v.rename("/other/" + n, "/big/back-" + n);
                other.remove(n);
                big.add("back-" + n);
            }
            assertTrue(indexed(v, "/other"), "2000 entries made /other indexed");
            for (String n : big) {
                assertNotEquals(0, v.lookup("/big/" + n), n);
            }
            for (String n : other) {
                assertNotEquals(0, v.lookup("/other/" + n), n);
            }
            for (String n : gone.subList(0, 2000)) {
                assertEquals(Errno.ENOENT, assertThrows(Ext4Exception.class, () -> v.lookup("/big/" + n)).errno());
            }
            assertEquals(new HashSet<>(big), names(v, "/big"));
            assertEquals(other, names(v, "/other"));
            // lookup time, warm
            long t0 = System.nanoTime();
            for (int i = 0; i < 20_000; i++) {
                v.lookup("/big/" + big.get(i % big.size()));
            }
            lookupNs = (System.nanoTime() - t0) / 20_000;
        }
        // a lookup from a cold cache reads the index path, not the directory
        long dirBlocks;
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            dirBlocks = v.stat("/big").size() / 4096;
            long before = v.cache().misses();
            assertNotEquals(0, v.lookup("/big/" + big.get(12_345)));
            coldMisses = v.cache().misses() - before;
        }
        assertTrue(coldMisses <= 10, "a cold lookup read " + coldMisses + " blocks of a " + dirBlocks + "-block directory");
        System.out.printf("htree: 100000 entries, %d left in %d blocks; lookup %.1f us warm, %d blocks read cold%n",
                big.size(), dirBlocks, lookupNs / 1000.0, coldMisses);

        assertFsckClean(img);
        E2fs.Run dump = E2fs.debugfs(img, "htree_dump /big");
        assertTrue(dump.out().contains("Indirect levels: 1"), "a 2-level tree: " + dump.out().lines().limit(12).toList());
        assertFalse(dump.out().contains("EXPECTED"), "every index checksum holds");
        mounted(img, true, root -> {
            assertEquals(new TreeSet<>(big), hostList(root.resolve("big")));
            assertEquals(other, hostList(root.resolve("other")));
            for (String n : big) {
                assertTrue(Files.exists(root.resolve("big").resolve(n)), "the host kernel looks up " + n);
            }
            for (String n : gone.subList(0, 2000)) {
                assertFalse(Files.exists(root.resolve("big").resolve(n)), n);
            }
            assertEquals(52, Files.getAttribute(root.resolve("big"), "unix:nlink"));
        });
    }

    // ---------------------------------------------------------------- a directory the host indexed

    @Test
    void hostIndexedDirectory() throws Exception {
        assumeLoopMount();
        Path img = mkfs("htree-host", "128M");
        Random r = new Random(7);
        List<String> host = new ArrayList<>();
        for (int i = 0; i < 6000; i++) {
            host.add(randomName(r, "h", i));
        }
        mounted(img, false, root -> {
            Path d = Files.createDirectory(root.resolve("hostdir"));
            for (String n : host) {
                Files.createFile(d.resolve(n));
            }
            for (int i = 0; i < 20; i++) {
                Files.createDirectory(d.resolve("sub" + i));
            }
        });
        Set<String> expect = new TreeSet<>(host);
        for (int i = 0; i < 20; i++) {
            expect.add("sub" + i);
        }
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            assertTrue(indexed(v, "/hostdir"), "the host kernel indexed it");
            for (String n : expect) {
                assertNotEquals(0, v.lookup("/hostdir/" + n), n);
            }
            for (int i = 0; i < 4000; i++) {
                String n = randomName(r, "n", i);
                v.create("/hostdir/" + n, 0644);
                expect.add(n);
            }
            Collections.shuffle(host, r);
            for (String n : host.subList(0, 3000)) {
                v.unlink("/hostdir/" + n);
                expect.remove(n);
            }
            for (String n : host.subList(3000, 3500)) {
                v.rename("/hostdir/" + n, "/hostdir/renamed-" + n);
                expect.remove(n);
                expect.add("renamed-" + n);
            }
            for (int i = 0; i < 5; i++) {
                v.rmdir("/hostdir/sub" + i);
                expect.remove("sub" + i);
            }
            assertEquals(expect, names(v, "/hostdir"));
            assertEquals(17, v.stat("/hostdir").links());
            // moved under another parent: ".." in the htree root changes, its dx_tail checksum with it
            long parent = v.mkdir("/parent", 0755);
            v.rename("/hostdir", "/parent/hostdir");
            assertEquals(parent, v.lookup("/parent/hostdir/.."));
            assertEquals(3, v.stat("/parent").links());
            assertNotEquals(0, v.lookup("/parent/hostdir/" + expect.iterator().next()));
        }
        assertFsckClean(img);
        mounted(img, true, root -> {
            Path d = root.resolve("parent").resolve("hostdir");
            assertEquals(expect, hostList(d));
            for (String n : expect) {
                assertTrue(Files.exists(d.resolve(n)), "the host kernel looks up " + n);
            }
        });
    }

    // ---------------------------------------------------------------- checksums and a malformed index

    /** Block 0 of directory {@code ino}: the htree root. */
    private static long rootBlock(Ext4Image v, long ino) throws IOException {
        return v.extents(ino).get(0).pblk();
    }

    private static byte[] readBlock(Path img, long pblk) throws IOException {
        byte[] b = new byte[4096];
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.seek(pblk * 4096);
            f.readFully(b);
        }
        return b;
    }

    private static void writeBlock(Path img, long pblk, byte[] b) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(pblk * 4096);
            f.write(b);
        }
    }

    @Test
    void indexChecksumAndMalformedIndex() throws Exception {
        E2fs.assumeInstalled();
        Path img = mkfs("htree-csum", "64M");
        List<String> names = new ArrayList<>();
        Random r = new Random(3);
        long ino;
        long root;
        int iseed;
        Ext4Csum csum;
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            ino = v.mkdir("/d", 0755);
            for (int i = 0; i < 3000; i++) {
                names.add(randomName(r, "c", i));
                v.create("/d/" + names.get(i), 0644);
            }
            assertTrue(indexed(v, "/d"));
            assertEquals(Errno.EEXIST, assertThrows(Ext4Exception.class, () -> v.create("/d/" + names.get(7), 0644)).errno());
            root = rootBlock(v, ino);
            Ext4InodeRaw in = v.readInode(ino);
            csum = new Ext4Csum(v.superBlock());
            iseed = csum.inodeSeed(ino, in.generation());
        }
        assertFsckClean(img);
        byte[] good = readBlock(img, root);
        assertTrue(csum.dxCsumValid(iseed, good), "the root's dx_tail checksum holds");
        assertEquals(DxDescriptor.ROOT_ENTRIES, Ext4Csum.dxCountOffset(good));
        assertEquals(DxDescriptor.dxRootLimit(4096, 8, true), good[DxDescriptor.ROOT_ENTRIES] & 0xff | (good[DxDescriptor.ROOT_ENTRIES + 1] & 0xff) << 8);

        // a bad checksum fails the lookup with EBADMSG
        byte[] bad = good.clone();
        bad[DxDescriptor.ROOT_ENTRIES + 507 * 8 + DxDescriptor.DT_CHECKSUM] ^= 1;
        writeBlock(img, root, bad);
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            Ext4Exception e = assertThrows(Ext4Exception.class, () -> v.lookup("/d/" + names.get(1)));
            assertEquals(Errno.EBADMSG, e.errno());
            assertTrue(e.getMessage().contains("Directory index failed checksum"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }

        // a malformed index (unused_flags bit 0) with a good checksum: lookups fall back to a linear
        // search, adding fails as ext4_add_entry does with metadata_csum
        byte[] flagged = good.clone();
        flagged[DxDescriptor.INFO_UNUSED_FLAGS] = 1;
        csum.setDxCsum(iseed, flagged);
        writeBlock(img, root, flagged);
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            for (String n : names.subList(0, 300)) {
                assertNotEquals(0, v.lookup("/d/" + n), n);
            }
            Ext4Exception e = assertThrows(Ext4Exception.class, () -> v.create("/d/new", 0644));
            assertEquals(Errno.EUCLEAN, e.errno());
            assertTrue(e.getMessage().contains("Directory has corrupted htree index."), e.getMessage());
        }

        // repaired: an emptied indexed directory is empty, and goes with all its blocks
        writeBlock(img, root, good);
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            long free = v.freeBlocks();
            long blocks = v.stat("/d").size() / 4096;
            for (String n : names) {
                v.unlink("/d/" + n);
            }
            assertEquals(Set.of(), names(v, "/d"));
            assertEquals(blocks, v.stat("/d").size() / 4096, "the index is never shrunk");
            v.rmdir("/d");
            assertTrue(v.freeBlocks() >= free + blocks, "the directory's blocks are freed");
        }
        assertFsckClean(img);
    }

    // ---------------------------------------------------------------- no metadata_csum, unsigned hash

    @Test
    void unsignedHashWithoutChecksums() throws Exception {
        assumeLoopMount();
        Path img = mkfs("htree-unsigned", "64M", "-O", "^metadata_csum");
        E2fs.Run set = E2fs.debugfsW(img, "ssv flags " + SuperBlockDescriptor.EXT2_FLAGS_UNSIGNED_HASH);
        assertEquals(0, set.exit(), set.out());
        Random r = new Random(11);
        Set<String> expect = new TreeSet<>();
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            assertEquals(SuperBlockDescriptor.EXT2_FLAGS_UNSIGNED_HASH, v.superBlock().flags());
            v.mkdir("/u", 0755);
            for (int i = 0; i < 5000; i++) {
                String n = randomName(r, i % 2 == 0 ? "\u00e9t\u00e9-" : "na\u00efve-", i);
                v.create("/u/" + n, 0644);
                expect.add(n);
            }
            assertTrue(indexed(v, "/u"));
        }
        assertFsckClean(img);
        mounted(img, true, root -> {
            assertEquals(expect, hostList(root.resolve("u")));
            for (String n : expect) {
                assertTrue(Files.exists(root.resolve("u").resolve(n)), "the host kernel hashes " + n + " unsigned too");
            }
        });

        // without metadata_csum a malformed index is dropped: the directory goes on linear
        long root;
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            root = rootBlock(v, v.lookup("/u"));
        }
        byte[] b = readBlock(img, root);
        b[DxDescriptor.INFO_UNUSED_FLAGS] = 1;
        writeBlock(img, root, b);
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            v.create("/u/after", 0644);
            expect.add("after");
            assertFalse(indexed(v, "/u"), "ext4_add_entry cleared EXT4_INDEX_FL");
            for (String n : expect) {
                assertNotEquals(0, v.lookup("/u/" + n), n);
            }
            assertEquals(expect, names(v, "/u"));
        }
        assertFsckClean(img);
    }

    @Test
    void hashSignednessIsRecordedOnOpen() throws Exception {
        E2fs.assumeInstalled();
        Path img = mkfs("htree-flags", "16M");
        assertEquals(0, E2fs.debugfsW(img, "ssv flags 0").exit());
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            assertEquals(0, v.superBlock().flags(), "a read-only open changes nothing");
        }
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            assertEquals(SuperBlockDescriptor.EXT2_FLAGS_SIGNED_HASH, v.superBlock().flags());
        }
        assertTrue(E2fs.run("dumpe2fs", "-h", img.toString()).out().contains("signed_directory_hash"));
        assertFsckClean(img);
    }

    // ---------------------------------------------------------------- dir_nlink

    @Test
    void dirNlinkPastLinkMax() throws Exception {
        assumeLoopMount();
        Path img = mkfs("htree-nlink", "400M", "-N", "70000");
        int subdirs = Ext4Volume.EXT4_LINK_MAX - 1;      // 2 + 64,999 links: one past EXT4_LINK_MAX
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            v.mkdir("/p", 0755);
            for (int i = 0; i < subdirs - 1; i++) {
                v.mkdir("/p/d" + i, 0755);
            }
            assertEquals(Ext4Volume.EXT4_LINK_MAX, v.stat("/p").links());
            v.mkdir("/p/last", 0755);
            assertEquals(1, v.stat("/p").links(), "ext4_inc_count: past EXT4_LINK_MAX an indexed directory counts 1");
            v.mkdir("/p/more", 0755);
            assertEquals(1, v.stat("/p").links());
            v.rmdir("/p/d0");
            v.rmdir("/p/more");
            assertEquals(1, v.stat("/p").links(), "ext4_dec_count leaves 1 alone");
        }
        assertFsckClean(img);
        mounted(img, true, root -> assertEquals(1, Files.getAttribute(root.resolve("p"), "unix:nlink")));
    }

    @Test
    void linkMaxForLinearDirectories() throws Exception {
        E2fs.assumeInstalled();
        Path img = mkfs("htree-emlink", "16M");
        long lin;
        long dx;
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            lin = v.mkdir("/linear", 0755);
            dx = v.mkdir("/indexed", 0755);
            for (int i = 0; i < 300; i++) {
                v.create("/indexed/file-number-" + i, 0644);
            }
            assertTrue(indexed(v, "/indexed"));
            assertFalse(indexed(v, "/linear"));
        }
        // pretend both have EXT4_LINK_MAX links (debugfs edits the inodes)
        assertEquals(0, E2fs.debugfsW(img, "sif <" + lin + "> links_count " + Ext4Volume.EXT4_LINK_MAX).exit());
        assertEquals(0, E2fs.debugfsW(img, "sif <" + dx + "> links_count " + Ext4Volume.EXT4_LINK_MAX).exit());
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            assertEquals(Errno.EMLINK, assertThrows(Ext4Exception.class, () -> v.mkdir("/linear/x", 0755)).errno());
            v.mkdir("/indexed/x", 0755);
            assertEquals(1, v.stat("/indexed").links(), "dir_nlink: an indexed directory goes past the limit");
            v.mkdir("/y", 0755);
            assertEquals(Errno.EMLINK, assertThrows(Ext4Exception.class, () -> v.rename("/y", "/linear/y")).errno());
            v.rename("/y", "/indexed/y");
            assertEquals(1, v.stat("/indexed").links());
        }
    }

    // ---------------------------------------------------------------- the kernel's layout, block by block

    /** One block of a directory as a list of words: index entries (hash, block) or leaf entries (name, rec_len). */
    private static List<String> layout(Ext4Image v, long ino, Path img) throws IOException {
        List<String> out = new ArrayList<>();
        boolean dx = v.readInode(ino).hasFlag(InodeDescriptor.EXT4_INDEX_FL);
        long blocks = v.stat(ino).size() / 4096;
        for (long lblk = 0; lblk < blocks; lblk++) {
            long pblk = -1;
            for (org.faultline.fs.ext4.Extent e : v.extents(ino)) {
                if (lblk >= e.lblk() && lblk < e.lblk() + e.len()) {
                    pblk = e.pblk() + lblk - e.lblk();
                }
            }
            byte[] b = readBlock(img, pblk);
            int recLen0 = (b[4] & 0xff) | (b[5] & 0xff) << 8;
            int entries = dx && lblk == 0 ? DxDescriptor.ROOT_ENTRIES : dx && recLen0 == 4096 ? DxDescriptor.NODE_ENTRIES : -1;
            StringBuilder sb = new StringBuilder("block " + lblk + ":");
            if (entries > 0) {
                int count = (b[entries + 2] & 0xff) | (b[entries + 3] & 0xff) << 8;
                for (int i = 0; i < count; i++) {
                    int e = entries + 8 * i;
                    long hash = i == 0 ? 0 : java.nio.ByteBuffer.wrap(b, e, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
                    long blk = java.nio.ByteBuffer.wrap(b, e + 4, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
                    sb.append(' ').append(Long.toHexString(hash)).append("->").append(blk);
                }
            } else {
                for (int off = 0; off < 4096; ) {
                    int rl = (b[off + 4] & 0xff) | (b[off + 5] & 0xff) << 8;
                    long in = java.nio.ByteBuffer.wrap(b, off, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
                    String name = new String(b, off + 8, b[off + 6] & 0xff, java.nio.charset.StandardCharsets.UTF_8);
                    sb.append(' ').append(in != 0 ? name : "-").append('/').append(rl);
                    off += Math.max(rl, 12);
                }
            }
            out.add(sb.toString());
        }
        return out;
    }

    /** One step of a workload run both on the host kernel and here. */
    private record Op(char kind, String a, String b) {
    }

    @Test
    void sameLayoutAsTheKernel() throws Exception {
        assertSameLayoutAsTheKernel("htree-kernel", 4000, "64M", 0);
    }

    @Test
    void sameTwoLevelLayoutAsTheKernel() throws Exception {
        assertSameLayoutAsTheKernel("htree-kernel2", 120_000, "160M", 1);
    }

    /**
     * Runs the same creates, unlinks and renames in one directory on the host kernel and here, from
     * copies of one image (same hash seed), and compares the directories block by block: the index
     * entries (hash, block) and the leaves' names and rec_lens.
     */
    private void assertSameLayoutAsTheKernel(String name, int creates, String size, int levels) throws Exception {
        assumeLoopMount();
        Path kernelImg = mkfs(name, size, "-N", String.valueOf(creates + 20_000));
        Path oursImg = kernelImg.resolveSibling("ours.img");
        Files.copy(kernelImg, oursImg);                  // the same uuid and hash seed
        Random r = new Random(42);
        List<Op> ops = new ArrayList<>();
        List<String> live = new ArrayList<>();
        for (int i = 0; i < creates; i++) {
            String n = randomName(r, "k", i);
            ops.add(new Op('c', n, null));
            live.add(n);
            if (i % 3 == 2) {
                ops.add(new Op('u', live.remove(r.nextInt(live.size())), null));
            }
            if (i % 50 == 49) {
                String from = live.remove(r.nextInt(live.size()));
                ops.add(new Op('r', from, "moved-" + from));
                live.add("moved-" + from);
            }
        }
        mounted(kernelImg, false, root -> {
            Path d = Files.createDirectory(root.resolve("d"));
            for (Op o : ops) {
                switch (o.kind) {
                    case 'c' -> Files.createFile(d.resolve(o.a));
                    case 'u' -> Files.delete(d.resolve(o.a));
                    default -> Files.move(d.resolve(o.a), d.resolve(o.b));
                }
            }
        });
        try (Ext4Image v = Ext4Image.openImage(oursImg, Ext4Volume.Options.readWrite())) {
            v.mkdir("/d", 0755);
            for (Op o : ops) {
                switch (o.kind) {
                    case 'c' -> v.create("/d/" + o.a, 0644);
                    case 'u' -> v.unlink("/d/" + o.a);
                    default -> v.rename("/d/" + o.a, "/d/" + o.b);
                }
            }
        }
        List<String> kernel;
        List<String> ours;
        try (Ext4Image k = Ext4Image.openImage(kernelImg, Ext4Volume.Options.readOnlyMode());
             Ext4Image o = Ext4Image.openImage(oursImg, Ext4Volume.Options.readOnlyMode())) {
            kernel = layout(k, k.lookup("/d"), kernelImg);
            ours = layout(o, o.lookup("/d"), oursImg);
        }
        assertTrue(kernel.size() > 20, "an indexed directory of " + kernel.size() + " blocks");
        for (int i = 0; i < Math.min(kernel.size(), ours.size()); i++) {
            assertEquals(kernel.get(i), ours.get(i), "block " + i + " as the kernel lays it out");
        }
        assertEquals(kernel.size(), ours.size());
        assertTrue(E2fs.debugfs(oursImg, "htree_dump /d").out().contains("Indirect levels: " + levels));
        assertFsckClean(oursImg);
    }

    @Test
    void largeDirFilesystem() throws Exception {
        assumeLoopMount();
        Path img = mkfs("htree-large-dir", "64M", "-O", "large_dir");
        assertTrue(E2fs.run("dumpe2fs", "-h", img.toString()).out().contains("large_dir"));
        Random r = new Random(5);
        Set<String> expect = new TreeSet<>();
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
            v.mkdir("/l", 0755);
            for (int i = 0; i < 5000; i++) {
                String n = randomName(r, "l", i);
                v.create("/l/" + n, 0644);
                expect.add(n);
            }
            assertTrue(indexed(v, "/l"));
            assertEquals(expect, names(v, "/l"));
        }
        assertFsckClean(img);
        mounted(img, true, root -> assertEquals(expect, hostList(root.resolve("l"))));
    }

    @Test
    void everyHashAlgorithm() throws Exception {
        assumeLoopMount();
        for (String alg : List.of("legacy", "half_md4", "tea")) {
            Path img = mkfs("htree-" + alg, "32M");
            assertEquals(0, E2fs.debugfsW(img, "ssv def_hash_version " + alg).exit());
            Random r = new Random(alg.hashCode());
            Set<String> expect = new TreeSet<>();
            try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
                v.mkdir("/h", 0755);
                for (int i = 0; i < 3000; i++) {
                    String n = randomName(r, i % 3 == 0 ? "\u00fc" : "a", i);
                    v.create("/h/" + n, 0644);
                    expect.add(n);
                }
                assertTrue(indexed(v, "/h"));
            }
            assertTrue(E2fs.debugfs(img, "htree_dump /h").out().contains("Hash Version: "
                    + List.of("legacy", "half_md4", "tea").indexOf(alg)), alg);
            assertFsckClean(img);
            mounted(img, true, root -> {
                for (String n : expect) {
                    assertTrue(Files.exists(root.resolve("h").resolve(n)), alg + ": the host kernel looks up " + n);
                }
            });
        }
    }

    @Test
    void corruptIndexCountIsAnErrorNotACrash() throws Exception {
        E2fs.assumeInstalled();
        for (boolean csum : new boolean[] {true, false}) {
            Path img = csum ? mkfs("htree-count", "16M") : mkfs("htree-count-nocsum", "16M", "-O", "^metadata_csum");
            long root;
            try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
                long ino = v.mkdir("/d", 0755);
                for (int i = 0; i < 400; i++) {
                    v.create("/d/entry-number-" + i, 0644);
                }
                root = rootBlock(v, ino);
            }
            byte[] b = readBlock(img, root);
            b[DxDescriptor.ROOT_ENTRIES + DxDescriptor.COUNT] = (byte) 0xff;     // count 0xffff: beyond the block
            b[DxDescriptor.ROOT_ENTRIES + DxDescriptor.COUNT + 1] = (byte) 0xff;
            writeBlock(img, root, b);
            try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite())) {
                if (csum) {
                    Ext4Exception e = assertThrows(Ext4Exception.class, () -> v.lookup("/d/entry-number-7"));
                    assertEquals(Errno.EBADMSG, e.errno(), e.getMessage());
                } else {
                    assertNotEquals(0, v.lookup("/d/entry-number-7"), "count beyond limit: a linear search");
                    v.create("/d/more", 0644);
                    assertFalse(indexed(v, "/d"));
                }
            }
        }
    }
}

package org.faultline.images.ext4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.faultline.fs.ext4.BlockIo;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.fs.ext4.Ext4Features;
import org.faultline.fs.ext4.Ext4SuperBlock;
import org.faultline.fs.ext4.Ext4Volume;
import org.faultline.fs.ext4.SuperBlockDescriptor;
import org.faultline.fs.jbd2.JournalSuperblock;
import org.faultline.fs.jbd2.Recovery;
import org.faultline.kernel.Errno;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * jbd2 recovery of journals the host kernel wrote: an image is loop-mounted read-write, written to
 * (files of several MiB, hundreds of small files, a deep directory, renames, unlinks), synced, and
 * copied while still mounted — the copy is what a crash leaves, {@code needs_recovery} set and the
 * journal holding the last transactions. Faultline opens the copy, replays the journal, and every
 * synced file must read back; {@code e2fsck -fn} must find the result clean; the host kernel must
 * mount it without a recovery and read the same; and {@code e2fsck -fy}'s own replay of a second copy
 * must give byte-identical files. The variants cover the journal formats the kernel writes (csum v3,
 * none, v1, async commit, 32-bit block numbers), a log that wraps around its end, and revokes.
 */
class JournalReplayHostTest {
    private static boolean mountable;

    /** What the host wrote and synced: file contents by path, and paths that must not exist. */
    private record Expect(Map<String, byte[]> files, Set<String> absent) {
        Expect() {
            this(new LinkedHashMap<>(), new LinkedHashSet<>());
        }
    }

    /** A copy of a mounted image, and what it must read as after recovery. */
    private record Crash(Path dir, Path copy, Expect expect) {
    }

    /** The host's writes. */
    @FunctionalInterface
    private interface Workload {
        /** Writes under {@code root}, recording what must read back; may copy the image itself. */
        void run(Path root, Expect e, Path img, Path copy) throws Exception;
    }

    @BeforeAll
    static void probe() throws Exception {
        E2fs.assumeInstalled();
        mountable = HostMount.probe(E2fs.scratch("jbd2-host-probe"));
    }

    // ================================================================ the crash

    /** mkfs, mount with {@code mountOpts}, run the workload, sync, copy while mounted, unmount. */
    private static Crash crash(String name, List<String> mkfsOpts, String mountOpts, Workload w) throws Exception {
        assumeTrue(mountable, "loop mounts need root and mount(8)");
        Path dir = E2fs.scratch("jbd2-host-" + name);
        Path img = dir.resolve("live.img");
        Path copy = dir.resolve("crash.img");
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-F", "-q"));
        if (!mkfsOpts.contains("-b")) {
            cmd.addAll(List.of("-b", "4096"));
        }
        cmd.addAll(mkfsOpts);
        cmd.addAll(List.of(img.toString(), "64M"));
        E2fs.Run r = E2fs.run(cmd.toArray(new String[0]));
        assertEquals(0, r.exit(), r.out());
        if (mkfsOpts.contains("^extent,^64bit,^metadata_csum")) {
            // an ext3-style filesystem converted to extents: the journal inode stays block-mapped
            assertEquals(0, E2fs.run("tune2fs", "-O", "extent", img.toString()).exit());
            assertEquals(0, E2fs.run("e2fsck", "-fy", "-E", "bmap2extent", img.toString()).exit());
        }
        Path mnt = Files.createDirectories(dir.resolve("live.mnt"));
        E2fs.Run m = E2fs.run("mount", "-t", "ext4", "-o", "loop" + (mountOpts.isEmpty() ? "" : "," + mountOpts),
                img.toString(), mnt.toString());
        assertEquals(0, m.exit(), m.out());
        Expect e = new Expect();
        try {
            w.run(mnt, e, img, copy);
            if (!Files.exists(copy)) {
                Files.copy(img, copy, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            E2fs.Run u = E2fs.run("umount", mnt.toString());
            assertEquals(0, u.exit(), u.out());
        }
        return new Crash(dir, copy, e);
    }

    /**
     * sync(1): commits the journal and also writes the committed metadata to its place (the block
     * device's dirty buffers): the journal still holds it (s_start is not moved), but a replay of it
     * changes nothing.
     */
    private static void sync() throws Exception {
        assertEquals(0, E2fs.run("sync").exit());
    }

    /**
     * fsync(2) of each file and of the directories holding them: each commits the running transaction,
     * whose metadata then exists only in the journal until the flusher or a checkpoint writes it back —
     * what a crash right after the fsyncs must recover.
     */
    private static void fsync(Path root, Iterable<String> rels) throws IOException {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String rel : rels) {
            Path p = root.resolve(rel);
            if (Files.isRegularFile(p)) {
                try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    c.force(true);
                }
            }
            for (Path d = p.getParent(); d != null && d.startsWith(root); d = d.getParent()) {
                dirs.add(d);
            }
        }
        for (Path d : dirs) {
            try (FileChannel c = FileChannel.open(d, StandardOpenOption.READ)) {
                c.force(true);
            }
        }
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static void write(Path root, Expect e, String rel, byte[] data) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.write(p, data);
        e.files().put(rel, data);
        e.absent().remove(rel);
    }

    private static void delete(Path root, Expect e, String rel) throws IOException {
        Files.delete(root.resolve(rel));
        e.files().remove(rel);
        e.absent().add(rel);
    }

    private static void rename(Path root, Expect e, String from, String to) throws IOException {
        Files.createDirectories(root.resolve(to).getParent());
        Files.move(root.resolve(from), root.resolve(to));
        e.files().put(to, e.files().remove(from));
        e.absent().add(from);
    }

    /**
     * The mixed workload: large files, many small ones, a deep directory, a file overwritten in place,
     * a rename across directories and an unlink of a file created earlier; a sync in the middle, and
     * the second half made durable by fsyncs, so that its metadata is only in the journal.
     */
    private static void mixed(Path root, Expect e, long seed) throws IOException, Exception {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] large = {3 << 20, (1 << 20) + 12345, 2 << 20};
        for (int i = 0; i < large.length; i++) {
            write(root, e, "large/f" + i, random(large[i], seed + i));
        }
        for (int i = 0; i < 300; i++) {
            write(root, e, String.format("small/f%04d", i), random(rnd.nextInt(9000), seed * 1000 + i));
        }
        sync();
        StringBuilder deep = new StringBuilder("deep");
        for (int i = 0; i < 24; i++) {
            deep.append("/d").append(i);
        }
        write(root, e, deep + "/leaf", random(5000, seed + 77));
        byte[] over = e.files().get("large/f1").clone();
        byte[] patch = random(70000, seed + 78);
        System.arraycopy(patch, 0, over, 100000, patch.length);
        try (RandomAccessFile f = new RandomAccessFile(root.resolve("large/f1").toFile(), "rw")) {
            f.seek(100000);
            f.write(patch);
        }
        e.files().put("large/f1", over);
        rename(root, e, "small/f0007", "renamed/seven");
        delete(root, e, "small/f0013");
        delete(root, e, "large/f2");
        for (int i = 300; i < 340; i++) {
            write(root, e, String.format("small/f%04d", i), random(rnd.nextInt(3000), seed * 1000 + i));
        }
        List<String> touched = new ArrayList<>(e.files().keySet());
        touched.addAll(e.absent());
        fsync(root, touched);
    }

    // ================================================================ what the copy must be

    private static Ext4SuperBlock superBlock(Path img) throws IOException {
        byte[] raw = new byte[SuperBlockDescriptor.SUPERBLOCK_SIZE];
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.seek(SuperBlockDescriptor.SUPERBLOCK_OFFSET);
            f.readFully(raw);
        }
        return Ext4SuperBlock.wrap(raw);
    }

    /** dumpe2fs's "Journal start:" (the journal superblock's s_start), read by e2fsprogs. */
    private static long journalStart(Path img) throws Exception {
        E2fs.Run d = E2fs.run("dumpe2fs", "-h", img.toString());
        Matcher m = Pattern.compile("Journal start:\\s+(\\d+)").matcher(d.out());
        assertTrue(m.find(), d.out());
        return Long.parseLong(m.group(1));
    }

    /** Asserts the copy is what a crash leaves: needs_recovery, a journal with transactions in it. */
    private static void assertNeedsRecovery(Path copy) throws Exception {
        assertTrue(superBlock(copy).hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_RECOVER));
        assertNotEquals(0, journalStart(copy), "the journal holds transactions (s_start != 0)");
    }

    /** Every expected file reads back with its content, every absent one is gone. */
    private static Map<String, byte[]> assertFiles(Ext4Image v, Expect e) throws IOException {
        Map<String, byte[]> read = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> f : e.files().entrySet()) {
            byte[] got = v.readAll("/" + f.getKey());
            assertArrayEquals(f.getValue(), got, f.getKey());
            read.put(f.getKey(), got);
        }
        for (String a : e.absent()) {
            Ext4Exception x = assertThrows(Ext4Exception.class, () -> v.lookup("/" + a), a);
            assertEquals(Errno.ENOENT, x.errno(), x.getMessage());
        }
        return read;
    }

    /** Files read through the host kernel's read-only mount of {@code img}. */
    private static Map<String, byte[]> hostRead(Path img, Expect e) throws Exception {
        Map<String, byte[]> read = new LinkedHashMap<>();
        HostMount.Result r = HostMount.withMount(img, img.resolveSibling(img.getFileName() + ".mnt"), true, root -> {
            for (String f : e.files().keySet()) {
                read.put(f, Files.readAllBytes(root.resolve(f)));
            }
            for (String a : e.absent()) {
                assertFalse(Files.exists(root.resolve(a)), a);
            }
        });
        assertTrue(r.mounted(), r.output());
        return read;
    }

    /**
     * Faultline's replay of the crash copy, checked every way: its files, e2fsck -fn, the host kernel's
     * mount of the result (no recovery left to do), and e2fsck -fy's replay of a second copy.
     *
     * @return what the replay did
     */
    private static Recovery.RecoveryInfo replayAndCheck(Crash c) throws Exception {
        Path copy = c.copy();
        assertNeedsRecovery(copy);
        // how much of it only the journal holds depends on the host's writeback (the flusher may have
        // written the committed metadata back already): measured, not asserted
        int stale = staleWithoutReplay(copy, c.expect());
        Path byE2fsck = c.dir().resolve("e2fsck.img");
        Path byHost = c.dir().resolve("host.img");
        Files.copy(copy, byE2fsck, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(copy, byHost, StandardCopyOption.REPLACE_EXISTING);
        List<String> log = new ArrayList<>();
        Recovery.RecoveryInfo info;
        Map<String, byte[]> ours;
        try (Ext4Image v = Ext4Image.openImage(copy, Ext4Volume.Options.readWrite().withPrintk(log::add))) {
            info = v.volume().journalRecovery();
            ours = assertFiles(v, c.expect());
        }
        assertNotNull(info);
        assertTrue(info.transactions() > 0 && info.nrReplays() > 0, info.toString());
        System.out.println("jbd2 " + c.dir().getFileName() + ": " + stale + " of " + c.expect().files().size()
                + " files missing or stale without the replay");
        assertEquals(List.of("EXT4-fs (crash.img): recovery complete"), log);
        assertFalse(superBlock(copy).hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_RECOVER));
        assertEquals(0, journalStart(copy));
        E2fs.Run fsck = E2fs.e2fsck(copy);
        assertEquals(0, fsck.exit(), fsck.out());
        // the host kernel mounts the result with nothing to recover, and reads the same
        Map<String, byte[]> host = hostRead(copy, c.expect());
        assertSame(ours, host, "host kernel's read of Faultline's replay");
        // e2fsck's replay of the same crash gives the same files
        E2fs.Run y = E2fs.run("e2fsck", "-fy", byE2fsck.toString());
        assertTrue(y.exit() == 0 || y.exit() == 1, y.out());
        assertTrue(y.out().contains("recovering journal"), y.out());
        assertSame(ours, hostRead(byE2fsck, c.expect()), "e2fsck -fy's replay");
        // the host kernel's own replay (a read-only mount of a writable device) writes the same blocks
        assertSameReplay(copy, byHost);
        return info;
    }

    /**
     * How many expected files do not read back from the image as it is on disk, journal not loaded
     * ({@code noload}, read-only): what the replay has to bring back.
     */
    private static int staleWithoutReplay(Path img, Expect e) throws Exception {
        String before = E2fs.sha256(img);
        int stale = 0;
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode().withNoload(true))) {
            for (Map.Entry<String, byte[]> f : e.files().entrySet()) {
                try {
                    if (!java.util.Arrays.equals(f.getValue(), v.readAll("/" + f.getKey()))) {
                        stale++;
                    }
                } catch (Ext4Exception x) {
                    stale++;
                }
            }
        }
        assertEquals(before, E2fs.sha256(img), "a noload open writes nothing");
        return stale;
    }

    private static void assertSame(Map<String, byte[]> a, Map<String, byte[]> b, String what) {
        assertEquals(a.keySet(), b.keySet(), what);
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k), b.get(k), what + ": " + k);
        }
    }

    /**
     * The host kernel replays {@code byHost} (mounted read-only on a writable loop device, which replays
     * and empties the journal and clears needs_recovery, as Faultline does): every block but the primary
     * superblock's (mount and write times) is then the same as in Faultline's replay.
     */
    private static void assertSameReplay(Path ours, Path byHost) throws Exception {
        HostMount.Result r = HostMount.mountAndUnmount(byHost, byHost.resolveSibling("host.mnt"), true);
        assertTrue(r.mounted(), r.output());
        long size = Files.size(ours);
        assertEquals(size, Files.size(byHost));
        List<Long> differ = new ArrayList<>();
        int bs = superBlock(ours).blockSize();
        byte[] a = new byte[bs];
        byte[] b = new byte[bs];
        try (RandomAccessFile fa = new RandomAccessFile(ours.toFile(), "r");
             RandomAccessFile fb = new RandomAccessFile(byHost.toFile(), "r")) {
            for (long blk = 0; blk < size / bs; blk++) {
                if (blk == Ext4SuperBlock.primaryBlock(bs)) {
                    continue;
                }
                fa.seek(blk * bs);
                fa.readFully(a);
                fb.seek(blk * bs);
                fb.readFully(b);
                if (!java.util.Arrays.equals(a, b)) {
                    differ.add(blk);
                }
            }
        }
        assertEquals(List.of(), differ, "blocks that differ from the host kernel's replay");
        Ext4SuperBlock s1 = superBlock(ours);
        Ext4SuperBlock s2 = superBlock(byHost);
        assertEquals(s2.featureIncompat(), s1.featureIncompat());
        assertEquals(s2.state(), s1.state());
        assertEquals(s2.lastOrphan(), s1.lastOrphan());
    }

    // ================================================================ the variants

    @Test
    void defaultFeaturesChecksumV3() throws Exception {
        Crash c = crash("default", List.of(), "", (root, e, img, copy) -> mixed(root, e, 1));
        assertEquals(JournalSuperblockFeatures.V3_64BIT, JournalSuperblockFeatures.of(c.copy()));
        Recovery.RecoveryInfo info = replayAndCheck(c);
        System.out.println("jbd2 default: " + info);
    }

    @Test
    void oneKilobyteBlocksTheDefaultOfSmallImages() throws Exception {
        Crash c = crash("1k", List.of("-b", "1024"), "", (root, e, img, copy) -> mixed(root, e, 9));
        assertEquals(1024, superBlock(c.copy()).blockSize());
        assertEquals(JournalSuperblockFeatures.V3_64BIT, JournalSuperblockFeatures.of(c.copy()));
        System.out.println("jbd2 1 KiB blocks: " + replayAndCheck(c));
    }

    @Test
    void twoKilobyteBlocks() throws Exception {
        Crash c = crash("2k", List.of("-b", "2048", "-O", "^metadata_csum"), "", (root, e, img, copy) -> mixed(root, e, 10));
        assertEquals(2048, superBlock(c.copy()).blockSize());
        assertEquals(JournalSuperblockFeatures.PLAIN_64BIT, JournalSuperblockFeatures.of(c.copy()));
        System.out.println("jbd2 2 KiB blocks: " + replayAndCheck(c));
    }

    @Test
    void withoutMetadataCsumTheJournalHasNoChecksums() throws Exception {
        Crash c = crash("nocsum", List.of("-O", "^metadata_csum"), "", (root, e, img, copy) -> mixed(root, e, 2));
        assertEquals(JournalSuperblockFeatures.PLAIN_64BIT, JournalSuperblockFeatures.of(c.copy()));
        System.out.println("jbd2 ^metadata_csum: " + replayAndCheck(c));
    }

    @Test
    void without64bitTagsHoldThirtyTwoBitBlockNumbers() throws Exception {
        Crash c = crash("no64", List.of("-O", "^64bit"), "", (root, e, img, copy) -> mixed(root, e, 3));
        assertEquals(JournalSuperblockFeatures.V3_32BIT, JournalSuperblockFeatures.of(c.copy()));
        System.out.println("jbd2 ^64bit: " + replayAndCheck(c));
    }

    @Test
    void journalChecksumV1() throws Exception {
        Crash c = crash("v1", List.of("-O", "^metadata_csum,^64bit"), "journal_checksum",
                (root, e, img, copy) -> mixed(root, e, 4));
        assertEquals(JournalSuperblockFeatures.V1_32BIT, JournalSuperblockFeatures.of(c.copy()));
        System.out.println("jbd2 journal_checksum (v1): " + replayAndCheck(c));
    }

    @Test
    void asyncCommit() throws Exception {
        Crash c = crash("async", List.of(), "journal_async_commit,data=writeback", (root, e, img, copy) -> mixed(root, e, 5));
        assertEquals(JournalSuperblockFeatures.V3_64BIT_ASYNC, JournalSuperblockFeatures.of(c.copy()));
        System.out.println("jbd2 journal_async_commit: " + replayAndCheck(c));
    }

    /**
     * An ext3-style journal, mapped by indirect blocks: the filesystem made without extents and
     * converted ({@code tune2fs -O extent}, {@code e2fsck -E bmap2extent}, which leaves the journal alone).
     */
    @Test
    void aBlockMappedJournal() throws Exception {
        Crash c = crash("ind", List.of("-O", "^extent,^64bit,^metadata_csum", "-J", "size=8"), "",
                (root, e, img, copy) -> mixed(root, e, 9));
        try (Ext4Image v = Ext4Image.openImage(c.copy(), Ext4Volume.Options.readOnlyMode().withNoload(true))) {
            assertFalse(v.readInode(8).hasFlag(org.faultline.fs.ext4.InodeDescriptor.EXT4_EXTENTS_FL));
        }
        System.out.println("jbd2 block-mapped journal: " + replayAndCheck(c));
    }

    /**
     * The smallest journal (1024 blocks) and many small synced transactions, until the log in the copy
     * runs past the journal's end and continues at its start.
     */
    @Test
    void aLogWrappingAroundASmallJournal() throws Exception {
        int[] rounds = {0};
        Crash c = crash("wrap", List.of("-J", "size=4"), "", (root, e, img, copy) -> {
            SplittableRandom rnd = new SplittableRandom(6);
            for (int round = 0; round < 400; round++) {
                for (int i = 0; i < 30; i++) {
                    write(root, e, "r" + round + "/f" + i, random(200 + rnd.nextInt(3000), round * 100L + i));
                }
                if (round > 0) {
                    for (int i = 0; i < 30; i += 2) {
                        delete(root, e, "r" + (round - 1) + "/f" + i);
                    }
                    rename(root, e, "r" + (round - 1) + "/f1", "moved/m" + round);
                }
                if (wrapped(img, copy)) {
                    // one more round, made durable by fsync only, so that the replay matters; its commit
                    // may move the log's tail past the end again: then go on
                    List<String> last = new ArrayList<>();
                    for (int i = 0; i < 30; i++) {
                        write(root, e, "last" + round + "/f" + i, random(200 + rnd.nextInt(3000), 99_000L * round + i));
                        last.add("last" + round + "/f" + i);
                    }
                    fsync(root, last);
                    Files.copy(img, copy, StandardCopyOption.REPLACE_EXISTING);
                    rounds[0] = round + 1;
                    if (logWraps(copy)) {
                        return;
                    }
                }
            }
            throw new AssertionError("the log never wrapped in 400 rounds");
        });
        Recovery.RecoveryInfo info = replayAndCheck(c);
        assertTrue(info.wrapped(), info.toString());
        System.out.println("jbd2 wrap after " + rounds[0] + " synced rounds: " + info);
    }

    /** Syncs, copies the live image to {@code copy}, and says whether the copy's log wraps. */
    private static boolean wrapped(Path img, Path copy) throws Exception {
        sync();
        Files.copy(img, copy, StandardCopyOption.REPLACE_EXISTING);
        return logWraps(copy);
    }

    /** Whether debugfs's logdump of {@code img} walks past the journal's end (a block number going down). */
    private static boolean logWraps(Path img) throws Exception {
        E2fs.Run d = E2fs.debugfs(img, "logdump");
        Matcher m = Pattern.compile("Found expected sequence \\d+, type \\d \\([a-z ]+\\) at block (\\d+)").matcher(d.out());
        long prev = -1;
        while (m.find()) {
            long b = Long.parseLong(m.group(1));
            if (b < prev) {
                return true;
            }
            prev = b;
        }
        return false;
    }

    /**
     * Metadata freed while its logged copies are still in the journal: a directory of 3000 entries
     * (an htree's blocks) is removed and its blocks reused for file data, each step made durable by
     * fsync (no sync, which would let jbd2 checkpoint them out of the log). The kernel revokes the freed
     * blocks; a replay that ignored the revokes would write directory blocks over the new files.
     */
    @Test
    void revokedDirectoryBlocksAreNotReplayedOverTheirReuse() throws Exception {
        // whether the freed blocks' copies are still in the log at the copy is the host's timing (its
        // flusher and jbd2 may checkpoint them first): found within a few tries
        Recovery.RecoveryInfo info = null;
        for (int attempt = 0; attempt < 4 && (info == null || info.nrRevokeHits() == 0); attempt++) {
            Crash c = crash("revoke", List.of(), "", (root, e, img, copy) -> {
                Path victim = Files.createDirectories(root.resolve("victim"));
                for (int i = 0; i < 3000; i++) {
                    Files.write(victim.resolve("a_rather_long_file_name_to_fill_directory_blocks_" + i), new byte[0]);
                }
                fsync(root, List.of("victim/x"));
                try (var s = Files.list(victim)) {
                    for (Path p : s.toList()) {
                        Files.delete(p);
                    }
                }
                Files.delete(victim);
                fsync(root, List.of("x"));
                for (int i = 0; i < 4; i++) {
                    write(root, e, "reuse/f" + i, random(1 << 20, 900 + i));
                }
                e.absent().add("victim");
                fsync(root, e.files().keySet());
            });
            info = replayAndCheck(c);
            assertTrue(info.nrRevokes() > 0, info.toString());
            System.out.println("jbd2 revoke (attempt " + (attempt + 1) + "): " + info);
        }
        assertTrue(info.nrRevokeHits() > 0, "no revoked copy left in the log in four tries: " + info);
    }

    /**
     * A replay killed halfway (the device stops taking writes after a few hundred blocks): the open
     * fails, the filesystem still needs recovery, and the next open — Faultline's, or the host
     * kernel's — replays it all again to the same files.
     */
    @Test
    void aReplayKilledHalfwayIsRedoneByTheNextMount() throws Exception {
        Crash c = crash("killed", List.of(), "", (root, e, img, copy) -> mixed(root, e, 8));
        Path full = copyOf(c.copy(), "full.img");
        Path hostCopy = copyOf(c.copy(), "killed-host.img");
        int total;
        try (Ext4Image v = Ext4Image.openImage(full, Ext4Volume.Options.readWrite())) {
            total = v.volume().journalRecovery().nrReplays();
        }
        for (Path p : List.of(c.copy(), hostCopy)) {
            try (DriverBlockIo io = DriverBlockIo.openImage(p, false, false)) {
                Ext4Exception x = assertThrows(Ext4Exception.class,
                        () -> Ext4Image.open(new Killed(io, total / 2), "killed", Ext4Volume.Options.readWrite()));
                assertEquals(Errno.EIO, x.errno(), x.getMessage());
                assertEquals("killed: error loading journal (JBD2: journal recovery failed)", x.getMessage());
            }
            assertNeedsRecovery(p);
        }
        try (Ext4Image v = Ext4Image.openImage(c.copy(), Ext4Volume.Options.readWrite())) {
            assertEquals(total, v.volume().journalRecovery().nrReplays());
            assertFiles(v, c.expect());
        }
        assertEquals(0, E2fs.e2fsck(c.copy()).exit());
        HostMount.Result r = HostMount.mountAndUnmount(hostCopy, c.dir().resolve("killed-host.mnt"), false);
        assertTrue(r.mounted(), r.output());
        assertSame(hostRead(c.copy(), c.expect()), hostRead(hostCopy, c.expect()), "the host kernel's redone replay");
        System.out.println("jbd2 killed after " + total / 2 + " of " + total + " replayed blocks, redone");
    }

    private static Path copyOf(Path img, String name) throws IOException {
        Path p = img.resolveSibling(name);
        Files.copy(img, p, StandardCopyOption.REPLACE_EXISTING);
        return p;
    }

    /** A device that takes {@code writes} block writes and then fails every one, as if the machine died. */
    private static final class Killed implements BlockIo {
        private final BlockIo io;
        private int left;

        Killed(BlockIo io, int writes) {
            this.io = io;
            this.left = writes;
        }

        @Override
        public int blockSize() {
            return io.blockSize();
        }

        @Override
        public void setBlockSize(int size) {
            io.setBlockSize(size);
        }

        @Override
        public long blocks() {
            return io.blocks();
        }

        @Override
        public void read(long block, byte[] dst) throws IOException {
            io.read(block, dst);
        }

        @Override
        public void write(long block, byte[] src) throws IOException {
            if (left-- <= 0) {
                throw new IOException("killed");
            }
            io.write(block, src);
        }

        @Override
        public void flush() throws IOException {
            if (left <= 0) {
                throw new IOException("killed");
            }
            io.flush();
        }
    }

    /** The journal feature sets the variants expect the host kernel to have written. */
    private enum JournalSuperblockFeatures {
        V3_64BIT, V3_32BIT, V3_64BIT_ASYNC, PLAIN_64BIT, V1_32BIT, OTHER;

        static JournalSuperblockFeatures of(Path img) throws Exception {
            E2fs.Run b = E2fs.debugfs(img, "bmap <8> 0");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\s*$").matcher(b.out());
            if (!m.find()) {
                throw new AssertionError("debugfs bmap <8> 0 on " + img + " (exit " + b.exit() + "): " + b.out());
            }
            long blk = Long.parseLong(m.group(1));
            int bs = superBlock(img).blockSize();
            byte[] raw = new byte[bs];
            try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
                f.seek(blk * bs);
                f.readFully(raw);
            }
            JournalSuperblock s = JournalSuperblock.wrap(raw);
            boolean v1 = s.hasFeatureChecksum();
            boolean v3 = s.hasFeatureCsum3() && !s.hasFeatureCsum2();
            boolean is64 = s.hasFeature64bit();
            boolean async = s.hasFeatureAsyncCommit();
            if (v3 && is64) {
                return async ? V3_64BIT_ASYNC : V3_64BIT;
            }
            if (v3 && !async) {
                return V3_32BIT;
            }
            if (!v3 && !s.hasFeatureCsum2() && !async) {
                return v1 ? (is64 ? OTHER : V1_32BIT) : (is64 ? PLAIN_64BIT : OTHER);
            }
            return OTHER;
        }
    }
}

package org.faultline.images.ext4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.faultline.fs.ext4.Ext4Features;
import org.faultline.fs.ext4.Ext4Journal;
import org.faultline.fs.ext4.Ext4SuperBlock;
import org.faultline.fs.ext4.Ext4Volume;
import org.faultline.fs.ext4.SuperBlockDescriptor;
import org.faultline.fs.jbd2.Commit;
import org.faultline.fs.jbd2.Journal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A journal Faultline's jbd2 commit writes ({@link Commit}) replays in the host kernel, in e2fsck and
 * in Faultline. The transactions are real metadata changes: an image is copied, the copy changed by
 * debugfs (files, one beginning with the jbd2 magic so its block is escaped, a directory), and every
 * block that differs is committed, in two transactions, to the original's journal; the original then
 * says {@code needs_recovery}, as after a crash. Each replay must give the changed copy's files.
 */
class JournalCommitHostTest {
    /** A free block the first transaction logs and the second revokes. */
    private static final long REVOKED = 16000;

    @ParameterizedTest(name = "mkfs.ext4 {0}")
    @ValueSource(strings = {"defaults", "^metadata_csum", "^64bit"})
    void aCommittedJournalReplaysInTheHostKernelE2fsckAndFaultline(String features) throws Exception {
        E2fs.assumeInstalled();
        Path dir = E2fs.scratch("journal-commit-" + features.replace("^", "no-"));
        Path before = dir.resolve("before.img");
        List<String> mkfs = new ArrayList<>(List.of("mkfs.ext4", "-F", "-q", "-b", "4096"));
        if (!features.equals("defaults")) {
            mkfs.addAll(List.of("-O", features));
        }
        mkfs.addAll(List.of(before.toString(), "64M"));
        E2fs.Run r = E2fs.run(mkfs.toArray(new String[0]));
        assertEquals(0, r.exit(), r.out());

        Path after = dir.resolve("after.img");
        Files.copy(before, after, StandardCopyOption.REPLACE_EXISTING);
        byte[] magic = new byte[9000];
        new Random(5).nextBytes(magic);
        magic[0] = (byte) 0xC0;
        magic[1] = 0x3B;
        magic[2] = 0x39;
        magic[3] = (byte) 0x98; // the jbd2 magic: its block goes to the log escaped
        Files.write(dir.resolve("magic"), magic);
        Files.writeString(dir.resolve("hello"), "hello, journal\n".repeat(300));
        E2fs.debugfsW(after, "write " + dir.resolve("magic") + " magic");
        E2fs.debugfsW(after, "mkdir sub");
        E2fs.debugfsW(after, "write " + dir.resolve("hello") + " sub/hello");

        List<Commit.LogBlock> changed = changedBlocks(before, after);
        assertTrue(changed.size() > 5, "debugfs changed " + changed.size() + " blocks");
        try (DriverBlockIo io = DriverBlockIo.openImage(before, false, false)) {
            Ext4SuperBlock es = Ext4SuperBlock.read(io, "before", false);
            Journal j = Ext4Journal.ext4OpenCleanJournal(io, "before", es, Ext4Volume.Options.readWrite());
            int half = changed.size() / 2;
            List<Commit.LogBlock> first = new ArrayList<>(changed.subList(0, half));
            byte[] stale = new byte[4096];
            Arrays.fill(stale, (byte) 0xEE);
            first.add(new Commit.LogBlock(REVOKED, stale)); // logged, then revoked: must not be replayed
            Commit.jbd2JournalCommitTransaction(j, first, List.of(), 1_704_067_200L, 5);
            Commit.jbd2JournalCommitTransaction(j, changed.subList(half, changed.size()), List.of(REVOKED),
                    1_704_067_201L, 7);
            // as after a crash: the filesystem says the journal needs recovery
            es.setU32(SuperBlockDescriptor.S_FEATURE_INCOMPAT, es.featureIncompat()
                    | Ext4Features.EXT4_FEATURE_INCOMPAT_RECOVER);
            es.setChecksum();
            byte[] b0 = new byte[4096];
            io.read(0, b0);
            es.writeTo(b0, 1024);
            io.write(0, b0);
            io.flush();
        }

        byte[] hello = Files.readAllBytes(dir.resolve("hello"));
        // e2fsck replays it
        Path e2 = copy(before, dir.resolve("e2fsck.img"));
        E2fs.Run fix = E2fs.run("e2fsck", "-fy", e2.toString());
        assertTrue(fix.exit() <= 1, "e2fsck -fy: " + fix.out());
        assertEquals(0, E2fs.run("e2fsck", "-fn", e2.toString()).exit());
        assertArrayEquals(magic, dump(e2, "/magic", dir));
        assertEquals(0, block(e2, REVOKED)[0], "e2fsck replayed a revoked block");
        assertArrayEquals(hello, dump(e2, "/sub/hello", dir));
        // Faultline replays it
        Path ours = copy(before, dir.resolve("faultline.img"));
        try (Ext4Image v = Ext4Image.openImage(ours, Ext4Volume.Options.readWrite())) {
            assertArrayEquals(magic, v.readAll("/magic"));
            assertArrayEquals(hello, v.readAll("/sub/hello"));
        }
        assertEquals(0, E2fs.run("e2fsck", "-fn", ours.toString()).exit(), "clean after Faultline's replay");
        assertEquals(0, block(ours, REVOKED)[0], "Faultline replayed a revoked block");
        // the host kernel replays it
        Path host = copy(before, dir.resolve("host.img"));
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        assumeTrue(HostMount.probe(dir), "no loop mounts here");
        HostMount.Result mounted = HostMount.withMount(host, mnt, false, m -> {
            assertArrayEquals(magic, Files.readAllBytes(m.resolve("magic")));
            assertArrayEquals(hello, Files.readAllBytes(m.resolve("sub/hello")));
        });
        assertTrue(mounted.mounted(), mounted.output());
        assertEquals(0, E2fs.run("e2fsck", "-fn", host.toString()).exit(), "clean after the host kernel's replay");
        assertEquals(0, block(host, REVOKED)[0], "the host kernel replayed a revoked block");
    }

    /** Every 4 KiB block that differs between the two images, with the second's contents. */
    private static List<Commit.LogBlock> changedBlocks(Path a, Path b) throws Exception {
        List<Commit.LogBlock> out = new ArrayList<>();
        try (RandomAccessFile fa = new RandomAccessFile(a.toFile(), "r"); RandomAccessFile fb = new RandomAccessFile(b.toFile(), "r")) {
            long blocks = fa.length() / 4096;
            byte[] x = new byte[4096];
            byte[] y = new byte[4096];
            for (long blk = 0; blk < blocks; blk++) {
                fa.seek(blk * 4096);
                fa.readFully(x);
                fb.seek(blk * 4096);
                fb.readFully(y);
                if (!Arrays.equals(x, y)) {
                    out.add(new Commit.LogBlock(blk, y.clone()));
                }
            }
        }
        return out;
    }

    private static byte[] block(Path img, long blk) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            byte[] b = new byte[4096];
            f.seek(blk * 4096);
            f.readFully(b);
            return b;
        }
    }

    /** A file of the image as debugfs's {@code dump} writes it. */
    private static byte[] dump(Path img, String path, Path dir) throws Exception {
        Path out = dir.resolve("dumped");
        Files.deleteIfExists(out);
        E2fs.Run r = E2fs.run("debugfs", "-R", "dump " + path + " " + out, img.toString());
        assertTrue(Files.exists(out), r.out());
        return Files.readAllBytes(out);
    }

    private static Path copy(Path from, Path to) throws Exception {
        return Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
}

package org.faultline.images.ext4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.fs.ext4.Ext4Features;
import org.faultline.fs.ext4.Ext4SuperBlock;
import org.faultline.fs.ext4.Ext4Volume;
import org.faultline.fs.ext4.Extent;
import org.faultline.fs.ext4.SuperBlockDescriptor;
import org.faultline.fs.jbd2.BigEndian;
import org.faultline.fs.jbd2.Crc32Be;
import org.faultline.fs.jbd2.JournalDescriptor;
import org.faultline.fs.jbd2.JournalSuperblock;
import org.faultline.fs.jbd2.Recovery;
import org.faultline.fs.Syscalls;
import org.faultline.fs.File;
import org.faultline.kernel.Errno;
import org.faultline.kernel.RunResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * jbd2 recovery of journals written by hand ({@link HandJournal}) into {@code mkfs.ext4} images: the
 * cases a host kernel seldom leaves behind — damaged commit, descriptor and data blocks, revokes,
 * escaped blocks, a log that wraps, corrupt journal superblocks, read-only opens — each checked for
 * what the kernel does, and, where this machine can loop-mount, against what the host kernel does
 * with the same image (the same blocks replayed, the same failure, byte for byte).
 *
 * <p>The logged blocks go to the data blocks of a file {@code /target} (16 blocks of a known pattern),
 * so what was replayed reads back through the file and e2fsck stays clean.
 */
class JournalReplayCasesTest {
    private static final int BS = 4096;
    private static final int TID = 40;
    private static boolean mountable;

    /** A fresh image with /target, its blocks, and a writer over its journal. */
    private record Fixture(Path dir, Path img, long[] target, HandJournal hj) {
    }

    @BeforeAll
    static void probe() throws Exception {
        E2fs.assumeInstalled();
        mountable = HostMount.probe(E2fs.scratch("jbd2-cases-probe"));
    }

    private static Fixture fixture(String name, String... mkfsOpts) throws Exception {
        Path dir = E2fs.scratch("jbd2-cases-" + name);
        Path img = dir.resolve("img");
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-F", "-q", "-b", "4096"));
        cmd.addAll(List.of(mkfsOpts));
        cmd.addAll(List.of(img.toString(), "64M"));
        E2fs.Run r = E2fs.run(cmd.toArray(new String[0]));
        assertEquals(0, r.exit(), r.out());
        Path host = dir.resolve("target.host");
        byte[] t = new byte[16 * BS];
        for (int i = 0; i < 16; i++) {
            System.arraycopy(pattern("original " + i), 0, t, i * BS, BS);
        }
        Files.write(host, t);
        assertEquals(0, E2fs.debugfsW(img, "write " + host + " target").exit());
        long[] target = new long[16];
        List<Extent> journal;
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            int k = 0;
            for (Extent e : v.extents(v.lookup("/target"))) {
                for (int i = 0; i < e.len(); i++) {
                    target[k++] = e.pblk() + i;
                }
            }
            assertEquals(16, k);
            journal = v.extents(8);
        }
        HandJournal hj = new HandJournal(img, journal);
        Ext4SuperBlock sb = superBlock(img);
        // what the kernel's first mount sets: csum v3 with metadata_csum, and 64bit tags on a 64bit fs
        hj.setFeatures(0, (sb.hasMetadataCsum() ? JournalDescriptor.JBD2_FEATURE_INCOMPAT_CSUM_V3 : 0)
                | (sb.is64Bit() ? JournalDescriptor.JBD2_FEATURE_INCOMPAT_64BIT : 0));
        return new Fixture(dir, img, target, hj);
    }

    /** A block filled with {@code label} repeated. */
    static byte[] pattern(String label) {
        byte[] b = new byte[BS];
        byte[] l = (label + "|").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < BS; i++) {
            b[i] = l[i % l.length];
        }
        return b;
    }

    private static HandJournal.Txn txn(long commitSec) {
        HandJournal.Txn t = new HandJournal.Txn();
        t.commitSec = commitSec;
        return t;
    }

    private static byte[] block(Path img, long blk) throws IOException {
        byte[] b = new byte[BS];
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.seek(blk * BS);
            f.readFully(b);
        }
        return b;
    }

    private static void flip(HandJournal hj, long journalBlock, int off) throws IOException {
        byte[] b = hj.readJournalBlock(journalBlock);
        b[off] ^= (byte) 0xff;
        hj.writeJournalBlock(journalBlock, b);
    }

    /** Opens read-write with Faultline, printing into {@code log}; returns what recovery did. */
    private static Recovery.RecoveryInfo openRw(Path img, List<String> log) throws IOException {
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readWrite().withPrintk(log::add))) {
            return v.volume().journalRecovery();
        }
    }

    private static Ext4Exception openRwFails(Path img, List<String> log) {
        Ext4Exception e = assertThrows(Ext4Exception.class, () -> openRw(img, log));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith(img.getFileName() + ": "), e.getMessage());
        return e;
    }

    private static boolean needsRecovery(Path img) throws IOException {
        return superBlock(img).hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_RECOVER);
    }

    private static Ext4SuperBlock superBlock(Path img) throws IOException {
        byte[] b = block(img, 0);
        return Ext4SuperBlock.wrap(Arrays.copyOfRange(b, SuperBlockDescriptor.SUPERBLOCK_OFFSET,
                SuperBlockDescriptor.SUPERBLOCK_OFFSET + SuperBlockDescriptor.SUPERBLOCK_SIZE));
    }

    private static Path copy(Path img, String name) throws IOException {
        Path c = img.resolveSibling(name);
        Files.copy(img, c, StandardCopyOption.REPLACE_EXISTING);
        return c;
    }

    private static void assertClean(Path img) throws Exception {
        E2fs.Run r = E2fs.e2fsck(img);
        assertEquals(0, r.exit(), r.out());
    }

    /**
     * The host kernel mounts a copy of the same image (read-write, then unmounts): whether it mounted,
     * and the image it left. Null when this machine cannot loop-mount.
     */
    private static HostMount.Result host(Path img, String name) throws Exception {
        if (!mountable) {
            return null;
        }
        Path c = copy(img, name);
        return HostMount.mountAndUnmount(c, c.resolveSibling(name + ".mnt"), false);
    }

    // ================================================================ committed transactions

    @Test
    void committedTransactionsAreReplayedInOrderAndTheJournalEmptied() throws Exception {
        Fixture f = fixture("order");
        long[] t = f.target();
        f.hj().write(TID, 1, List.of(
                txn(1000).log(t[0], pattern("A1")).log(t[1], pattern("B1")),
                txn(2000).log(t[0], pattern("A2")),
                txn(3000).log(t[2], pattern("C3"))));
        HostMount.Result host = host(f.img(), "host");
        List<String> log = new ArrayList<>();
        Recovery.RecoveryInfo info = openRw(f.img(), log);
        assertNotNull(info);
        assertEquals(TID, info.startTransaction());
        assertEquals(TID + 3, info.endTransaction());
        assertEquals(3, info.transactions());
        assertEquals(4, info.nrReplays());
        assertArrayEquals(pattern("A2"), block(f.img(), t[0]));
        assertArrayEquals(pattern("B1"), block(f.img(), t[1]));
        assertArrayEquals(pattern("C3"), block(f.img(), t[2]));
        assertArrayEquals(pattern("original 3"), block(f.img(), t[3]));
        assertEquals(List.of("EXT4-fs (img): recovery complete"), log);
        assertFalse(needsRecovery(f.img()));
        JournalSuperblock jsb = JournalSuperblock.wrap(f.hj().readJournalBlock(0));
        assertEquals(0, jsb.start());
        assertEquals(TID + 4, jsb.sequence(), "the id after end_transaction, as jbd2_journal_recover restarts the log");
        assertEquals(f.hj().commitBlocks.get(2) + 1, jsb.head(), "s_head: the block after the last commit");
        assertEquals(jsb.jbd2SuperblockCsum(), jsb.checksum());
        assertClean(f.img());
        if (host != null) {
            assertTrue(host.mounted(), host.output());
            for (long b : t) {
                assertArrayEquals(block(host.image(), b), block(f.img(), b), "block " + b + " as the host replayed it");
            }
            JournalSuperblock hj = JournalSuperblock.wrap(block(host.image(), f.hj().superblockBlock()));
            assertEquals(hj.sequence(), jsb.sequence());
            assertEquals(hj.head(), jsb.head());
            assertEquals(0, hj.start());
        }
    }

    @Test
    void aJournalFlaggedButEmptyOpensAndLosesTheFlag() throws Exception {
        Fixture f = fixture("empty");
        HandJournal.setNeedsRecovery(f.img());
        List<String> log = new ArrayList<>();
        assertEquals(null, openRw(f.img(), log));
        assertEquals(List.of("EXT4-fs (img): recovery complete"), log);
        assertFalse(needsRecovery(f.img()));
        assertClean(f.img());
    }

    // ================================================================ checksums

    @Test
    void aDamagedLastCommitBlockIsNotReplayedAndTheLoadFailsAsTheKernels() throws Exception {
        Fixture f = fixture("commit");
        long[] t = f.target();
        f.hj().write(TID, 1, List.of(
                txn(1000).log(t[0], pattern("A1")),
                txn(2000).log(t[1], pattern("B2")),
                txn(3000).log(t[2], pattern("C3"))));
        flip(f.hj(), f.hj().commitBlocks.get(2), JournalDescriptor.H_CHKSUM_TYPE);
        HostMount.Result host = host(f.img(), "host");
        List<String> log = new ArrayList<>();
        Ext4Exception e = openRwFails(f.img(), log);
        assertEquals(Errno.EUCLEAN, e.errno());
        assertEquals("img: error loading journal (JBD2: journal transaction " + (TID + 2) + " on img-8 is corrupt.)",
                e.getMessage());
        assertEquals(List.of("JBD2: journal transaction " + (TID + 2) + " on img-8 is corrupt.",
                "EXT4-fs (img): error loading journal"), log);
        assertArrayEquals(pattern("A1"), block(f.img(), t[0]), "the transactions before it are replayed");
        assertArrayEquals(pattern("B2"), block(f.img(), t[1]));
        assertArrayEquals(pattern("original 2"), block(f.img(), t[2]), "the corrupt one is not");
        assertTrue(needsRecovery(f.img()));
        if (host != null) {
            assertFalse(host.mounted(), "the host kernel refuses it too");
            assertEquals(E2fs.sha256(host.image()), E2fs.sha256(f.img()), "the same blocks replayed as the host kernel's");
        }
    }

    @Test
    void withAsyncCommitABadCommitBlockJustEndsTheLog() throws Exception {
        Fixture f = fixture("async");
        long[] t = f.target();
        JournalSuperblock jsb = f.hj().superblock();
        f.hj().setFeatures(0, jsb.featureIncompat() | JournalDescriptor.JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT);
        f.hj().write(TID, 1, List.of(
                txn(1000).log(t[0], pattern("A1")),
                txn(2000).log(t[1], pattern("B2")),
                txn(3000).log(t[2], pattern("C3"))));
        flip(f.hj(), f.hj().commitBlocks.get(1), JournalDescriptor.H_CHKSUM_TYPE);
        HostMount.Result host = host(f.img(), "host");
        Recovery.RecoveryInfo info = openRw(f.img(), new ArrayList<>());
        assertEquals(1, info.transactions(), "the log ends before the transaction whose commit failed");
        assertArrayEquals(pattern("A1"), block(f.img(), t[0]));
        assertArrayEquals(pattern("original 1"), block(f.img(), t[1]));
        assertArrayEquals(pattern("original 2"), block(f.img(), t[2]), "nor is any transaction after it replayed");
        assertClean(f.img());
        if (host != null) {
            assertTrue(host.mounted(), host.output());
            for (long b : t) {
                assertArrayEquals(block(host.image(), b), block(f.img(), b));
            }
        }
    }

    @Test
    void aCommitBlockWrittenOnlyInItsFirstSectorStillCommits() throws Exception {
        Fixture f = fixture("partial");
        long[] t = f.target();
        f.hj().write(TID, 1, List.of(txn(1000).log(t[0], pattern("A1")), txn(2000).log(t[1], pattern("B2"))));
        flip(f.hj(), f.hj().commitBlocks.get(1), 2000);
        List<String> log = new ArrayList<>();
        Recovery.RecoveryInfo info = openRw(f.img(), log);
        assertEquals(2, info.transactions());
        assertArrayEquals(pattern("B2"), block(f.img(), t[1]));
        assertEquals("JBD2: Find incomplete commit block in transaction " + (TID + 1) + " block "
                + (f.hj().commitBlocks.get(1) + 1), log.get(0));
        assertClean(f.img());
    }

    @Test
    void aLoggedBlockFailingItsTagChecksumIsSkippedAndTheLoadFails() throws Exception {
        Fixture f = fixture("tagcsum");
        long[] t = f.target();
        f.hj().write(TID, 1, List.of(
                txn(1000).log(t[0], pattern("A1")),
                txn(2000).log(t[1], pattern("B2")).log(t[3], pattern("D2")),
                txn(3000).log(t[2], pattern("C3"))));
        long bad = f.hj().dataBlocks.get(1);
        flip(f.hj(), bad, 100);
        HostMount.Result host = host(f.img(), "host");
        List<String> log = new ArrayList<>();
        Ext4Exception e = openRwFails(f.img(), log);
        assertEquals(Errno.EBADMSG, e.errno());
        assertEquals(List.of("JBD2: Invalid checksum recovering data block " + t[1] + " in journal block " + bad,
                "JBD2: journal recovery failed", "EXT4-fs (img): error loading journal"), log);
        assertArrayEquals(pattern("original 1"), block(f.img(), t[1]), "the bad block is not written");
        assertArrayEquals(pattern("A1"), block(f.img(), t[0]), "the others are");
        assertArrayEquals(pattern("D2"), block(f.img(), t[3]));
        assertArrayEquals(pattern("C3"), block(f.img(), t[2]));
        if (host != null) {
            assertFalse(host.mounted());
            assertEquals(E2fs.sha256(host.image()), E2fs.sha256(f.img()));
        }
    }

    @Test
    void aBadDescriptorChecksumInTheLastTransactionFailsTheScan() throws Exception {
        Fixture f = fixture("desc");
        long[] t = f.target();
        f.hj().write(TID, 1, List.of(txn(1000).log(t[0], pattern("A1")), txn(2000).log(t[1], pattern("B2"))));
        flip(f.hj(), f.hj().dataBlocks.get(1) - 1, 3000);
        List<String> log = new ArrayList<>();
        Ext4Exception e = openRwFails(f.img(), log);
        assertEquals(Errno.EBADMSG, e.errno());
        assertEquals("JBD2: Invalid checksum found in transaction " + (TID + 1), log.get(0));
        assertArrayEquals(pattern("original 0"), block(f.img(), t[0]), "the scan failed: nothing replayed");
    }

    // ================================================================ revoke, escape, wrap

    @Test
    void revokedBlocksAreNotReplayedUnlessLoggedAgainLater() throws Exception {
        Fixture f = fixture("revoke");
        long[] t = f.target();
        f.hj().write(TID, 1, List.of(
                txn(1000).log(t[0], pattern("X1")).log(t[1], pattern("Y1")),
                txn(2000).revoke(t[0]),
                txn(3000).log(t[2], pattern("Z3")),
                txn(4000).revoke(t[1]).revoke(t[5]),
                txn(5000).log(t[0], pattern("X5"))));
        HostMount.Result host = host(f.img(), "host");
        Recovery.RecoveryInfo info = openRw(f.img(), new ArrayList<>());
        assertEquals(5, info.transactions());
        assertEquals(3, info.nrRevokes());
        assertEquals(2, info.nrRevokeHits(), "X and Y of transaction 1");
        assertEquals(2, info.nrReplays());
        assertArrayEquals(pattern("X5"), block(f.img(), t[0]), "logged after its revoke: replayed");
        assertArrayEquals(pattern("original 1"), block(f.img(), t[1]), "revoked later: not replayed");
        assertArrayEquals(pattern("Z3"), block(f.img(), t[2]));
        assertClean(f.img());
        if (host != null) {
            assertTrue(host.mounted(), host.output());
            for (long b : t) {
                assertArrayEquals(block(host.image(), b), block(f.img(), b));
            }
        }
    }

    @Test
    void escapedBlocksGetTheirMagicNumberBack() throws Exception {
        Fixture f = fixture("escape");
        long[] t = f.target();
        byte[] magic = pattern("escaped");
        BigEndian.putU32(magic, 0, JournalDescriptor.JBD2_MAGIC_NUMBER);
        f.hj().write(TID, 1, List.of(txn(1000).log(t[0], pattern("A")).log(t[1], magic)));
        assertEquals(0, BigEndian.u32(f.hj().readJournalBlock(f.hj().dataBlocks.get(1)), 0), "logged escaped");
        assertEquals(JournalDescriptor.JBD2_FLAG_ESCAPE | JournalDescriptor.JBD2_FLAG_SAME_UUID
                        | JournalDescriptor.JBD2_FLAG_LAST_TAG,
                JournalDescriptor.tagFlags(f.hj().readJournalBlock(1), 12 + 16 + 16));
        openRw(f.img(), new ArrayList<>());
        assertArrayEquals(magic, block(f.img(), t[1]));
        assertClean(f.img());
    }

    @Test
    void aLogThatWrapsAroundTheEndOfTheJournalIsFollowed() throws Exception {
        Fixture f = fixture("wrap");
        long[] t = f.target();
        long maxlen = f.hj().superblock().maxlen();
        List<HandJournal.Txn> txns = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            txns.add(txn(1000 + i).log(t[i], pattern("W" + i)).log(t[8 + i], pattern("V" + i)));
        }
        f.hj().write(TID, maxlen - 5, txns);
        assertTrue(f.hj().commitBlocks.get(3) < maxlen - 5, "the log written across the end");
        HostMount.Result host = host(f.img(), "host");
        Recovery.RecoveryInfo info = openRw(f.img(), new ArrayList<>());
        assertTrue(info.wrapped());
        assertEquals(4, info.transactions());
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(pattern("W" + i), block(f.img(), t[i]));
            assertArrayEquals(pattern("V" + i), block(f.img(), t[8 + i]));
        }
        JournalSuperblock jsb = JournalSuperblock.wrap(f.hj().readJournalBlock(0));
        assertEquals(f.hj().commitBlocks.get(3) + 1, jsb.head());
        assertClean(f.img());
        if (host != null) {
            assertTrue(host.mounted(), host.output());
            for (long b : t) {
                assertArrayEquals(block(host.image(), b), block(f.img(), b));
            }
            assertEquals(JournalSuperblock.wrap(block(host.image(), f.hj().superblockBlock())).head(), jsb.head());
        }
    }

    // ================================================================ other journal formats

    @Test
    void checksumV1TransactionsAreCheckedInTheirCommitBlock() throws Exception {
        Fixture f = fixture("v1", "-O", "^metadata_csum");
        long[] t = f.target();
        JournalSuperblock jsb = f.hj().superblock();
        assertFalse(jsb.hasCsumV2or3());
        f.hj().setFeatures(JournalDescriptor.JBD2_FEATURE_COMPAT_CHECKSUM, jsb.featureIncompat());
        f.hj().write(TID, 1, List.of(txn(1000).log(t[0], pattern("A1")), txn(2000).log(t[1], pattern("B2")),
                txn(3000).log(t[2], pattern("C3"))));
        Path bad = copy(f.img(), "bad");
        Recovery.RecoveryInfo info = openRw(f.img(), new ArrayList<>());
        assertEquals(3, info.transactions());
        assertArrayEquals(pattern("C3"), block(f.img(), t[2]));
        assertClean(f.img());
        // a logged block damaged: the crc32_be of its transaction no longer matches its commit block
        HandJournal hj = f.hj().on(bad);
        flip(hj, f.hj().dataBlocks.get(2), 7);
        List<String> log = new ArrayList<>();
        Ext4Exception e = openRwFails(bad, log);
        assertEquals(Errno.EUCLEAN, e.errno());
        assertTrue(log.get(0).startsWith("JBD2: journal transaction " + (TID + 2) + " on bad-8 is corrupt."), log.toString());
        assertArrayEquals(pattern("B2"), block(bad, t[1]));
        assertArrayEquals(pattern("original 2"), block(bad, t[2]));
    }

    @Test
    void thirtyTwoBitTagsWithoutChecksums() throws Exception {
        Fixture f = fixture("tag32", "-O", "^metadata_csum,^64bit");
        long[] t = f.target();
        assertEquals(8, f.hj().superblock().tagBytes());
        f.hj().write(TID, 1, List.of(txn(1000).log(t[0], pattern("A1")).log(t[1], pattern("B1")).log(t[2], pattern("C1"))));
        HostMount.Result host = host(f.img(), "host");
        assertEquals(3, openRw(f.img(), new ArrayList<>()).nrReplays());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(pattern((char) ('A' + i) + "1"), block(f.img(), t[i]));
        }
        assertClean(f.img());
        if (host != null) {
            assertTrue(host.mounted(), host.output());
            assertArrayEquals(block(host.image(), t[2]), block(f.img(), t[2]));
        }
    }

    /**
     * An ext3-style journal (made without extents, the filesystem converted with {@code tune2fs -O
     * extent} and {@code e2fsck -E bmap2extent}, which leaves the journal inode block-mapped): its blocks are found through its indirect and double indirect blocks; a log written
     * across journal block 1036, where the double indirect range begins.
     */
    @Test
    void aBlockMappedJournalIsFollowedThroughItsIndirectBlocks() throws Exception {
        Path dir = E2fs.scratch("jbd2-cases-ind");
        Path img = dir.resolve("img");
        E2fs.Run r = E2fs.run("mkfs.ext4", "-F", "-q", "-b", "4096", "-O", "^extent,^64bit,^metadata_csum",
                "-J", "size=8", img.toString(), "64M");
        assertEquals(0, r.exit(), r.out());
        assertEquals(0, E2fs.run("tune2fs", "-O", "extent", img.toString()).exit());
        // every file and directory converted to extents; e2fsck leaves the journal inode block-mapped
        assertEquals(0, E2fs.run("e2fsck", "-fy", "-E", "bmap2extent", img.toString()).exit());
        Path host = dir.resolve("target.host");
        byte[] content = new byte[16 * BS];
        Arrays.fill(content, (byte) 'o'); // not zeros: debugfs would leave holes
        Files.write(host, content);
        assertEquals(0, E2fs.debugfsW(img, "write " + host + " target").exit());
        long[] t = new long[16];
        try (Ext4Image v = Ext4Image.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            assertFalse(v.readInode(8).hasFlag(org.faultline.fs.ext4.InodeDescriptor.EXT4_EXTENTS_FL));
            int k = 0;
            for (Extent e : v.extents(v.lookup("/target"))) {
                for (int i = 0; i < e.len(); i++) {
                    t[k++] = e.pblk() + i;
                }
            }
            assertEquals(16, k);
        }
        HandJournal hj = HandJournal.fromDebugfs(img);
        List<HandJournal.Txn> txns = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            txns.add(txn(1000 + i).log(t[i], pattern("I" + i)).log(t[8 + i], pattern("J" + i)));
        }
        hj.write(TID, 1030, txns);
        assertTrue(hj.commitBlocks.get(3) > 1036, "the log reaches the double indirect range");
        HostMount.Result hostRun = host(img, "host");
        Recovery.RecoveryInfo info = openRw(img, new ArrayList<>());
        assertEquals(4, info.transactions());
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(pattern("I" + i), block(img, t[i]));
            assertArrayEquals(pattern("J" + i), block(img, t[8 + i]));
        }
        assertClean(img);
        if (hostRun != null) {
            assertTrue(hostRun.mounted(), hostRun.output());
            for (long b : t) {
                assertArrayEquals(block(hostRun.image(), b), block(img, b));
            }
        }
    }

    @Test
    void crc32BeIsTheKernelsMsbFirstCrc() {
        assertEquals(0x0376E6E7, Crc32Be.crc32Be(~0, "123456789".getBytes(StandardCharsets.US_ASCII), 0, 9));
        byte[] b = new byte[100];
        Arrays.fill(b, (byte) 7);
        assertEquals(Crc32Be.crc32Be(Crc32Be.crc32Be(~0, b, 0, 40), b, 40, 60), Crc32Be.crc32Be(~0, b, 0, 100), "chains");
    }

    // ================================================================ corrupt journal superblocks

    private static Ext4Exception corruptSuperblock(String name, int off, byte[] bytes, boolean fixCsum) throws Exception {
        Fixture f = fixture(name);
        f.hj().write(TID, 1, List.of(txn(1000).log(f.target()[0], pattern("A1"))));
        byte[] jsb = f.hj().readJournalBlock(0);
        System.arraycopy(bytes, 0, jsb, off, bytes.length);
        if (fixCsum) {
            JournalSuperblock.wrap(jsb).setChecksum();
        }
        f.hj().writeJournalBlock(0, jsb);
        String before = E2fs.sha256(f.img());
        List<String> log = new ArrayList<>();
        Ext4Exception e = openRwFails(f.img(), log);
        assertEquals(before, E2fs.sha256(f.img()), "nothing written");
        assertEquals("EXT4-fs (img): Could not load journal inode", log.get(log.size() - 1));
        return e;
    }

    @Test
    void aJournalSuperblockWithoutItsMagicIsRefused() throws Exception {
        Ext4Exception e = corruptSuperblock("jsb-magic", 0, new byte[] {0x12, 0x34}, false);
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("img: Could not load journal inode (JBD2: no valid journal superblock found)", e.getMessage());
    }

    @Test
    void aJournalSuperblockOfAnotherBlockSizeIsRefused() throws Exception {
        Ext4Exception e = corruptSuperblock("jsb-bs", JournalDescriptor.S_BLOCKSIZE, new byte[] {0, 0, 0x20, 0}, true);
        assertEquals("img: Could not load journal inode (JBD2: no valid journal superblock found)", e.getMessage());
    }

    @Test
    void unknownJournalFeaturesAreRefusedByName() throws Exception {
        Ext4Exception e = corruptSuperblock("jsb-feature", JournalDescriptor.S_FEATURE_INCOMPAT, new byte[] {0, 0, 0, 0x52}, true);
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("img: Could not load journal inode (JBD2: Unrecognised features on journal; "
                + "unknown journal features: FEATURE_I6)", e.getMessage());
    }

    @Test
    void aJournalSuperblockChecksumErrorIsRefused() throws Exception {
        Ext4Exception e = corruptSuperblock("jsb-csum", JournalDescriptor.S_MAX_TRANSACTION, new byte[] {1}, false);
        assertEquals(Errno.EBADMSG, e.errno());
        assertEquals("img: Could not load journal inode (JBD2: journal checksum error)", e.getMessage());
    }

    @Test
    void aJournalLongerThanItsFileIsRefused() throws Exception {
        Ext4Exception e = corruptSuperblock("jsb-len", JournalDescriptor.S_MAXLEN, new byte[] {0, 1, 0, 0}, true);
        assertEquals("img: Could not load journal inode (JBD2: journal file too short)", e.getMessage());
    }

    // ================================================================ read-only opens

    @Test
    void readOnlyOpensReplayOnlyOnAWritableDevice() throws Exception {
        Fixture f = fixture("ro");
        long[] t = f.target();
        f.hj().write(TID, 1, List.of(txn(1000).log(t[0], pattern("A1"))));
        String before = E2fs.sha256(f.img());
        List<String> log = new ArrayList<>();
        // the image file opened read-only is a read-only device (mount -o loop,ro)
        Ext4Exception e = assertThrows(Ext4Exception.class, () -> Ext4Image.openImage(f.img(),
                Ext4Volume.Options.readOnlyMode().withPrintk(log::add)).close());
        assertEquals(Errno.EROFS, e.errno());
        assertEquals(List.of("EXT4-fs (img): INFO: recovery required on readonly filesystem",
                "EXT4-fs (img): write access unavailable, cannot proceed (try mounting with noload)"), log);
        assertEquals(before, E2fs.sha256(f.img()));
        // noload: read-only without the journal, as it is on disk
        try (Ext4Image v = Ext4Image.openImage(f.img(), Ext4Volume.Options.readOnlyMode().withNoload(true))) {
            assertArrayEquals(pattern("original 0"), Arrays.copyOf(v.readAll("/target"), BS));
        }
        assertEquals(before, E2fs.sha256(f.img()));
        Ext4Exception rw = openRwFailsNoload(f.img());
        assertEquals(Errno.EINVAL, rw.errno());
        assertEquals("img: required journal recovery suppressed and not mounted read-only", rw.getMessage());
        // a writable device: a read-only open replays, as the kernel's ro mount does
        log.clear();
        try (DriverBlockIo io = DriverBlockIo.openImage(f.img(), false, false);
             Ext4Image v = Ext4Image.open(io, "img", Ext4Volume.Options.readOnlyMode().withPrintk(log::add))) {
            assertTrue(v.isReadOnly());
            assertArrayEquals(pattern("A1"), Arrays.copyOf(v.readAll("/target"), BS));
        }
        assertEquals(List.of("EXT4-fs (img): INFO: recovery required on readonly filesystem",
                "EXT4-fs (img): write access will be enabled during recovery", "EXT4-fs (img): recovery complete"), log);
        assertFalse(needsRecovery(f.img()));
        assertClean(f.img());
    }

    private static Ext4Exception openRwFailsNoload(Path img) {
        return assertThrows(Ext4Exception.class, () -> Ext4Image.openImage(img,
                Ext4Volume.Options.readWrite().withNoload(true)).close());
    }

    @Test
    void anExternalJournalStaysRefused() throws Exception {
        Fixture f = fixture("external");
        HandJournal.setNeedsRecovery(f.img());
        try (RandomAccessFile r = new RandomAccessFile(f.img().toFile(), "rw")) {
            byte[] raw = new byte[SuperBlockDescriptor.SUPERBLOCK_SIZE];
            r.seek(SuperBlockDescriptor.SUPERBLOCK_OFFSET);
            r.readFully(raw);
            Ext4SuperBlock sb = Ext4SuperBlock.wrap(raw);
            sb.setU32(SuperBlockDescriptor.S_JOURNAL_INUM, 0);
            sb.setU32(SuperBlockDescriptor.S_JOURNAL_DEV, 0x0801);
            sb.setChecksum();
            sb.writeTo(raw, 0);
            r.seek(SuperBlockDescriptor.SUPERBLOCK_OFFSET);
            r.write(raw);
        }
        Ext4Exception e = openRwFails(f.img(), new ArrayList<>());
        assertEquals(Errno.EOPNOTSUPP, e.errno());
        assertTrue(e.getMessage().contains("'needs_recovery'") && e.getMessage().contains("run e2fsck first"), e.getMessage());
    }

    // ================================================================ the in-kernel mount

    @Test
    void theKernelsMountReplaysAndSaysSo() throws Exception {
        Fixture f = fixture("kernel");
        long[] t = f.target();
        f.hj().write(TID, 1, List.of(txn(1000).log(t[4], pattern("K1"))));
        byte[] back = new byte[16 * BS];
        RunResult r = Ext4KernelTest.boot(f.img(), false, 0, 4096, k -> {
            int fd = Syscalls.open("/target", File.O_RDONLY, 0);
            assertEquals(back.length, Syscalls.read(fd, back, 0, back.length));
            Syscalls.close(fd);
        });
        assertTrue(r.ok(), () -> r.fatal().report() + "\n" + r.dmesg());
        assertTrue(r.dmesg().contains("EXT4-fs (sda): recovery complete"), r.dmesg());
        assertArrayEquals(pattern("K1"), Arrays.copyOfRange(back, 4 * BS, 5 * BS));
        assertFalse(needsRecovery(f.img()));
        assertClean(f.img());
    }
}

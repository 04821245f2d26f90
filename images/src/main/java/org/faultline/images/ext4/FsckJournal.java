package org.faultline.images.ext4;

import org.faultline.fs.ext4.Ext4InodeRaw;
import org.faultline.fs.ext4.ExtentDescriptor;
import org.faultline.fs.ext4.InodeDescriptor;
import org.faultline.fs.ext4.LittleEndian;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.faultline.kernel.Crc32c;

/**
 * The internal journal as e2fsck checks it before pass 1 (e2fsck/journal.c): {@code e2fsck_get_journal}
 * (the journal inode in use, a regular file of at least {@code JBD2_MIN_JOURNAL_BLOCKS} blocks, mapped
 * without a hole up to its size), {@code e2fsck_journal_load} (the journal superblock's magic
 * {@code 0xC03B3998}, a v1 or v2 superblock, only known features, one checksum version, its crc32c
 * when it has one, the filesystem's block size, {@code s_maxlen} within the inode) and
 * {@code e2fsck_check_ext3_journal}'s verdict on its content. The journal superblock is big-endian.
 *
 * <p>This checker does not replay a journal, so a journal holding transactions ({@code s_start != 0})
 * is a problem here, whether or not the superblock says {@code needs_recovery}: what would be mounted
 * is the state after replay, which this checker cannot see. (e2fsck -n prints the same findings,
 * "needs_recovery flag is clear, but journal has data" or "skipping journal recovery", without counting
 * them.) An empty journal with {@code needs_recovery} set is only noted, as e2fsck -n does.
 */
final class FsckJournal {
    private FsckJournal() {
    }

    /** {@code JBD2_MAGIC_NUMBER}. */
    static final long JBD2_MAGIC_NUMBER = 0xC03B3998L;
    /** {@code JBD2_MIN_JOURNAL_BLOCKS}. */
    static final int JBD2_MIN_JOURNAL_BLOCKS = 1024;
    private static final int JBD2_DESCRIPTOR_BLOCK = 1;
    private static final int JBD2_COMMIT_BLOCK = 2;
    private static final int JBD2_SUPERBLOCK_V1 = 3;
    private static final int JBD2_SUPERBLOCK_V2 = 4;
    private static final int JBD2_REVOKE_BLOCK = 5;
    private static final long COMPAT_CHECKSUM = 0x1;
    private static final long INCOMPAT_CSUM_V2 = 0x8;
    private static final long INCOMPAT_CSUM_V3 = 0x10;
    private static final long INCOMPAT_FAST_COMMIT = 0x20;
    /** {@code JBD2_KNOWN_INCOMPAT_FEATURES}: revoke, 64bit, async_commit, csum v2, csum v3, fast commit. */
    private static final long KNOWN_INCOMPAT = 0x3F;
    /** {@code JBD2_CRC32C_CHKSUM}. */
    private static final int JBD2_CRC32C_CHKSUM = 4;
    /** {@code JBD2_DEFAULT_FAST_COMMIT_BLOCKS}. */
    private static final int DEFAULT_FC_BLOCKS = 256;

    // journal_superblock_t offsets
    private static final int H_MAGIC = 0x00;
    private static final int H_BLOCKTYPE = 0x04;
    private static final int S_BLOCKSIZE = 0x0C;
    private static final int S_MAXLEN = 0x10;
    private static final int S_START = 0x1C;
    private static final int S_ERRNO = 0x20;
    private static final int S_FEATURE_COMPAT = 0x24;
    private static final int S_FEATURE_INCOMPAT = 0x28;
    private static final int S_FEATURE_RO_COMPAT = 0x2C;
    private static final int S_NR_USERS = 0x40;
    private static final int S_CHECKSUM_TYPE = 0x50;
    private static final int S_NUM_FC_BLKS = 0x54;
    private static final int S_CHECKSUM = 0xFC;
    /** {@code sizeof(journal_superblock_t)}. */
    private static final int JSB_SIZE = 1024;

    /** What the check found. */
    enum Verdict {
        /** A valid journal (its content may still have been reported). */
        LOADED,
        /** e2fsck could not go on ("Cannot proceed with file system check"): the problems say why. */
        FATAL
    }

    /** The filesystem facts the check needs. */
    record Fs(String dev, int blockSize, long blocksCount, boolean hasJournal, boolean needsRecovery) {
    }

    /**
     * Checks the internal journal in inode {@code jino}.
     *
     * @param j the journal inode, or null if {@code jino} is out of range
     */
    static Verdict check(Fs fs, long jino, Ext4InodeRaw j, FsckBitmaps.Reader r, List<String> problems,
                         List<String> notes) throws IOException {
        long first = journalBlock0(fs, j, r);
        if (first < 0) {
            return badInode(fs, jino, problems);
        }
        byte[] b = new byte[fs.blockSize()];
        r.read(first, b, "reading journal superblock");
        if (be32(b, H_MAGIC) != JBD2_MAGIC_NUMBER) {
            return badInode(fs, jino, problems);
        }
        String bad = load(fs, j, b, problems);
        if (bad != null) {
            if (!bad.isEmpty()) {
                problems.add(bad);
            }
            problems.add("Journal superblock is corrupt.  Fix? no");
            problems.add("The journal superblock is corrupt while checking journal for " + fs.dev());
            return Verdict.FATAL;
        }
        content(fs, b, problems, notes);
        return Verdict.LOADED;
    }

    /** {@code e2fsck_journal_fix_bad_inode}: "Clear? no", then e2fsck cannot go on. */
    private static Verdict badInode(Fs fs, long jino, List<String> problems) {
        problems.add("Superblock has an invalid journal (inode " + jino + ").  Clear? no");
        problems.add("The journal superblock is corrupt while checking journal for " + fs.dev());
        return Verdict.FATAL;
    }

    /**
     * {@code e2fsck_get_journal} for an internal journal: the physical block of journal block 0, or -1
     * if the inode is not a usable journal (not in use, not a regular file, too small, or a hole or
     * invalid block before its size: {@code process_journal_block} stops at the first).
     */
    static long journalBlock0(Fs fs, Ext4InodeRaw j, FsckBitmaps.Reader r) throws IOException {
        if (j == null || j.linksCount() == 0 || (j.mode() & InodeDescriptor.S_IFMT) != InodeDescriptor.S_IFREG) {
            return -1;
        }
        long size = j.size();
        if (size / fs.blockSize() < JBD2_MIN_JOURNAL_BLOCKS) {
            return -1;
        }
        long want = (size + fs.blockSize() - 1) / fs.blockSize();
        List<long[]> runs = new ArrayList<>();
        if (j.hasFlag(InodeDescriptor.EXT4_EXTENTS_FL)) {
            mapExtents(fs, j.raw(), InodeDescriptor.I_BLOCK, 0, runs, r);
        } else {
            mapBlocks(fs, j.raw(), want, runs, r);
        }
        runs.sort(Comparator.comparingLong(x -> x[0]));
        long next = 0;
        for (long[] run : runs) {
            if (run[0] > next || next >= want) {
                break;
            }
            if (run[1] <= 0 || run[1] + run[2] > fs.blocksCount()) {
                return -1;
            }
            next = Math.max(next, run[0] + run[2]);
        }
        return next >= want ? physical(runs, 0) : -1;
    }

    private static long physical(List<long[]> runs, long lblk) {
        for (long[] run : runs) {
            if (lblk >= run[0] && lblk < run[0] + run[2]) {
                return run[1] + (lblk - run[0]);
            }
        }
        return -1;
    }

    /** The extents of a tree node as runs {lblk, pblk, len}, children read without validation. */
    private static void mapExtents(Fs fs, byte[] b, int base, int level, List<long[]> runs, FsckBitmaps.Reader r)
            throws IOException {
        if (LittleEndian.u16(b, base + ExtentDescriptor.EH_MAGIC) != ExtentDescriptor.EXT4_EXT_MAGIC || level > 5) {
            return;
        }
        int entries = LittleEndian.u16(b, base + ExtentDescriptor.EH_ENTRIES);
        int depth = LittleEndian.u16(b, base + ExtentDescriptor.EH_DEPTH);
        int cap = base == InodeDescriptor.I_BLOCK ? 4 : (fs.blockSize() - 12) / 12;
        for (int i = 0; i < Math.min(entries, cap); i++) {
            int o = ExtentDescriptor.entry(base, i);
            long lblk = LittleEndian.u32(b, o);
            if (depth == 0) {
                int raw = LittleEndian.u16(b, o + ExtentDescriptor.EE_LEN);
                int len = raw > ExtentDescriptor.EXT_INIT_MAX_LEN ? raw - ExtentDescriptor.EXT_INIT_MAX_LEN : raw;
                long p = LittleEndian.u32(b, o + ExtentDescriptor.EE_START_LO)
                        | ((long) LittleEndian.u16(b, o + ExtentDescriptor.EE_START_HI) << 32);
                runs.add(new long[] {lblk, p, len});
            } else {
                long child = LittleEndian.u32(b, o + ExtentDescriptor.EI_LEAF_LO)
                        | ((long) LittleEndian.u16(b, o + ExtentDescriptor.EI_LEAF_HI) << 32);
                if (child <= 0 || child >= fs.blocksCount()) {
                    continue;
                }
                byte[] cb = new byte[fs.blockSize()];
                r.read(child, cb, "reading journal extent block");
                mapExtents(fs, cb, 0, level + 1, runs, r);
            }
        }
    }

    /** A block-mapped journal: direct, indirect, double and triple indirect blocks as runs of one. */
    private static void mapBlocks(Fs fs, byte[] raw, long want, List<long[]> runs, FsckBitmaps.Reader r)
            throws IOException {
        for (int k = 0; k < 12 && k < want; k++) {
            runs.add(new long[] {k, LittleEndian.u32(raw, InodeDescriptor.I_BLOCK + 4 * k), 1});
        }
        long per = fs.blockSize() / 4;
        long l = 12;
        long span = per;
        for (int level = 1; level <= 3 && l < want; level++) {
            mapIndirect(fs, LittleEndian.u32(raw, InodeDescriptor.I_BLOCK + 4 * (11 + level)), level, l, want, runs, r);
            l += span;
            span *= per;
        }
    }

    private static void mapIndirect(Fs fs, long blk, int level, long l, long want, List<long[]> runs,
                                    FsckBitmaps.Reader r) throws IOException {
        if (blk <= 0 || blk >= fs.blocksCount() || l >= want) {
            return;
        }
        byte[] b = new byte[fs.blockSize()];
        r.read(blk, b, "reading journal indirect block");
        long per = fs.blockSize() / 4;
        long span = 1;
        for (int k = 1; k < level; k++) {
            span *= per;
        }
        for (int i = 0; i < per && l + i * span < want; i++) {
            long e = LittleEndian.u32(b, 4 * i);
            if (level == 1) {
                runs.add(new long[] {l + i, e, 1});
            } else {
                mapIndirect(fs, e, level - 1, l + i * span, want, runs, r);
            }
        }
    }

    /**
     * {@code e2fsck_journal_load}'s refusals.
     *
     * @return null if the journal superblock is usable, else the finding to print before "Journal
     *         superblock is corrupt" (possibly empty)
     */
    private static String load(Fs fs, Ext4InodeRaw j, byte[] b, List<String> problems) {
        int type = (int) be32(b, H_BLOCKTYPE);
        long compat = be32(b, S_FEATURE_COMPAT);
        long incompat = be32(b, S_FEATURE_INCOMPAT);
        long ro = be32(b, S_FEATURE_RO_COMPAT);
        if (type == JBD2_SUPERBLOCK_V1) {
            if (compat != 0 || incompat != 0 || ro != 0 || be32(b, S_NR_USERS) != 0) {
                problems.add("Found invalid V2 journal superblock fields (from V1 journal).");
            }
            compat = incompat = ro = 0; // a v1 superblock has no feature words
        } else if (type == JBD2_SUPERBLOCK_V2) {
            if (be32(b, S_NR_USERS) > 1) {
                problems.add("Filesystem journal superblock has unsupported multiple filesystems.");
                return "Journal version not supported by this e2fsck.  Abort? no";
            }
        } else if (type == JBD2_DESCRIPTOR_BLOCK || type == JBD2_COMMIT_BLOCK || type == JBD2_REVOKE_BLOCK) {
            return "";
        } else {
            return "Journal version not supported by this e2fsck.  Abort? no";
        }
        if ((incompat & ~KNOWN_INCOMPAT) != 0) {
            return "Journal superblock has an unknown incompatible feature flag set.  Abort? no";
        }
        if (ro != 0) {
            return "Journal superblock has an unknown read-only feature flag set.  Abort? no";
        }
        boolean v2 = (incompat & INCOMPAT_CSUM_V2) != 0;
        boolean v3 = (incompat & INCOMPAT_CSUM_V3) != 0;
        if ((v2 && v3) || ((v2 || v3) && (compat & COMPAT_CHECKSUM) != 0)) {
            return "";
        }
        if ((v2 || v3) && (LittleEndian.u8(b, S_CHECKSUM_TYPE) != JBD2_CRC32C_CHKSUM || !sbCsumValid(b))) {
            return "";
        }
        if (be32(b, S_BLOCKSIZE) != fs.blockSize()) {
            return fs.dev() + ": no valid journal superblock found";
        }
        long total = j.size() / fs.blockSize();
        long maxlen = be32(b, S_MAXLEN);
        if (maxlen > total) {
            return fs.dev() + ": journal too short";
        }
        if ((incompat & INCOMPAT_FAST_COMMIT) != 0) {
            long fc = be32(b, S_NUM_FC_BLKS);
            if (maxlen - (fc != 0 ? fc : DEFAULT_FC_BLOCKS) < JBD2_MIN_JOURNAL_BLOCKS) {
                return fs.dev() + ": incorrect fast commit blocks";
            }
        }
        return null;
    }

    /** {@code jbd2_superblock_csum}: crc32c from ~0 over the 1024-byte superblock with a zero checksum. */
    private static boolean sbCsumValid(byte[] b) {
        byte[] copy = java.util.Arrays.copyOf(b, JSB_SIZE);
        java.util.Arrays.fill(copy, S_CHECKSUM, S_CHECKSUM + 4, (byte) 0);
        return be32(b, S_CHECKSUM) == (Crc32c.crc32c(~0, copy, 0, JSB_SIZE) & 0xFFFFFFFFL);
    }

    /** {@code e2fsck_check_ext3_journal} after a successful load, and unix.c's read-only recovery skip. */
    private static void content(Fs fs, byte[] b, List<String> problems, List<String> notes) {
        long start = be32(b, S_START);
        if (!fs.hasJournal()) {
            problems.add("Superblock has_journal flag is clear, but a journal is present.  Clear? no");
        }
        if (start != 0) {
            if (!fs.needsRecovery()) {
                problems.add("Superblock needs_recovery flag is clear, but journal has data (s_start " + start
                        + ").  Run journal anyway? no  Clear journal? no");
            } else {
                problems.add("Warning: skipping journal recovery because doing a read-only filesystem check"
                        + " (the journal has data: s_start " + start + ", not checked here).");
            }
        } else if (fs.needsRecovery()) {
            notes.add("Warning: skipping journal recovery because doing a read-only filesystem check.");
        }
        long errno = be32(b, S_ERRNO);
        if (errno != 0 && !fs.needsRecovery()) {
            notes.add("Journal superblock has s_errno " + (int) errno + ": the filesystem is marked with errors.");
        }
    }

    private static long be32(byte[] b, int off) {
        return ((b[off] & 0xFFL) << 24) | ((b[off + 1] & 0xFFL) << 16) | ((b[off + 2] & 0xFFL) << 8) | (b[off + 3] & 0xFFL);
    }
}

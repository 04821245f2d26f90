package org.faultline.fs.jbd2;

import static org.faultline.fs.jbd2.JournalDescriptor.*;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.faultline.fs.ext4.BlockIo;
import org.faultline.kernel.Crc32c;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * A journal ({@code journal_t}) and what fs/jbd2/journal.c does with it while it is opened and
 * loaded: {@code jbd2_journal_init_inode} ({@code journal_init_common},
 * {@code journal_load_superblock}, {@code journal_check_superblock}), {@code jbd2_journal_load}
 * (recovery by {@link Recovery}, then {@code journal_reset}), the superblock updates
 * ({@code jbd2_journal_update_sb_log_tail}, {@code jbd2_mark_journal_empty},
 * {@code jbd2_write_superblock}), {@code jbd2_journal_flush} and {@code jbd2_journal_destroy}, and the
 * block map {@code jbd2_journal_bmap}.
 *
 * <p>The journal lives in a file of the filesystem (ext4's inode 8): journal block {@code n} is at the
 * device block the file system's {@link Bmap} reports ({@code j_bmap}, ext4's
 * {@code ext4_journal_bmap}). {@code j_dev} and {@code j_fs_dev} are the same {@link BlockIo}.
 *
 * <p>Deviations: there are no transactions yet (the write side — handles, commit, checkpoint — is to
 * come), so {@link #jbd2JournalFlush} has nothing to commit or checkpoint and only marks the journal
 * empty, and no {@code kjournald2} thread is started by {@link #journalReset}. The kernel's
 * {@code printk} lines go to the {@code printk} given at open, and are kept ({@link #messages}) for
 * the caller's one-line error.
 *
 * <p>Not thread-safe: one opener uses it, as the kernel's mount does before the journal is live.
 */
@KernelSource("fs/jbd2/journal.c")
public final class Journal {
    /** {@code j_bmap}: journal block number to device block number. */
    @FunctionalInterface
    public interface Bmap {
        /**
         * @param block a block of the journal, {@code 0 <= block < j_total_len}
         * @return its block on the device
         * @throws IOException with the kernel's message when the file has no such block
         */
        long bmap(long block) throws IOException;
    }

    // j_flags (in memory only)
    /** {@code JBD2_ABORT}: the journal has been aborted for errors. */
    public static final int JBD2_ABORT = 0x002;
    /** {@code JBD2_FLUSHED}: the superblock says the journal is empty. */
    public static final int JBD2_FLUSHED = 0x008;
    /** {@code JBD2_LOADED}: {@link #jbd2JournalLoad} succeeded. */
    public static final int JBD2_LOADED = 0x010;
    /** {@code JBD2_BARRIER}: flush the device after replay and write the superblock with FUA. */
    public static final int JBD2_BARRIER = 0x020;
    /** {@code JBD2_CYCLE_RECORD}: keep logging after the last head across mounts ({@code s_head}). */
    public static final int JBD2_CYCLE_RECORD = 0x080;

    final BlockIo dev;
    final String devname;
    final int blocksize;
    final Bmap bmap;
    private final Consumer<String> printk;
    private final List<String> messages = new ArrayList<>();

    /** {@code j_blk_offset}: the device block of the journal superblock. */
    final long blkOffset;
    /** {@code j_total_len}: blocks of the journal (the file, capped by {@code s_maxlen}). */
    long totalLen;
    /** {@code j_superblock}, over {@code j_sb_buffer}. */
    final JournalSuperblock superblock;
    long first;
    long last;
    long tail;
    long head;
    int tailSequence;
    int transactionSequence;
    int commitSequence;
    int errno;
    /** {@code j_failed_commit}: the transaction whose commit block failed its checksum, or 0. */
    int failedCommit;
    /** {@code j_csum_seed}. */
    int csumSeed;
    int flags;
    /** {@code j_revoke}. */
    final RevokeTable revoke = new RevokeTable();
    /** What the last {@link Recovery#jbd2JournalRecover} found and did, or null. */
    Recovery.RecoveryInfo recoveryInfo;

    private Journal(BlockIo dev, String devname, long blkOffset, long totalLen, Bmap bmap, Consumer<String> printk) {
        this.dev = dev;
        this.devname = devname;
        this.blocksize = dev.blockSize();
        this.blkOffset = blkOffset;
        this.totalLen = totalLen;
        this.bmap = bmap;
        this.printk = printk;
        this.superblock = JournalSuperblock.wrap(new byte[blocksize]);
    }

    /** {@code tid_gt}: whether transaction {@code x} is after {@code y}, modulo 2^32. */
    public static boolean tidGt(int x, int y) {
        return x - y > 0;
    }

    /** {@code tid_geq}. */
    public static boolean tidGeq(int x, int y) {
        return x - y >= 0;
    }

    // ================================================================ opening

    /**
     * {@code jbd2_journal_init_inode}: opens the journal kept in a file of the filesystem on
     * {@code dev}: locates its superblock (journal block 0), reads and checks it
     * ({@code journal_init_common}). Reads only.
     *
     * @param dev      the filesystem's device (journal and filesystem share it)
     * @param fsName   the device name ({@code sda})
     * @param ino      the journal inode's number, for {@code j_devname} ({@code sda-8})
     * @param fileBlocks the file's size in blocks ({@code i_size >> blocksize_bits})
     * @param bmap     the file's block map
     * @param printk   where the kernel's lines go
     * @return the journal, not yet loaded
     * @throws Jbd2Exception with the kernel's lines as the message
     */
    public static Journal jbd2JournalInitInode(BlockIo dev, String fsName, long ino, long fileBlocks, Bmap bmap,
                                               Consumer<String> printk) throws Jbd2Exception {
        Objects.requireNonNull(printk, "printk");
        List<String> early = new ArrayList<>();
        Consumer<String> log = line -> {
            early.add(line);
            printk.accept(line);
        };
        long blocknr;
        int err = Errno.EINVAL;
        try {
            blocknr = bmap.bmap(0);
        } catch (IOException e) {
            blocknr = 0;
            err = e instanceof Jbd2Exception je ? je.errno() : Errno.EIO;
        }
        if (blocknr == 0) {
            log.accept("jbd2_journal_init_inode: Cannot locate journal superblock");
            throw new Jbd2Exception(err, String.join("; ", early));
        }
        Journal j = new Journal(dev, fsName + "-" + ino, blocknr, fileBlocks, bmap, printk);
        err = j.journalLoadSuperblock();
        if (err != 0) {
            throw new Jbd2Exception(-err, String.join("; ", j.messages));
        }
        return j;
    }

    /** {@code journal_load_superblock}: reads block 0, checks it, and takes the log's geometry from it. */
    int journalLoadSuperblock() {
        try {
            dev.read(blkOffset, superblock.buffer());
        } catch (IOException e) {
            printk("journal_load_superblock: Cannot read journal superblock");
            return -Errno.EIO;
        }
        int err = journalCheckSuperblock();
        if (err != 0) {
            return err;
        }
        JournalSuperblock sb = superblock;
        tailSequence = sb.sequence();
        tail = sb.start();
        first = sb.first();
        errno = sb.errno();
        last = sb.maxlen();
        if (sb.maxlen() < totalLen) {
            totalLen = sb.maxlen();
        }
        if (sb.hasCsumV2or3()) {
            csumSeed = sb.csumSeed();
        }
        if (sb.hasFeatureFastCommit()) {
            last = sb.maxlen() - sb.numFcBlks(); // j_fc_last is s_maxlen; the fast-commit area follows j_last
        }
        return 0;
    }

    /** {@code journal_check_superblock}: the refusals, each with the kernel's line. */
    int journalCheckSuperblock() {
        JournalSuperblock sb = superblock;
        if (sb.magic() != JBD2_MAGIC_NUMBER || sb.blocksize() != blocksize) {
            return fail(-Errno.EINVAL, "JBD2: no valid journal superblock found");
        }
        if (sb.blockType() != JBD2_SUPERBLOCK_V1 && sb.blockType() != JBD2_SUPERBLOCK_V2) {
            return fail(-Errno.EINVAL, "JBD2: unrecognised superblock format ID");
        }
        if (sb.maxlen() > totalLen) {
            return fail(-Errno.EINVAL, "JBD2: journal file too short");
        }
        if (sb.first() == 0 || sb.first() >= totalLen) {
            return fail(-Errno.EINVAL, "JBD2: Invalid start block of journal: " + sb.first());
        }
        if (!sb.formatSupportsFeatures()) {
            return 0;
        }
        return checkFeatures(sb);
    }

    private int checkFeatures(JournalSuperblock sb) {
        int unknownRo = sb.featureRoCompat() & ~JBD2_KNOWN_ROCOMPAT_FEATURES;
        int unknownIncompat = sb.featureIncompat() & ~JBD2_KNOWN_INCOMPAT_FEATURES;
        if (unknownRo != 0 || unknownIncompat != 0) {
            printk("JBD2: Unrecognised features on journal");
            String names = (JournalDescriptor.featureNames('I', unknownIncompat) + " "
                    + JournalDescriptor.featureNames('R', unknownRo)).trim();
            messages.add("unknown journal features: " + names); // for the caller's error, not printed
            return -Errno.EINVAL;
        }
        long fc = sb.hasFeatureFastCommit() ? sb.numFcBlks() : 0;
        if (sb.maxlen() < JBD2_MIN_JOURNAL_BLOCKS || sb.maxlen() - JBD2_MIN_JOURNAL_BLOCKS < fc) {
            return fail(-Errno.EINVAL, "JBD2: journal file too short " + sb.maxlen() + "," + fc);
        }
        if (sb.hasFeatureCsum2() && sb.hasFeatureCsum3()) {
            return fail(-Errno.EINVAL, "JBD2: Can't enable checksumming v2 and v3 at the same time!");
        }
        if (sb.hasCsumV2or3() && sb.hasFeatureChecksum()) {
            return fail(-Errno.EINVAL, "JBD2: Can't enable checksumming v1 and v2/3 at the same time!");
        }
        if (sb.hasCsumV2or3()) {
            if (sb.checksumType() != JBD2_CRC32C_CHKSUM) {
                return fail(-Errno.EINVAL, "JBD2: Unknown checksum type");
            }
            if (sb.checksum() != sb.jbd2SuperblockCsum()) {
                return fail(-Errno.EBADMSG, "JBD2: journal checksum error");
            }
        }
        return 0;
    }

    private int fail(int err, String line) {
        printk(line);
        return err;
    }

    // ================================================================ loading

    /**
     * {@code jbd2_journal_load}: recovers the log if it holds transactions ({@link Recovery}), refuses a
     * journal whose commit block failed its checksum ({@code j_failed_commit}: "is corrupt",
     * {@code EFSCORRUPTED}), then restarts the log after the last transaction ({@link #journalReset}).
     *
     * @return 0 or a negative errno; the replayed blocks are on the device either way
     */
    public int jbd2JournalLoad() {
        int err = Recovery.jbd2JournalRecover(this);
        if (err != 0) {
            printk("JBD2: journal recovery failed");
            return err;
        }
        if (failedCommit != 0) {
            printk("JBD2: journal transaction " + Integer.toUnsignedString(failedCommit) + " on " + devname
                    + " is corrupt.");
            return -Errno.EUCLEAN;
        }
        flags &= ~JBD2_ABORT;
        err = journalReset();
        if (err != 0) {
            printk("JBD2: journal reset failed");
            return err;
        }
        flags |= JBD2_LOADED;
        return 0;
    }

    /**
     * {@code journal_reset}: the log starts again at the head recovery found ({@code JBD2_CYCLE_RECORD})
     * or at {@code s_first}, with the next transaction id; a superblock that still points at a log
     * ({@code s_start != 0}) is updated to the new, empty one. Deviation: no commit thread is started.
     */
    int journalReset() {
        JournalSuperblock sb = superblock;
        long f = sb.first();
        long l = sb.maxlen();
        if (f + JBD2_MIN_JOURNAL_BLOCKS > l + 1) {
            printk("JBD2: Journal too short (blocks " + f + "-" + l + ").");
            return -Errno.EINVAL;
        }
        first = f;
        last = l;
        if (head != 0 && (flags & JBD2_CYCLE_RECORD) != 0) {
            if (head < first || head >= last) {
                printk("JBD2: Incorrect Journal head block " + head + ", disable journal_cycle_record");
                head = first;
            }
        } else {
            head = first;
        }
        tail = head;
        tailSequence = transactionSequence;
        commitSequence = transactionSequence - 1;
        if (sb.start() == 0) {
            flags |= JBD2_FLUSHED; // a recovered or clean journal: nothing to write
            return 0;
        }
        return jbd2JournalUpdateSbLogTail(tailSequence, tail, true);
    }

    // ================================================================ the superblock on disk

    /** {@code jbd2_journal_update_sb_log_tail}: the log now starts at {@code tailBlock} with {@code tailTid}. */
    int jbd2JournalUpdateSbLogTail(int tailTid, long tailBlock, boolean fua) {
        if ((flags & JBD2_ABORT) != 0) {
            return -Errno.EIO;
        }
        superblock.setSequence(tailTid);
        superblock.setStart(tailBlock);
        int ret = jbd2WriteSuperblock(fua);
        if (ret == 0) {
            flags &= ~JBD2_FLUSHED;
        }
        return ret;
    }

    /**
     * {@code jbd2_mark_journal_empty}: {@code s_start} 0, {@code s_sequence} the next transaction,
     * {@code s_head} where the next log starts; nothing is written if the superblock already says empty.
     * (A fast-commit journal's feature bit is cleared on disk by the kernel here; such journals are not
     * loaded by this model.)
     */
    void jbd2MarkJournalEmpty(boolean fua) {
        JournalSuperblock sb = superblock;
        if (sb.start() == 0) {
            return;
        }
        sb.setSequence(tailSequence);
        sb.setStart(0);
        sb.setHead(head);
        jbd2WriteSuperblock(fua);
        flags |= JBD2_FLUSHED;
    }

    // ================================================================ checksums v2/v3 (shared by commit and recovery)

    /**
     * crc32c from {@code j_csum_seed} over the block {@code b} with the 4 bytes at {@code hole} taken as
     * zero: the checksum of a descriptor or revoke block's tail ({@code jbd2_descriptor_block_csum_*})
     * and of a commit block's {@code h_chksum[0]} ({@code jbd2_commit_block_csum_*}).
     */
    int csumWithHole(byte[] b, int hole) {
        int c = Crc32c.crc32c(csumSeed, b, 0, hole);
        c = Crc32c.crc32c(c, new byte[4], 0, 4);
        return Crc32c.crc32c(c, b, hole + 4, blocksize - hole - 4);
    }

    /**
     * {@code jbd2_block_tag_csum_*}: crc32c from {@code j_csum_seed} over the big-endian transaction id
     * and the block as logged (escaped); a csum v2 tag keeps its low 16 bits.
     */
    int blockTagCsum(int tid, byte[] data) {
        byte[] seq = new byte[4];
        BigEndian.putU32(seq, 0, tid & 0xFFFFFFFFL);
        return Crc32c.crc32c(Crc32c.crc32c(csumSeed, seq, 0, 4), data, 0, blocksize);
    }

    /**
     * {@code jbd2_cleanup_journal_tail} once everything committed is checkpointed (written in place
     * and flushed by the caller): the log's tail moves to its head, the next transaction's id with it
     * ({@code __jbd2_update_log_tail}), so recovery finds nothing to replay. Nothing is written when
     * the tail is already there.
     *
     * @return 0, or {@code -EIO} (aborted journal, device error)
     */
    public int jbd2CleanupJournalTail() {
        if (tail == head && tailSequence == transactionSequence) {
            return 0;
        }
        tail = head;
        tailSequence = transactionSequence;
        return jbd2JournalUpdateSbLogTail(tailSequence, tail, true);
    }

    /**
     * {@code jbd2_write_superblock}: the checksum (csum v2/v3), the block, and with FUA (and barriers)
     * a flush. A failed write aborts the journal.
     */
    int jbd2WriteSuperblock(boolean fua) {
        superblock.setChecksum();
        try {
            dev.write(blkOffset, superblock.buffer());
            if (fua && (flags & JBD2_BARRIER) != 0) {
                dev.flush();
            }
            return 0;
        } catch (IOException e) {
            printk("JBD2: I/O error when updating journal superblock for " + devname + ".");
            jbd2JournalAbort(-Errno.EIO);
            return -Errno.EIO;
        }
    }

    /**
     * {@code jbd2_journal_flush}: commits and checkpoints everything, then marks the journal empty.
     * Deviation: there are no transactions to commit or checkpoint yet, so this only marks it empty.
     *
     * @return 0, or {@code -EIO} on an aborted journal
     */
    public int jbd2JournalFlush() {
        if ((flags & JBD2_ABORT) != 0) {
            return -Errno.EIO;
        }
        jbd2MarkJournalEmpty(true);
        return 0;
    }

    /**
     * {@code jbd2_journal_destroy}: the journal is closed; unless aborted, its superblock is marked
     * empty with the next transaction id (a no-op after {@link #jbd2JournalFlush}).
     *
     * @return 0, or {@code -EIO} on an aborted journal
     */
    public int jbd2JournalDestroy() {
        if ((flags & JBD2_ABORT) != 0) {
            return -Errno.EIO;
        }
        tailSequence = ++transactionSequence;
        jbd2MarkJournalEmpty(true);
        return 0;
    }

    // ================================================================ features

    /** {@code jbd2_journal_check_used_features}: whether every feature asked for is on already. */
    public boolean jbd2JournalCheckUsedFeatures(int compat, int ro, int incompat) {
        if (compat == 0 && ro == 0 && incompat == 0) {
            return true;
        }
        JournalSuperblock sb = superblock;
        if (!sb.formatSupportsFeatures()) {
            return false;
        }
        return (sb.featureCompat() & compat) == compat && (sb.featureRoCompat() & ro) == ro
                && (sb.featureIncompat() & incompat) == incompat;
    }

    /** {@code jbd2_journal_check_available_features}: whether this jbd2 knows every feature asked for. */
    public boolean jbd2JournalCheckAvailableFeatures(int compat, int ro, int incompat) {
        if (compat == 0 && ro == 0 && incompat == 0) {
            return true;
        }
        if (!superblock.formatSupportsFeatures()) {
            return false;
        }
        return (compat & JBD2_KNOWN_COMPAT_FEATURES) == compat && (ro & JBD2_KNOWN_ROCOMPAT_FEATURES) == ro
                && (incompat & JBD2_KNOWN_INCOMPAT_FEATURES) == incompat;
    }

    /**
     * {@code jbd2_journal_set_features}: turns features on in the superblock (in memory: written with
     * it next). Checksum versions exclude each other: v2 asked for becomes v3, turning v3 on turns v1
     * off and sets {@code s_checksum_type}, turning v1 on turns v2/v3 off. Fast commits are not
     * modelled and never asked for.
     *
     * @return false if the journal cannot have them (a version-1 superblock, an unknown feature)
     */
    public boolean jbd2JournalSetFeatures(int compat, int ro, int incompat) {
        if (jbd2JournalCheckUsedFeatures(compat, ro, incompat)) {
            return true;
        }
        if (!jbd2JournalCheckAvailableFeatures(compat, ro, incompat)) {
            return false;
        }
        int c = compat;
        int i = incompat;
        if ((i & JBD2_FEATURE_INCOMPAT_CSUM_V2) != 0) {
            i = (i & ~JBD2_FEATURE_INCOMPAT_CSUM_V2) | JBD2_FEATURE_INCOMPAT_CSUM_V3;
        }
        if ((i & JBD2_FEATURE_INCOMPAT_CSUM_V3) != 0 && (c & JBD2_FEATURE_COMPAT_CHECKSUM) != 0) {
            c &= ~JBD2_FEATURE_COMPAT_CHECKSUM;
        }
        JournalSuperblock sb = superblock;
        int sbCompat = sb.featureCompat();
        int sbIncompat = sb.featureIncompat();
        boolean v3On = (i & JBD2_FEATURE_INCOMPAT_CSUM_V3) != 0 && (sbIncompat & JBD2_FEATURE_INCOMPAT_CSUM_V3) == 0;
        boolean v1On = (c & JBD2_FEATURE_COMPAT_CHECKSUM) != 0 && (sbCompat & JBD2_FEATURE_COMPAT_CHECKSUM) == 0;
        if (v3On) {
            csumSeed = sb.csumSeed();
            sb.setChecksumType(JBD2_CRC32C_CHKSUM);
            sbCompat &= ~JBD2_FEATURE_COMPAT_CHECKSUM;
        }
        if (v1On) {
            sbIncompat &= ~(JBD2_FEATURE_INCOMPAT_CSUM_V2 | JBD2_FEATURE_INCOMPAT_CSUM_V3);
        }
        sb.setFeatures(sbCompat | c, sb.featureRoCompat() | ro, sbIncompat | i);
        return true;
    }

    /** {@code jbd2_journal_clear_features}: turns features off in the superblock (in memory). */
    public void jbd2JournalClearFeatures(int compat, int ro, int incompat) {
        JournalSuperblock sb = superblock;
        sb.setFeatures(sb.featureCompat() & ~compat, sb.featureRoCompat() & ~ro, sb.featureIncompat() & ~incompat);
    }

    /** {@code jbd2_journal_abort}: no more writes; the error is kept in memory. */
    void jbd2JournalAbort(int err) {
        if ((flags & JBD2_ABORT) != 0) {
            return;
        }
        printk("Aborting journal on device " + devname + ".");
        flags |= JBD2_ABORT;
        errno = err;
    }

    /** {@code jbd2_journal_errno}: {@code -EROFS} if aborted, else the recorded error ({@code s_errno}). */
    public int jbd2JournalErrno() {
        return (flags & JBD2_ABORT) != 0 ? -Errno.EROFS : errno;
    }

    // ================================================================ blocks

    /**
     * {@code jbd2_journal_bmap}: the device block of journal block {@code blocknr}.
     *
     * @throws IOException when the file maps no block there (the journal is aborted)
     */
    long jbd2JournalBmap(long blocknr) throws IOException {
        try {
            return bmap.bmap(blocknr);
        } catch (IOException e) {
            jbd2JournalAbort(-Errno.EIO);
            throw e;
        }
    }

    /** Logs one line as the kernel's {@code printk} and keeps it for {@link #messages}. */
    void printk(String line) {
        messages.add(line);
        printk.accept(line);
    }

    // ================================================================ state

    /** Sets {@code j_flags} bits (the file system's journal parameters: {@link #JBD2_BARRIER}...). */
    public void setFlags(int bits) {
        flags |= bits;
    }

    /** @return the journal's superblock (live: it changes as the journal does) */
    public JournalSuperblock superblock() {
        return superblock;
    }

    /** @return {@code j_devname}, e.g. {@code sda-8} */
    public String devname() {
        return devname;
    }

    /** @return {@code j_transaction_sequence}: the id the next transaction will get */
    public int transactionSequence() {
        return transactionSequence;
    }

    /** @return {@code j_head} */
    public long head() {
        return head;
    }

    /** @return {@code j_failed_commit}, or 0 */
    public int failedCommit() {
        return failedCommit;
    }

    /** @return what the last recovery found and did, or null if none ran */
    public Recovery.RecoveryInfo recoveryInfo() {
        return recoveryInfo;
    }

    /** @return every line this journal printed, oldest first, with the names of unknown features it refused */
    public List<String> messages() {
        return Collections.unmodifiableList(messages);
    }

    @Override
    public String toString() {
        return "Journal[" + devname + ", " + superblock + "]";
    }
}

package org.faultline.fs.ext4;

import java.io.IOException;
import java.util.Arrays;
import java.util.function.Consumer;
import org.faultline.fs.jbd2.Jbd2Exception;
import org.faultline.fs.jbd2.Journal;
import org.faultline.fs.jbd2.JournalDescriptor;
import org.faultline.fs.jbd2.Recovery;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * ext4's side of loading its journal at mount (fs/ext4/super.c): {@code ext4_load_journal} with
 * {@code ext4_get_journal_inode}, {@code ext4_open_inode_journal}, {@code ext4_init_journal_params}
 * and {@code ext4_journal_bmap}, then what the mount does once the journal is recovered
 * ({@code ext4_mark_recovery_complete}). {@link Ext4Volume#open} calls it for a filesystem with
 * {@code has_journal} and {@code needs_recovery}, before it reads the group descriptors: the replay
 * can rewrite any metadata block, the superblock included.
 *
 * <p>What it does, as the kernel: the journal inode (8, {@code s_journal_inum}) is read and must be a
 * regular file in use; its blocks are mapped through its extent tree, or its block map for an
 * ext3-style journal; jbd2 checks the journal superblock and replays the log
 * ({@link Journal#jbd2JournalLoad}, {@link Recovery}). A read-only open replays too when the device
 * is writable ("write access will be enabled during recovery") and is refused when it is not ("write
 * access unavailable, cannot proceed"). The error fields of the superblock ({@code s_error_count} up
 * to {@code s_mount_opts}) and its error state survive a replay that would roll them back. The
 * journal's features are then set as the default mount options want them
 * ({@code ext4_load_and_init_journal}: 64bit, checksum v3 with metadata_csum, else none, no async
 * commit), the journal is emptied ({@code s_start} 0, {@code s_sequence} the next transaction id,
 * {@code s_head}) and {@code needs_recovery} is cleared. Messages are the kernel's, through
 * {@link Ext4Volume.Options#printk}: {@code EXT4-fs (sda): recovery complete}, {@code JBD2: ...}.
 *
 * <p>Deviations: Faultline keeps no live journal (jbd2's write side is to come), so a read-write open
 * also empties the journal and clears {@code needs_recovery} at once — the state the kernel leaves after
 * the mount and an unmount with no new transaction, where the kernel clears the flag only at unmount.
 * The journal's block map is built once at open. An external journal is refused before this class is
 * reached ({@link Ext4SuperBlock#validate}), and so is a journal with fast commits, whose replay
 * ({@code ext4_fc_replay}) is not modelled. A journal's recorded error ({@code s_errno},
 * {@code ext4_clear_journal_err}) is not examined.
 *
 * <p>Single-threaded: runs inside {@link Ext4Volume#open}, before the volume exists.
 */
@KernelSource("fs/ext4/super.c")
public final class Ext4Journal {
    /** {@code EXT4_S_ERR_START}: {@code s_error_count}, the first error field. */
    static final int EXT4_S_ERR_START = SuperBlockDescriptor.S_ERROR_COUNT;
    /** {@code EXT4_S_ERR_END}: {@code s_mount_opts}, after the last error field. */
    static final int EXT4_S_ERR_END = 0x200;

    private Ext4Journal() {
    }

    /**
     * What loading the journal left.
     *
     * @param sb       the superblock after the replay (what the rest of the open uses)
     * @param recovery what the replay did, or null if the log was empty
     */
    public record Loaded(Ext4SuperBlock sb, Recovery.RecoveryInfo recovery) {
    }

    /** {@code ext4_msg}: {@code EXT4-fs (sda): ...}. */
    private record Msg(String dev, Consumer<String> printk) {
        void msg(String what) {
            printk.accept("EXT4-fs (" + dev + "): " + what);
        }

        Ext4Exception fail(int errno, String what, String detail) {
            msg(what);
            return new Ext4Exception(errno, dev + ": " + what + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"));
        }
    }

    /**
     * {@code ext4_load_journal} for a filesystem that needs recovery, then {@code ext4_mark_recovery_complete}
     * and (no live journal here) {@code jbd2_journal_destroy}.
     *
     * @param io the filesystem's device
     * @param es the superblock as read and validated before the replay
     * @param o  the open's options ({@code readOnly}, {@code printk})
     * @return the superblock after recovery, {@code needs_recovery} cleared
     * @throws Ext4Exception one line with the kernel's words: the journal cannot be opened or replayed
     *                       (its errno), a read-only device (EROFS)
     */
    public static Loaded ext4LoadJournal(BlockIo io, String dev, Ext4SuperBlock es, Ext4Volume.Options o)
            throws Ext4Exception {
        Msg m = new Msg(dev, o.printk());
        long inum = es.journalInum();
        if (inum != 0 && es.journalDev() != 0) {
            throw m.fail(Errno.EINVAL, "filesystem has both journal inode and journal device!", null);
        }
        boolean reallyReadOnly = io.readOnly();
        Journal journal = ext4OpenInodeJournal(io, m, es, inum, o);
        if (reallyReadOnly && !o.readOnly()) {
            throw m.fail(Errno.EROFS, "journal device read-only, try mounting with '-o ro'", null);
        }
        refuseFastCommit(journal, dev);
        if (o.readOnly()) {
            m.msg("INFO: recovery required on readonly filesystem");
            if (reallyReadOnly) {
                throw m.fail(Errno.EROFS, "write access unavailable, cannot proceed (try mounting with noload)", null);
            }
            m.msg("write access will be enabled during recovery");
        }
        Ext4SuperBlock sb = load(io, m, es, journal, o.readOnly());
        ext4InitJournalFeatures(m, journal, sb);
        m.msg("recovery complete");
        ext4MarkRecoveryComplete(io, m, journal, sb);
        journal.jbd2JournalDestroy();
        return new Loaded(sb, journal.recoveryInfo());
    }

    /**
     * {@code ext4_load_and_init_journal} for a journal that is clean (no {@code needs_recovery}): opens
     * the journal inode, loads it (an empty log: {@code journal_reset}) and sets the journal features
     * ext4 wants, as a read-write mount does — the journal {@link org.faultline.fs.jbd2.Commit} then
     * writes transactions to.
     *
     * @throws Ext4Exception as {@link #ext4LoadJournal}; EUCLEAN if the journal needs recovery
     */
    public static Journal ext4OpenCleanJournal(BlockIo io, String dev, Ext4SuperBlock es, Ext4Volume.Options o)
            throws Ext4Exception {
        Msg m = new Msg(dev, o.printk());
        if (es.hasIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_RECOVER)) {
            throw m.fail(Errno.EUCLEAN, "the journal needs recovery: load it with ext4LoadJournal", null);
        }
        Journal journal = ext4OpenInodeJournal(io, m, es, es.journalInum(), o);
        int err = journal.jbd2JournalLoad();
        if (err != 0) {
            throw m.fail(-err, "error loading journal", String.join("; ", journal.messages()));
        }
        ext4InitJournalFeatures(m, journal, es);
        return journal;
    }

    /**
     * What {@code ext4_load_and_init_journal} does to the journal's features once it is loaded, with
     * Faultline's mount options (the defaults: {@code journal_checksum} only with
     * {@code metadata_csum}, no {@code journal_async_commit}): {@code 64bit} on a 64bit filesystem,
     * and {@code set_journal_csum_feature_set} — checksum v3 with {@code metadata_csum}, no checksums
     * without, asynchronous commit off. They reach the disk with the journal superblock's next write.
     */
    private static void ext4InitJournalFeatures(Msg m, Journal journal, Ext4SuperBlock sb) throws Ext4Exception {
        if (sb.is64Bit() && !journal.jbd2JournalSetFeatures(0, 0, JournalDescriptor.JBD2_FEATURE_INCOMPAT_64BIT)) {
            throw m.fail(Errno.EINVAL, "Failed to set 64-bit journal feature", null);
        }
        journal.jbd2JournalClearFeatures(JournalDescriptor.JBD2_FEATURE_COMPAT_CHECKSUM, 0,
                JournalDescriptor.JBD2_FEATURE_INCOMPAT_CSUM_V3 | JournalDescriptor.JBD2_FEATURE_INCOMPAT_CSUM_V2);
        if (sb.hasMetadataCsum() // JOURNAL_CHECKSUM, on by default with metadata_csum: checksum v3
                && !journal.jbd2JournalSetFeatures(0, 0, JournalDescriptor.JBD2_FEATURE_INCOMPAT_CSUM_V3)) {
            throw m.fail(Errno.EINVAL, "Failed to set journal checksum feature set", null);
        }
        journal.jbd2JournalClearFeatures(0, 0, JournalDescriptor.JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT);
    }

    /**
     * {@code jbd2_journal_load} with the superblock's error fields saved across it: the replay may write
     * an older superblock over them. The superblock is read again afterwards (the kernel's {@code es}
     * is the buffer the replay wrote into) and validated.
     */
    private static Ext4SuperBlock load(BlockIo io, Msg m, Ext4SuperBlock es, Journal journal, boolean readOnly)
            throws Ext4Exception {
        int err = journal.jbd2JournalLoad();
        if (err != 0) {
            restoreAfterFailedLoad(io, m.dev(), es);
            throw m.fail(-err, "error loading journal", String.join("; ", journal.messages()));
        }
        Ext4SuperBlock sb = reread(io, m.dev(), readOnly);
        if (restoreErrorFields(es, sb) && !io.readOnly()) {
            ext4CommitSuper(io, m.dev(), sb);
        }
        return sb;
    }

    /**
     * After a failed load the kernel still writes back the error fields a partial replay rolled back;
     * the superblock as replayed is not validated then (the open fails anyway, for the journal's reason).
     */
    private static void restoreAfterFailedLoad(BlockIo io, String dev, Ext4SuperBlock es) {
        if (io.readOnly()) {
            return;
        }
        try {
            int bs = io.blockSize();
            byte[] b0 = new byte[bs];
            io.read(Ext4SuperBlock.primaryBlock(bs), b0);
            int off = Ext4SuperBlock.primaryOffset(bs);
            Ext4SuperBlock sb = Ext4SuperBlock.wrap(Arrays.copyOfRange(b0, off, off + SuperBlockDescriptor.SUPERBLOCK_SIZE));
            if (restoreErrorFields(es, sb)) {
                ext4CommitSuper(io, dev, sb);
            }
        } catch (IOException e) {
            // the journal's error is the one reported
        }
    }

    /** The primary superblock as the replay left it, validated as at open. */
    private static Ext4SuperBlock reread(BlockIo io, String dev, boolean readOnly) throws Ext4Exception {
        int bs = io.blockSize();
        byte[] b0 = new byte[bs];
        try {
            io.read(Ext4SuperBlock.primaryBlock(bs), b0);
        } catch (IOException e) {
            throw new Ext4Exception(Errno.EIO, dev + ": cannot read superblock: " + e.getMessage(), e);
        }
        int off = Ext4SuperBlock.primaryOffset(bs);
        Ext4SuperBlock sb = Ext4SuperBlock.wrap(Arrays.copyOfRange(b0, off, off + SuperBlockDescriptor.SUPERBLOCK_SIZE));
        sb.validate(dev, io.blocks(), readOnly);
        return sb;
    }

    /**
     * The error fields ({@code EXT4_S_ERR_START..END}) of the superblock before the replay are put
     * back, and its error state kept ({@code s_state |= s_mount_state & EXT4_ERROR_FS}).
     *
     * @return whether that changed the replayed superblock
     */
    static boolean restoreErrorFields(Ext4SuperBlock before, Ext4SuperBlock after) {
        boolean changed = false;
        for (int off = EXT4_S_ERR_START; off < EXT4_S_ERR_END; off++) {
            if (after.getU8(off) != before.getU8(off)) {
                after.setU8(off, before.getU8(off));
                changed = true;
            }
        }
        int state = after.state() | (before.state() & SuperBlockDescriptor.EXT4_ERROR_FS);
        if (state != after.state()) {
            after.setState(state);
            changed = true;
        }
        return changed;
    }

    /**
     * {@code ext4_mark_recovery_complete}: the journal flushed (marked empty), {@code needs_recovery}
     * cleared and the superblock written. (The kernel clears the flag here for a read-only mount and at
     * unmount for a read-write one; with no live journal here, both clear it now.)
     */
    private static void ext4MarkRecoveryComplete(BlockIo io, Msg m, Journal journal, Ext4SuperBlock sb)
            throws Ext4Exception {
        int err = journal.jbd2JournalFlush();
        if (err < 0) {
            throw new Ext4Exception(-err, m.dev() + ": cannot flush the journal after recovery ("
                    + String.join("; ", journal.messages()) + ")");
        }
        sb.clearIncompat(Ext4Features.EXT4_FEATURE_INCOMPAT_RECOVER);
        ext4CommitSuper(io, m.dev(), sb);
    }

    /** {@code ext4_commit_super}: the primary superblock with its checksum, written and flushed. */
    static void ext4CommitSuper(BlockIo io, String dev, Ext4SuperBlock sb) throws Ext4Exception {
        int bs = io.blockSize();
        byte[] b0 = new byte[bs];
        try {
            io.read(Ext4SuperBlock.primaryBlock(bs), b0);
            sb.setChecksum();
            sb.writeTo(b0, Ext4SuperBlock.primaryOffset(bs));
            io.write(Ext4SuperBlock.primaryBlock(bs), b0);
            io.flush();
        } catch (IOException e) {
            throw new Ext4Exception(Errno.EIO, dev + ": cannot write superblock: " + e.getMessage(), e);
        }
    }

    // ================================================================ opening the journal

    /**
     * {@code ext4_open_inode_journal}: the journal inode ({@link #ext4GetJournalInode}), its block map,
     * {@code jbd2_journal_init_inode} and {@code ext4_init_journal_params} (barriers, and
     * {@code JBD2_CYCLE_RECORD}, which ext4 always sets).
     */
    private static Journal ext4OpenInodeJournal(BlockIo io, Msg m, Ext4SuperBlock es, long inum,
                                                Ext4Volume.Options o) throws Ext4Exception {
        Ext4InodeRaw inode = ext4GetJournalInode(io, m, es, inum, o.readOnly());
        long fileBlocks = inode.size() / io.blockSize();
        Journal journal;
        try {
            Journal.Bmap bmap = Ext4JournalBmap.of(io, m.dev(), es, inum, inode, o.printk());
            journal = Journal.jbd2JournalInitInode(io, m.dev(), inum, fileBlocks, bmap, o.printk());
        } catch (Jbd2Exception e) {
            throw m.fail(e.errno(), "Could not load journal inode", e.getMessage());
        } catch (Ext4Exception e) {
            o.printk().accept("jbd2_journal_init_inode: Cannot locate journal superblock");
            throw m.fail(e.errno(), "Could not load journal inode", e.getMessage());
        }
        journal.setFlags(Journal.JBD2_BARRIER | Journal.JBD2_CYCLE_RECORD);
        return journal;
    }

    /**
     * {@code ext4_get_journal_inode}: {@code ext4_iget(EXT4_IGET_SPECIAL)} of the journal inode (its
     * checksum, an inode in use), which must be a regular file.
     */
    private static Ext4InodeRaw ext4GetJournalInode(BlockIo io, Msg m, Ext4SuperBlock es, long inum, boolean readOnly)
            throws Ext4Exception {
        if (inum < 1 || inum > es.inodesCount()) {
            throw m.fail(Errno.EUCLEAN, "no journal found", "__ext4_iget: inode #" + inum + ": iget: illegal inode #");
        }
        Ext4InodeRaw in = readInode(io, m, es, inum, readOnly);
        if (in.linksCount() == 0) {
            throw m.fail(Errno.EUCLEAN, "no journal found", "__ext4_iget: inode #" + inum + ": iget: special inode unallocated");
        }
        if (!in.isReg() || in.hasFlag(InodeDescriptor.EXT4_ENCRYPT_FL)) {
            throw m.fail(Errno.EUCLEAN, "invalid journal inode", null);
        }
        return in;
    }

    /** The raw inode from its group's inode table, checksum verified ({@code __ext4_get_inode_loc}, {@code __ext4_iget}). */
    private static Ext4InodeRaw readInode(BlockIo io, Msg m, Ext4SuperBlock es, long inum, boolean readOnly)
            throws Ext4Exception {
        int bs = io.blockSize();
        int group = es.groupOfInode(inum);
        GroupDesc gd = readGroupDesc(io, m, es, group, readOnly);
        long index = (inum - 1) % es.inodesPerGroup();
        long block = gd.inodeTable() + index * es.inodeSize() / bs;
        int off = (int) (index * es.inodeSize() % bs);
        if (block >= es.blocksCount()) {
            throw m.fail(Errno.EUCLEAN, "no journal found", "inode table block " + block + " of inode " + inum
                    + " outside the filesystem");
        }
        byte[] b = new byte[bs];
        try {
            io.read(block, b);
        } catch (IOException e) {
            throw m.fail(Errno.EIO, "no journal found", "cannot read inode " + inum + ": " + e.getMessage());
        }
        if (!new Ext4Csum(es).inodeCsumValid(inum, b, off, es.inodeSize())) {
            throw m.fail(Errno.EBADMSG, "no journal found", "__ext4_iget: inode #" + inum + ": iget: checksum invalid");
        }
        return Ext4InodeRaw.read(b, off, es.inodeSize());
    }

    /** One group descriptor, read straight from the device (the replay has not happened yet). */
    private static GroupDesc readGroupDesc(BlockIo io, Msg m, Ext4SuperBlock es, int group, boolean readOnly)
            throws Ext4Exception {
        int bs = io.blockSize();
        int ds = es.descSize();
        long gdtBlock = es.firstDataBlock() + 1 + GroupDescDescriptor.gdtBlockIndex(group, bs, ds);
        byte[] b = new byte[bs];
        try {
            io.read(gdtBlock, b);
        } catch (IOException e) {
            throw new Ext4Exception(Errno.EIO, m.dev() + ": cannot read group descriptors: " + e.getMessage(), e);
        }
        GroupDesc d = GroupDesc.read(b, GroupDescDescriptor.offsetInBlock(group, bs, ds), ds);
        Ext4Csum csum = new Ext4Csum(es);
        if (!readOnly && !csum.groupDescCsumValid(group, d)) {
            throw Ext4Exception.badCrc(m.dev(), "ext4_check_descriptors: Checksum for group " + group + " failed ("
                    + d.checksum() + "!=" + csum.groupDescCsum(group, d) + ")");
        }
        return d;
    }

    /** A journal with fast commits cannot be recovered here: {@code ext4_fc_replay} is not modelled. */
    private static void refuseFastCommit(Journal journal, String dev) throws Ext4Exception {
        if (journal.superblock().hasFeatureFastCommit()) {
            throw new Ext4Exception(Errno.EOPNOTSUPP, dev + ": journal feature '"
                    + JournalDescriptor.featureName('I', JournalDescriptor.JBD2_FEATURE_INCOMPAT_FAST_COMMIT)
                    + "' (fast commit) is not supported: its replay is not modelled; run e2fsck first");
        }
    }
}

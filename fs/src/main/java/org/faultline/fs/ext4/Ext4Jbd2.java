package org.faultline.fs.ext4;

import java.io.IOException;
import java.util.List;
import org.faultline.fs.jbd2.Commit;
import org.faultline.fs.jbd2.Jbd2Exception;
import org.faultline.fs.jbd2.Journal;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelSource;

/**
 * ext4's use of its journal while mounted read-write (fs/ext4/ext4_jbd2.c with super.c's journal
 * setup and teardown, and jbd2's checkpoint.c): every metadata block a volume call dirties belongs to
 * the running transaction and stays in the metadata cache, unwritten in place
 * ({@link MetadataCache#setJournaled}); a sync commits the transaction to the log ({@link Commit}),
 * with revoke records for the blocks freed since their copy was logged. The committed blocks wait in
 * the cache for the checkpoint, which writes them in place, flushes, and moves the log's tail to its
 * head ({@code jbd2_cleanup_journal_tail}): when the log has no room for the next commit
 * ({@code jbd2_log_wait_for_space}), when a commit leaves less than a transaction's worth of room or
 * more than {@link #MAX_WAITING_BLOCKS} blocks wait, and at unmount ({@code jbd2_journal_destroy}).
 * The filesystem says {@code needs_recovery} while mounted; a crash at any point leaves, after
 * recovery, the state of the last commit whose record is on the media.
 *
 * <p>In the kernel the journal's handles and commit thread ({@link Ext4Journaling}) decide when a
 * commit happens: after the handles of the transaction stopped, so a commit never holds half of an
 * operation. An offline user (the image tools) has no handles: each sync commits, and a call that finds
 * the transaction at a quarter of the log commits it first.
 *
 * <p>Deviations: the transaction is every dirty block of the cache (no buffer lists); one grown past a
 * quarter of the log within a handle is logged in pieces, each atomic by itself; a checkpoint writes
 * every committed transaction at once (the kernel writes the oldest first and moves the tail by
 * steps), and nothing writes committed blocks in place before it (the kernel's flusher writes back the
 * block device's dirty buffers meanwhile).
 *
 * <p>Context: the volume's (single-threaded, under the filesystem lock).
 */
@KernelSource("fs/ext4/ext4_jbd2.c")
final class Ext4Jbd2 {
    private final Ext4Volume v;
    private final Journal journal;
    /** {@code j_max_transaction_buffers}. */
    private final int maxTransactionBlocks;

    private Ext4Jbd2(Ext4Volume v, Journal journal) {
        this.v = v;
        this.journal = journal;
        this.maxTransactionBlocks = (int) Math.max(64, journal.superblock().maxlen() / 4);
    }

    /**
     * {@code ext4_load_and_init_journal} at a read-write mount of a journaled filesystem: the journal
     * opened and loaded, {@code needs_recovery} set on disk ({@code ext4_setup_super}'s "mounted with a
     * journal"), and the cache told to keep dirty blocks until they are committed.
     *
     * @return the journal's user, or null without a journal
     */
    static Ext4Jbd2 start(Ext4Volume v, Ext4Volume.Options o) throws Ext4Exception {
        Ext4SuperBlock sb = v.sb;
        if (v.readOnly || o.noload() || !sb.hasCompat(Ext4Features.EXT4_FEATURE_COMPAT_HAS_JOURNAL)) {
            return null;
        }
        Journal j = Ext4Journal.ext4OpenCleanJournal(v.io, v.dev, sb, o);
        setNeedsRecovery(v, true);
        v.cache.setJournaled(true);
        return new Ext4Jbd2(v, j);
    }

    /** The in-kernel ext4's handles bracket every change; null for an offline user. */
    private volatile Runnable outsideHandle;
    private volatile boolean aborted;
    private volatile java.util.function.BooleanSupplier inHandle;

    /** Whether the running transaction is full: the next handle (or offline call) commits it first. */
    boolean transactionFull() {
        return v.cache.dirtyCount() >= maxTransactionBlocks;
    }

    /** The journal's next transaction id ({@code j_transaction_sequence}). */
    int transactionSequence() {
        return journal.transactionSequence();
    }

    /**
     * The in-kernel ext4 takes over: it brackets changes with handles ({@code inHandle} says whether
     * the current task holds one; a change outside one calls {@code outsideHandle}, a WARN) and its
     * commit thread commits; the volume no longer commits a full transaction by itself.
     */
    void useHandles(java.util.function.BooleanSupplier inHandle, Runnable outsideHandle) {
        this.inHandle = inHandle;
        this.outsideHandle = outsideHandle;
    }

    /**
     * The start of a change: offline, a full transaction is committed first (as
     * {@code start_this_handle} waits for its commit); in the kernel, the change must be in a handle.
     */
    void beginChange() throws IOException {
        java.util.function.BooleanSupplier h = inHandle;
        if (h == null) {
            if (transactionFull()) {
                v.sync();
            }
        } else if (!h.getAsBoolean()) {
            outsideHandle.run();
        }
    }

    /**
     * Commits the running transaction: every dirty block of the cache (checksums set, as frozen copies)
     * and the revoke records, in pieces of at most a quarter of the log if it grew larger (a
     * deviation, each piece atomic by itself). The log is checkpointed first if it has no room for it,
     * and after it if what is left is less than a transaction's worth.
     *
     * @throws IOException a device error (the journal is aborted)
     */
    void commit() throws IOException {
        try {
            commitPieces();
        } catch (IOException | RuntimeException e) {
            aborted = true; // jbd2_journal_abort: the commit failed
            throw e;
        }
    }

    /**
     * Commit records written so far, each REQ_PREFLUSH|REQ_FUA: a barrier for every data write that
     * completed before it. Read without the filesystem lock (a monotonic count).
     */
    long recordsWritten() {
        return recordsWritten;
    }

    private volatile long recordsWritten;

    /** Whether a commit failed ({@code JBD2_ABORT}): fsync and sync fail with EIO from then on. */
    boolean aborted() {
        return aborted;
    }

    private void commitPieces() throws IOException {
        List<Long> revokes = v.cache.takeRevokes();
        List<Commit.LogBlock> blocks = v.cache.frozenDirty();
        long sec = v.now();
        for (int i = 0; i < blocks.size() || i == 0 && !revokes.isEmpty(); i += maxTransactionBlocks) {
            List<Commit.LogBlock> piece = blocks.subList(i, Math.min(blocks.size(), i + maxTransactionBlocks));
            if (Commit.logBlocksNeeded(journal, piece.size(), revokes.size()) > Commit.logSpaceLeft(journal)) {
                checkpoint(); // jbd2_log_wait_for_space: what the log holds goes in place; nothing is left to revoke
                revokes = List.of();
            }
            try {
                Commit.jbd2JournalCommitTransaction(journal, piece, revokes, sec, 0);
            } catch (Jbd2Exception e) {
                throw new Ext4Exception(Errno.EIO, v.dev + ": " + e.getMessage(), e);
            }
            v.cache.committed(piece);
            recordsWritten++;
            revokes = List.of();
        }
        if (Commit.logSpaceLeft(journal) < Commit.logBlocksNeeded(journal, maxTransactionBlocks, 0)
                || v.cache.checkpointCount() > MAX_WAITING_BLOCKS) {
            checkpoint();
        }
    }

    /**
     * Committed blocks kept in memory for the checkpoint before it is done anyway, whatever room the
     * log has: 32 MiB of 4 KiB blocks. The kernel's flusher writes committed buffers back after
     * {@code dirty_expire_centisecs} and under memory pressure; a large journal (1 GiB on a large
     * filesystem) would otherwise hold its whole size in the heap.
     */
    static final int MAX_WAITING_BLOCKS = 8192;

    /**
     * {@code jbd2_log_do_checkpoint} and {@code jbd2_cleanup_journal_tail}: every committed block
     * written in place and flushed, the log's tail moved to its head (the journal superblock written
     * with FUA).
     */
    void checkpoint() throws IOException {
        v.cache.checkpoint();
        int err = journal.jbd2CleanupJournalTail();
        if (err != 0) {
            throw new Ext4Exception(Errno.EIO, v.dev + ": JBD2: cannot update the journal tail (" + Errno.name(-err) + ")");
        }
    }

    /**
     * {@code ext4_put_super}'s journal part: after the final sync, {@code jbd2_journal_destroy} (the
     * log checkpointed, the journal marked empty) and {@code needs_recovery} cleared on disk.
     */
    void stop() throws IOException {
        checkpoint();
        journal.jbd2JournalDestroy();
        setNeedsRecovery(v, false);
    }

    /** Sets or clears {@code needs_recovery} and writes the superblock at once ({@code ext4_commit_super}). */
    private static void setNeedsRecovery(Ext4Volume v, boolean on) throws Ext4Exception {
        Ext4SuperBlock sb = v.sb;
        int incompat = sb.featureIncompat();
        incompat = on ? incompat | Ext4Features.EXT4_FEATURE_INCOMPAT_RECOVER
                : incompat & ~Ext4Features.EXT4_FEATURE_INCOMPAT_RECOVER;
        sb.setU32(SuperBlockDescriptor.S_FEATURE_INCOMPAT, incompat & 0xFFFFFFFFL);
        Ext4Journal.ext4CommitSuper(v.io, v.dev, sb);
    }
}

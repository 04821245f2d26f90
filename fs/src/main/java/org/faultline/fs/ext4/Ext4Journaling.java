package org.faultline.fs.ext4;

import org.faultline.fs.FsError;
import org.faultline.fs.Inode;
import org.faultline.fs.jbd2.JournalThread;
import org.faultline.fs.jbd2.Transaction;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;

/**
 * The in-kernel ext4's journaling (fs/ext4/ext4_jbd2.c and ext4_jbd2.h, with super.c's
 * {@code ext4_sync_fs} and fsync.c's {@code ext4_fsync_journal}): handles around every metadata
 * change ({@code ext4_journal_start} / {@code ext4_journal_stop}), the inode's
 * {@code i_sync_tid} / {@code i_datasync_tid} ({@code ext4_update_inode_fsync_trans}), the commit
 * thread {@code jbd2/sda-8} committing through the volume ({@link Ext4Jbd2}), and the waits of
 * fsync, fdatasync, sync and unmount for the right commit.
 *
 * <p>Context: tasks; the lock order is {@code i_rwsem} → handle → {@code i_data_sem} → the
 * filesystem's lock. A handle started where writeback holds page locks (the iomap path) is reserved.
 */
@KernelSource("fs/ext4/ext4_jbd2.c")
final class Ext4Journaling {
    private final Ext4Super es;
    final Transaction transaction;
    final JournalThread thread;
    private final Ext4Jbd2 jbd2;

    private Ext4Journaling(Ext4Super es, Ext4Jbd2 jbd2) {
        this.es = es;
        this.jbd2 = jbd2;
        this.transaction = new Transaction(es.k, es.bdev.name(), jbd2::transactionSequence, jbd2::transactionFull);
        this.thread = new JournalThread(es.k, "jbd2/" + es.bdev.name() + "-8", transaction, this::commitBody,
                JournalThread.DEFAULT_COMMIT_INTERVAL_NS);
        this.thread.setDataWriter(new JournalThread.DataWriter() {
            @Override
            public void submit(Transaction.Jbd2Inode j) {
                Inode inode = (Inode) j.inode();
                Ext4Super.ei(inode).ops.ext4NormalSubmitInodeDataBuffers(inode, j.dirtyStart(), j.dirtyEnd());
            }

            @Override
            public int finish(Transaction.Jbd2Inode j) { // ext4_journal_finish_inode_data_buffers
                Inode inode = (Inode) j.inode();
                org.faultline.mm.Filemap.filemapFdatawaitRangeKeepErrors(inode.mapping(), j.dirtyStart(), j.dirtyEnd());
                return 0;
            }
        });
        jbd2.useHandles(() -> transaction.journalCurrentHandle() != null,
                () -> es.k.warnOn(true, "EXT4-fs (" + es.bdev.name() + "): metadata changed outside a journal handle"));
    }

    /** {@code ext4_load_and_init_journal}'s kernel half: the commit thread runs; null without a journal. */
    static Ext4Journaling start(Ext4Super es) {
        Ext4Jbd2 j = es.vol.jbd2();
        if (j == null) {
            return null;
        }
        Ext4Journaling jn = new Ext4Journaling(es, j);
        jn.thread.start();
        return jn;
    }

    /** The commit of the locked transaction: the volume's sync under the filesystem lock. */
    private void commitBody() {
        try {
            es.vol(() -> {
                es.vol.sync();
                return null;
            });
        } catch (FsError e) { // the journal is aborted (Ext4Jbd2); its waiters see EIO
            es.k.printk("JBD2: Error " + e.err() + " detected when committing the journal of " + es.bdev.name()
                    + ": " + e.getMessage());
        }
    }

    /**
     * {@code ext4_journal_start()}: a handle for a change of {@code inode} (null: no inode), which
     * records the transaction in the inode's {@code i_sync_tid} and, when the change is one
     * fdatasync must wait for (blocks or size), {@code i_datasync_tid}.
     */
    @KernelFunction("__ext4_journal_start_sb")
    Transaction.Handle ext4JournalStart(Inode inode, boolean datasync, boolean reserved) {
        Transaction.Handle h = reserved ? transaction.jbd2JournalStartReserved() : transaction.jbd2JournalStart();
        if (inode != null) {
            ext4UpdateInodeFsyncTrans(h, inode, datasync);
        }
        return h;
    }

    /** {@code ext4_update_inode_fsync_trans()}. */
    void ext4UpdateInodeFsyncTrans(Transaction.Handle h, Inode inode, boolean datasync) {
        Ext4InodeInfo ei = Ext4Super.ei(inode);
        ei.syncTid = h.tid();
        if (datasync) {
            ei.datasyncTid = h.tid();
        }
    }

    /** {@code ext4_journal_stop()}. */
    void ext4JournalStop(Transaction.Handle h) {
        transaction.jbd2JournalStop(h);
    }

    /**
     * {@code ext4_fsync_journal()}: the transaction holding the inode's last change (its data's for
     * fdatasync) is committed — its commit record written with PREFLUSH and FUA, so no further flush;
     * if it had committed already ({@code jbd2_trans_will_send_data_barrier} false), a flush
     * ({@code needs_barrier}).
     *
     * <p>Deviation: a transaction whose handles changed no metadata here writes no commit record
     * (the kernel writes one for an empty transaction too, with its flush), and Faultline's handles
     * record {@code i_sync_tid}/{@code i_datasync_tid} when they start, not when they change the inode:
     * so the commit waited for may send no barrier — then the flush is sent here, as for a committed
     * one. (Without it, an overwrite of allocated blocks then fdatasync or fsync was not durable:
     * {@code faultline crash} found it.)
     */
    @KernelFunction("ext4_fsync_journal")
    void ext4FsyncJournal(Inode inode, boolean datasync) {
        Ext4InodeInfo ei = Ext4Super.ei(inode);
        int tid = datasync ? ei.datasyncTid : ei.syncTid;
        boolean commits = !thread.committed(tid); // jbd2_trans_will_send_data_barrier
        long records = jbd2.recordsWritten();
        thread.jbd2CompleteTransaction(tid);
        checkAborted();
        boolean barrierSent = commits && jbd2.recordsWritten() > records; // a commit record since the data
        if (!barrierSent) { // needs_barrier: the data just written is durable only after a flush
            blkdevIssueFlush();
        }
    }

    /**
     * {@code ext4_write_inode()} for WB_SYNC_ALL with a journal ({@code ext4_fc_commit(i_sync_tid)}): the
     * inode's transaction committed; no flush of its own (its callers flush: fsync, sync_fs).
     */
    void ext4WriteInodeCommit(Inode inode) {
        thread.jbd2CompleteTransaction(Ext4Super.ei(inode).syncTid);
        checkAborted();
    }

    /**
     * {@code ext4_sync_fs()} with a journal: the running transaction committed and waited for, and a
     * flush if that commit sent no barrier ({@code needs_barrier}: here, when no commit record was
     * written — see {@link #ext4FsyncJournal} for why one may not be).
     */
    void ext4SyncFs() {
        long records = jbd2.recordsWritten();
        thread.jbd2JournalForceCommit();
        checkAborted();
        if (jbd2.recordsWritten() == records) {
            blkdevIssueFlush();
        }
    }

    /** {@code blkdev_issue_flush()}: the device's volatile cache to the media. */
    private void blkdevIssueFlush() {
        es.vol(() -> {
            es.vol.flushDevice();
            return null;
        });
    }

    /** {@code ext4_put_super}'s journal part before the volume closes: a last commit, the thread stopped. */
    void stop() {
        thread.jbd2JournalKillThread();
    }

    private void checkAborted() {
        // a failed commit's errno reached the committer's log; the journal is aborted in the volume
        if (es.vol.jbd2() != null && es.vol.jbd2().aborted()) {
            throw new FsError(org.faultline.kernel.Errno.EIO, es.bdev.name() + ": journal aborted");
        }
    }
}

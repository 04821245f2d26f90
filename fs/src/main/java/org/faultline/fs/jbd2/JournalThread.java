package org.faultline.fs.jbd2;

import java.util.List;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Mutex;
import org.faultline.kernel.Task;
import org.faultline.kernel.TaskKind;
import org.faultline.kernel.WaitQueue;
import org.faultline.kernel.WaitTarget;

/**
 * The commit thread and the waits on it (fs/jbd2/journal.c): {@code kjournald2} commits the running
 * transaction when asked ({@code j_commit_request}) or when it has run for the commit interval
 * ({@code j_commit_interval}, 5 s by default: ext4's {@code commit=}); {@link #jbd2LogStartCommit},
 * {@link #jbd2LogWaitCommit} and {@link #jbd2CompleteTransaction} are how fsync, sync and a full
 * transaction ask for a commit and wait for it ({@code j_commit_sequence}).
 *
 * <p>What a commit does is the filesystem's ({@code commitBody}, run between
 * {@link Transaction#lockForCommit} and {@link Transaction#switchRunning}): the blocks it dirtied are
 * in its metadata cache, not on the transaction's lists (a deviation, see {@link Transaction}).
 *
 * <p>Deviation: once the thread has stopped (the machine's user tasks are done, or the journal is
 * being destroyed), a task that needs a commit does it itself rather than waiting for nobody;
 * {@code commitMutex} serialises such commits with the thread's.
 *
 * <p>Locking: {@code commitMutex} is taken outside the transaction lock-down and the filesystem's
 * lock; the request and sequence numbers are volatile, written by the committer (sequence) or under
 * nothing but monotonic updates (request, only by {@link #jbd2LogStartCommit} raising it).
 */
@KernelSource("fs/jbd2/journal.c")
public final class JournalThread {
    /** {@code JBD2_DEFAULT_MAX_COMMIT_AGE}: 5 seconds. */
    public static final long DEFAULT_COMMIT_INTERVAL_NS = 5_000_000_000L;

    /**
     * The filesystem's ordered-data hooks ({@code j_submit_inode_data_buffers},
     * {@code j_finish_inode_data_buffers}).
     */
    public interface DataWriter {
        /** Starts writing the inode's dirty data in [start, end] (no block allocation). */
        void submit(Transaction.Jbd2Inode jinode);

        /** Waits for that data; returns 0 or a negative errno of a failed write. */
        int finish(Transaction.Jbd2Inode jinode);
    }

    private final Kernel k;
    private final String name;
    private volatile DataWriter dataWriter;
    private final Transaction transaction;
    private final Runnable commitBody;
    private final long commitIntervalNs;
    private final Mutex commitMutex;
    private final WaitQueue waitCommit; // j_wait_commit: the thread waits for work
    private final WaitQueue waitDone;   // j_wait_done_commit
    private volatile int commitRequest;  // j_commit_request
    private volatile int commitSequence; // j_commit_sequence
    private volatile boolean stop;
    private volatile boolean exited = true;
    private volatile Task thread;

    /**
     * @param name       the thread's name, {@code jbd2/sda-8} (device and journal inode)
     * @param commitBody writes the locked transaction's blocks to the log and checkpoints them
     */
    public JournalThread(Kernel k, String name, Transaction transaction, Runnable commitBody, long commitIntervalNs) {
        this.k = k;
        this.name = name;
        this.transaction = transaction;
        this.commitBody = commitBody;
        this.commitIntervalNs = commitIntervalNs;
        this.commitMutex = new Mutex(k, "commit of " + name);
        this.waitCommit = new WaitQueue(k);
        this.waitDone = new WaitQueue(k);
        this.commitSequence = transaction.runningTid() - 1;
        this.commitRequest = commitSequence;
        transaction.setStartCommit(this::startCommitOfFull);
    }

    /** Sets the ordered-data hooks (ext4's data=ordered). */
    public void setDataWriter(DataWriter w) {
        dataWriter = w;
    }

    /**
     * A handle found the running transaction full: its commit is asked for; once the thread has stopped
     * the starter (which holds no handle yet) commits it itself, or it would wait for nobody.
     */
    private void startCommitOfFull() {
        int tid = transaction.runningTid();
        jbd2LogStartCommit(tid);
        if (exited) {
            jbd2LogWaitCommit(tid);
        }
    }

    /** {@code jbd2_journal_start_thread()}. */
    public void start() {
        exited = false;
        thread = k.spawn(name, TaskKind.KTHREAD, this::kjournald2);
    }

    /** {@code kjournald2()}: commit what is asked for, and each transaction once it is old enough. */
    @KernelFunction("kjournald2")
    private void kjournald2() {
        Task self = Task.current();
        try {
            for (;;) {
                if (Journal.tidGt(commitRequest, commitSequence)) {
                    commit();
                    continue;
                }
                if (stop || self.kthreadShouldStop()) {
                    return;
                }
                long started = transaction.runningStartedNs();
                long now = k.sched().clockNs();
                if (started >= 0 && now - started >= commitIntervalNs) {
                    raiseRequest(transaction.runningTid()); // commit_timeout fired
                    continue;
                }
                long wait = started >= 0 ? started + commitIntervalNs - now : commitIntervalNs;
                waitCommit.waitEventTimeout(() -> Journal.tidGt(commitRequest, commitSequence) || stop
                        || self.kthreadShouldStop(), wait, () -> "a commit request or the commit timer of " + name);
            }
        } finally {
            exited = true;
            waitDone.wakeUpAll(); // waiters commit themselves now
        }
    }

    private void raiseRequest(int tid) {
        if (Journal.tidGt(tid, commitRequest)) {
            commitRequest = tid;
        }
    }

    /** One commit of the running transaction: lock-down, the filesystem's body, the switch. */
    private void commit() {
        commitMutex.mutexLock();
        try {
            if (!Journal.tidGt(commitRequest, commitSequence)) {
                return;
            }
            int tid = transaction.lockForCommit();
            try {
                journalWriteOrderedData(tid);
                commitBody.run();
            } finally {
                transaction.switchRunning();
                commitSequence = tid;
            }
        } finally {
            commitMutex.mutexUnlock();
            waitDone.wakeUpAll();
        }
    }

    /**
     * {@code journal_submit_data_buffers()} then {@code journal_finish_inode_data_buffers()}: the data
     * of the transaction's inodes written and waited for before its blocks go to the log (and so
     * before its commit record). A write error is reported, not fatal to the commit (no
     * {@code data_err=abort}).
     */
    @KernelFunction("journal_submit_data_buffers")
    private void journalWriteOrderedData(int tid) {
        List<Transaction.Jbd2Inode> inodes = transaction.takeInodeList();
        DataWriter w = dataWriter;
        if (w == null || inodes.isEmpty()) {
            return;
        }
        for (Transaction.Jbd2Inode j : inodes) {
            w.submit(j);
        }
        for (Transaction.Jbd2Inode j : inodes) {
            int err = w.finish(j);
            if (err != 0) {
                k.printk("JBD2: Detected IO errors " + err + " while flushing file data on " + name);
            }
        }
    }

    /**
     * {@code jbd2_log_start_commit()}: asks for the commit of transaction {@code tid} if it is the
     * running one and not yet asked for.
     */
    @KernelFunction("jbd2_log_start_commit")
    public void jbd2LogStartCommit(int tid) {
        if (tid == transaction.runningTid()) {
            raiseRequest(tid);
            waitCommit.wakeUp();
        }
    }

    /**
     * {@code jbd2_log_wait_commit()}: sleeps until transaction {@code tid} has committed. Must not be
     * called holding a handle (the commit would wait for it).
     */
    @KernelFunction("jbd2_log_wait_commit")
    public void jbd2LogWaitCommit(int tid) {
        k.bugOn(transaction.journalCurrentHandle() != null, "JBD2: waiting for a commit while holding a handle");
        while (!Journal.tidGeq(commitSequence, tid)) {
            if (exited) {
                raiseRequest(tid);
                commit(); // nobody else will: the thread has stopped
                continue;
            }
            waitDone.waitEvent(() -> Journal.tidGeq(commitSequence, tid) || exited, new WaitTarget() {
                @Override
                public String describe() {
                    return "the commit of transaction " + tid + " by " + name;
                }

                @Override
                public List<Object> owedBy() {
                    Task t = thread;
                    return t == null ? List.of() : List.of(t);
                }
            });
        }
    }

    /** Whether transaction {@code tid} has committed ({@code j_commit_sequence} reached it). */
    public boolean committed(int tid) {
        return Journal.tidGeq(commitSequence, tid);
    }

    /**
     * {@code jbd2_complete_transaction()}: transaction {@code tid} committed, its commit started first
     * if it is still running. What fsync waits for ({@code i_sync_tid}, {@code i_datasync_tid}).
     */
    @KernelFunction("jbd2_complete_transaction")
    public void jbd2CompleteTransaction(int tid) {
        if (Journal.tidGeq(commitSequence, tid)) {
            return;
        }
        if (tid == transaction.runningTid()) {
            jbd2LogStartCommit(tid);
        }
        jbd2LogWaitCommit(tid);
    }

    /**
     * {@code jbd2_journal_force_commit()}: the running transaction committed (sync, unmount), even
     * if no handle has touched it.
     */
    @KernelFunction("jbd2_journal_force_commit")
    public void jbd2JournalForceCommit() {
        int tid = transaction.runningTid();
        jbd2LogStartCommit(tid);
        jbd2LogWaitCommit(tid);
    }

    /**
     * The thread's part of {@code jbd2_journal_destroy()}: a last commit, then the thread stops
     * ({@code journal_kill_thread}); later commits are done by whoever needs them.
     */
    public void jbd2JournalKillThread() {
        jbd2JournalForceCommit();
        stop = true;
        waitCommit.wakeUpAll();
    }
}

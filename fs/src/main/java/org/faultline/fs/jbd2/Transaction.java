package org.faultline.fs.jbd2;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.SpinLock;
import org.faultline.kernel.Task;
import org.faultline.kernel.WaitQueue;
import org.faultline.kernel.WaitTarget;

/**
 * The running transaction and its handles (fs/jbd2/transaction.c, with the {@code journal_t} fields
 * they use): a filesystem operation brackets its metadata changes with {@link #jbd2JournalStart} and
 * {@link #jbd2JournalStop}; the commit locks the running transaction ({@code T_LOCKED}) and waits for
 * its handles to stop ({@code t_updates} reaching 0) before it takes the transaction's blocks, so a
 * commit never holds half of an operation. A handle started while the transaction is locked waits
 * for the commit to switch to a new one ({@code wait_transaction_locked}); one started while the
 * running transaction is full asks for its commit first ({@code start_this_handle}'s
 * {@code jbd2_log_start_commit} when {@code add_transaction_credits} fails).
 *
 * <p>A task's handle is {@code current->journal_info}: a nested start takes a reference on it
 * ({@code h_ref}), so an operation made of smaller ones is one handle.
 *
 * <p>Deviations: the transaction carries no buffer lists (the filesystem's metadata cache holds what a
 * transaction dirtied and the commit takes all of it, {@code org.faultline.fs.ext4.Ext4Jbd2}); credits
 * are not counted, "full" is the filesystem's count of dirty blocks ({@code fullCheck}); the
 * transaction stays locked through the whole commit, not only until {@code T_FLUSH}, so a new handle
 * waits for the commit's log writes too; reserved handles ({@code jbd2_journal_start_reserved}) are
 * modelled by {@link #jbd2JournalStartReserved}: they never wait.
 *
 * <p>Locking: {@code stateLock} ({@code j_state_lock}) protects the state, the update count and the
 * holders; the fields are volatile so that wait conditions read them without it. Order: a handle is
 * started outside {@code i_data_sem}, page locks of writeback and the filesystem's own lock, never
 * inside them (reserved handles excepted).
 */
@KernelSource("fs/jbd2/transaction.c")
public final class Transaction {
    /** {@code t_state}, the part modelled. */
    public enum State { T_RUNNING, T_LOCKED }

    /** {@code handle_t}: one task's bracket around an operation on the running transaction. */
    public static final class Handle {
        private final Transaction owner;
        private final int tid;
        private final Task task;
        private int ref = 1; // h_ref; only its task touches it

        private Handle(Transaction owner, int tid, Task task) {
            this.owner = owner;
            this.tid = tid;
            this.task = task;
        }

        /** {@code h_transaction->t_tid}: the transaction the handle's changes belong to. */
        public int tid() {
            return tid;
        }

        @Override
        public String toString() {
            return "handle of " + task + " on transaction " + tid;
        }
    }

    /**
     * A {@code struct jbd2_inode} on the transaction's {@code t_inode_list}: an inode whose newly
     * allocated blocks the transaction maps, and the byte range ({@code i_dirty_start}..
     * {@code i_dirty_end}, inclusive) whose data must reach the disk before its commit record.
     */
    public static final class Jbd2Inode {
        private final Object inode;
        private long dirtyStart;
        private long dirtyEnd;

        private Jbd2Inode(Object inode, long start, long end) {
            this.inode = inode;
            this.dirtyStart = start;
            this.dirtyEnd = end;
        }

        /** The filesystem's inode. */
        public Object inode() {
            return inode;
        }

        public long dirtyStart() {
            return dirtyStart;
        }

        public long dirtyEnd() {
            return dirtyEnd;
        }
    }

    private final Kernel k;
    private final String dev;
    private final List<Jbd2Inode> inodeList = new ArrayList<>(); // t_inode_list; stateLock
    private final SpinLock stateLock;
    private volatile int tid;              // t_tid of the running transaction
    private volatile State state = State.T_RUNNING;
    private volatile int updates;          // t_updates
    private final List<Task> holders = new ArrayList<>(); // tasks with a handle on it; stateLock
    private volatile List<Task> holdersView = List.of();  // a copy of holders, published under stateLock
    private volatile long startedNs = -1;  // when its first handle started (t_start), -1 if none yet
    private volatile Task committer;       // who locked it, while locked
    private final WaitQueue waitUpdates;           // j_wait_updates
    private final WaitQueue waitTransactionLocked; // j_wait_transaction_locked
    private final BooleanSupplier fullCheck;
    private final IntSupplier nextTid;
    private volatile Runnable startCommit = () -> { };
    private Handle noTask;                 // the handle of code running outside any task (mount)

    /**
     * @param nextTid   the journal's next transaction id ({@code j_transaction_sequence}): the running
     *                  transaction's at first, and after each commit unless it is behind
     * @param fullCheck whether the running transaction has grown to its limit
     */
    public Transaction(Kernel k, String dev, IntSupplier nextTid, BooleanSupplier fullCheck) {
        this.k = k;
        this.dev = dev;
        this.nextTid = nextTid;
        this.tid = nextTid.getAsInt();
        this.fullCheck = fullCheck;
        this.stateLock = new SpinLock(k, "j_state_lock of " + dev);
        this.waitUpdates = new WaitQueue(k);
        this.waitTransactionLocked = new WaitQueue(k);
    }

    /** Who starts a commit when a handle finds the running transaction full ({@code jbd2_log_start_commit}). */
    public void setStartCommit(Runnable r) {
        startCommit = r;
    }

    /** {@code journal_current_handle()}: the current task's handle, or null. */
    public Handle journalCurrentHandle() {
        Task cur = Task.current();
        return cur == null ? noTask : cur.ext(Handle.class);
    }

    /** The tid of the running transaction. */
    public int runningTid() {
        return tid;
    }

    /** When the running transaction's first handle started (kernel clock), or -1. */
    public long runningStartedNs() {
        return startedNs;
    }

    /**
     * {@code jbd2__journal_start()}: the current task's handle, nested if it has one; else a new one
     * on the running transaction, after waiting for a locked transaction to be switched
     * ({@code wait_transaction_locked}), and after asking for the commit of a full one.
     */
    @KernelFunction("jbd2__journal_start")
    public Handle jbd2JournalStart() {
        Handle h = journalCurrentHandle();
        if (h != null) {
            h.ref++;
            return h;
        }
        return setCurrent(startThisHandle(false));
    }

    /**
     * A reserved handle started where the caller may hold page locks (writeback): it joins the
     * transaction even when it is locked or full, as {@code jbd2_journal_start_reserved} does with
     * the credits reserved earlier, so it can never wait for a commit that waits for the page.
     */
    public Handle jbd2JournalStartReserved() {
        Handle h = journalCurrentHandle();
        if (h != null) {
            h.ref++;
            return h;
        }
        return setCurrent(startThisHandle(true));
    }

    private Handle setCurrent(Handle h) {
        Task cur = Task.current();
        if (cur == null) {
            noTask = h;
        } else {
            cur.setExt(Handle.class, h);
        }
        return h;
    }

    /** {@code start_this_handle()}. */
    @KernelFunction("start_this_handle")
    private Handle startThisHandle(boolean reserved) {
        Task cur = Task.current();
        for (;;) {
            stateLock.spinLock();
            if (!reserved && state == State.T_LOCKED) {
                int locked = tid;
                stateLock.spinUnlock();
                waitTransactionLocked(locked);
                continue;
            }
            if (!reserved && fullCheck.getAsBoolean()) {
                // add_transaction_credits: no room; the handles already in it finish, then it commits
                int full = tid;
                stateLock.spinUnlock();
                startCommit.run();
                waitTransactionLocked(full);
                continue;
            }
            updates++;
            if (cur != null) {
                holders.add(cur);
                holdersView = List.copyOf(holders);
            }
            if (startedNs < 0) {
                startedNs = k.sched().clockNs();
            }
            Handle h = new Handle(this, tid, cur);
            stateLock.spinUnlock();
            return h;
        }
    }

    /** {@code wait_transaction_locked()}: until the transaction {@code locked} is no longer running. */
    private void waitTransactionLocked(int locked) {
        waitTransactionLocked.waitEvent(() -> tid != locked, new WaitTarget() {
            @Override
            public String describe() {
                return "transaction " + locked + " of journal " + dev + " locked for commit";
            }

            @Override
            public List<Object> owedBy() {
                Task c = committer;
                return c == null ? List.of() : List.of(c);
            }
        });
    }

    /**
     * {@code jbd2_journal_stop()}: drops a reference; the last one leaves the transaction, waking a
     * commit waiting for its updates.
     */
    @KernelFunction("jbd2_journal_stop")
    public void jbd2JournalStop(Handle h) {
        if (h == null) {
            return;
        }
        k.bugOn(h.owner != this || h != journalCurrentHandle(), "jbd2_journal_stop: not the current task's handle");
        if (--h.ref > 0) {
            return;
        }
        setCurrent(null);
        stateLock.spinLock();
        updates--;
        if (h.task != null) {
            holders.remove(h.task);
            holdersView = List.copyOf(holders);
        }
        boolean last = updates == 0;
        stateLock.spinUnlock();
        if (last) {
            waitUpdates.wakeUpAll();
        }
    }

    /**
     * {@code jbd2_journal_inode_ranges_for_write()}: the data of {@code inode} in [start, end] (bytes,
     * inclusive) is ordered before the commit of the handle's transaction (data=ordered).
     */
    @KernelFunction("jbd2_journal_inode_ranges_for_write")
    public void jbd2JournalInodeRangesForWrite(Handle h, Object inode, long start, long end) {
        if (h == null) {
            return;
        }
        stateLock.spinLock();
        try {
            for (Jbd2Inode j : inodeList) {
                if (j.inode == inode) {
                    j.dirtyStart = Math.min(j.dirtyStart, start);
                    j.dirtyEnd = Math.max(j.dirtyEnd, end);
                    return;
                }
            }
            inodeList.add(new Jbd2Inode(inode, start, end));
        } finally {
            stateLock.spinUnlock();
        }
    }

    /**
     * The locked transaction's {@code t_inode_list}, for its commit's data writeout
     * ({@code journal_submit_data_buffers}); taken by the commit, so the list starts empty again.
     */
    public List<Jbd2Inode> takeInodeList() {
        stateLock.spinLock();
        List<Jbd2Inode> l = List.copyOf(inodeList);
        inodeList.clear();
        stateLock.spinUnlock();
        return l;
    }

    /**
     * The first phase of {@code jbd2_journal_commit_transaction()}: the running transaction is locked
     * ({@code T_LOCKED}: no new handle joins it) and the commit waits for its handles to stop
     * ({@code jbd2_journal_wait_updates}). The caller must hold no handle.
     *
     * @return the tid of the locked transaction
     */
    @KernelFunction("jbd2_journal_wait_updates")
    public int lockForCommit() {
        k.bugOn(journalCurrentHandle() != null, "JBD2: commit by a task holding a handle");
        stateLock.spinLock();
        state = State.T_LOCKED;
        committer = Task.current();
        int locked = tid;
        stateLock.spinUnlock();
        waitUpdates.waitEvent(() -> updates == 0, new WaitTarget() {
            @Override
            public String describe() {
                return "t_updates of transaction " + locked + " of journal " + dev;
            }

            @Override
            public List<Object> owedBy() { // the watchdog's thread: no kernel lock, the published copy
                return List.copyOf(holdersView);
            }
        });
        return locked;
    }

    /**
     * The end of the commit: the next transaction runs ({@code jbd2_get_transaction}) and the handles
     * waiting for the switch go on.
     */
    public void switchRunning() {
        int next = Math.max(tid + 1, nextTid.getAsInt());
        stateLock.spinLock();
        tid = next;
        state = State.T_RUNNING;
        startedNs = -1;
        committer = null;
        stateLock.spinUnlock();
        waitTransactionLocked.wakeUpAll();
    }
}

package org.faultline.fs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.faultline.kernel.Completion;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.SpinLock;
import org.faultline.kernel.Task;
import org.faultline.kernel.TaskKind;
import org.faultline.kernel.WaitQueue;
import org.faultline.mm.BackingDev;
import org.faultline.mm.DirtyLimits;
import org.faultline.mm.Filemap;
import org.faultline.mm.PageWriteback;
import org.faultline.mm.WritebackControl;

/**
 * Inode writeback for one device ({@code struct bdi_writeback}, fs/fs-writeback.c): the dirty inode
 * list, the work queue, and the flusher that runs {@code wb_workfn} → {@code wb_writeback} →
 * {@code writeback_sb_inodes} → {@code __writeback_single_inode} → {@code do_writepages}.
 *
 * <p>Work: background (while dirty pages exceed the background threshold, chunks of
 * {@value #MAX_WRITEBACK_PAGES} pages), periodic ("kupdate": inodes dirty longer than
 * {@code dirty_expire}, every {@code dirty_writeback_interval} of kernel time — under control,
 * timers fire only when every task sleeps), and sync (WB_SYNC_ALL from sync/umount, waited for).
 *
 * <p>{@code listLock} protects {@code bDirty} and each inode's {@code state} dirty bits and
 * {@code dirtiedWhen}; {@code workLock} protects {@code works}.
 */
@KernelSource("fs/fs-writeback.c")
public final class FsWriteback implements BackingDev.Flusher {
    /** MAX_WRITEBACK_PAGES. */
    public static final int MAX_WRITEBACK_PAGES = 1024;
    /** dirty_writeback_interval: 5 s. */
    public static final long DIRTY_WRITEBACK_INTERVAL_NS = 5_000_000_000L;
    /** dirty_expire_interval: 30 s. */
    public static final long DIRTY_EXPIRE_INTERVAL_NS = 30_000_000_000L;

    /** A queued {@code struct wb_writeback_work}. */
    private record Work(WritebackControl.SyncMode mode, boolean background, Completion done) {
    }

    private final SuperBlock sb;
    private final Kernel k;
    private final SpinLock listLock;
    private final List<Inode> bDirty = new ArrayList<>();   // dirtied_when order; listLock
    private final SpinLock workLock;
    private final ArrayDeque<Work> works = new ArrayDeque<>(); // workLock
    private final WaitQueue wait;
    private volatile boolean stop;
    private volatile boolean pending;
    private Task flusher;
    private long pagesWritten;

    FsWriteback(SuperBlock sb) {
        this.sb = sb;
        this.k = sb.kernel();
        this.listLock = new SpinLock(k, "wb->list_lock of " + sb.id());
        this.workLock = new SpinLock(k, "wb->work_lock of " + sb.id());
        this.wait = new WaitQueue(k);
        sb.bdi().setFlusher(this);
    }

    /** Starts the flusher kthread ({@code kworker/u8:N} running wb_workfn for this device). */
    public void start() {
        flusher = k.spawn("kworker/u8:" + sb.id(), TaskKind.KTHREAD, this::wbWorkfn);
    }

    /** Stops the flusher (at unmount); pending work is done first. */
    public void stop() {
        stop = true;
        wait.wakeUpAll();
    }

    public Task flusher() {
        return flusher;
    }

    /** Pages this flusher wrote. */
    public long pagesWritten() {
        return pagesWritten;
    }

    /**
     * __mark_inode_dirty(): sets the dirty bits; an inode becoming dirty goes on the dirty list with
     * its {@code dirtied_when}.
     */
    @KernelFunction("__mark_inode_dirty")
    void markInodeDirty(Inode inode, int flags) {
        if ((inode.state & flags) == flags) {
            return;
        }
        listLock.spinLock();
        boolean wasDirty = (inode.state & Inode.I_DIRTY) != 0;
        inode.state |= flags;
        if (!wasDirty && (inode.state & Inode.I_FREEING) == 0) {
            inode.dirtiedWhen = k.sched().clockNs();
            bDirty.remove(inode);
            bDirty.add(inode);
        }
        listLock.spinUnlock();
    }

    /** wb_start_background_writeback() (the BackingDev hook balance_dirty_pages and reclaim use). */
    @Override
    public void startBackgroundWriteback() {
        queue(new Work(WritebackControl.SyncMode.WB_SYNC_NONE, true, null));
    }

    /** writeback_inodes_sb(): WB_SYNC_NONE of everything, waited for. */
    public void writebackInodesSb() {
        Completion c = new Completion(k, "writeback_inodes_sb").owedBy(flusher);
        queue(new Work(WritebackControl.SyncMode.WB_SYNC_NONE, false, c));
        c.waitForCompletion();
    }

    /** sync_inodes_sb(): WB_SYNC_ALL of every dirty inode, waited for. */
    public void syncInodesSb() {
        Completion c = new Completion(k, "sync_inodes_sb").owedBy(flusher);
        queue(new Work(WritebackControl.SyncMode.WB_SYNC_ALL, false, c));
        c.waitForCompletion();
    }

    private void queue(Work w) {
        if (stop) { // the flusher is gone (unmounted): nothing left to write
            if (w.done() != null) {
                w.done().complete();
            }
            return;
        }
        workLock.spinLock();
        works.addLast(w);
        pending = true;
        workLock.spinUnlock();
        wait.wakeUp();
    }

    private Work nextWork() {
        workLock.spinLock();
        Work w = works.pollFirst();
        pending = !works.isEmpty();
        workLock.spinUnlock();
        return w;
    }

    /** wb_workfn(): does queued work; on timeout, periodic writeback of expired inodes. */
    private void wbWorkfn() {
        Task self = Task.current();
        for (;;) {
            if (!pending && !stop && !self.kthreadShouldStop()) {
                boolean woken = wait.waitEventTimeout(() -> pending || stop || self.kthreadShouldStop(),
                        DIRTY_WRITEBACK_INTERVAL_NS, () -> "writeback work or the kupdate timer");
                if (!woken && hasDirty()) {
                    wbWriteback(WritebackControl.SyncMode.WB_SYNC_NONE, false, true); // wb_check_old_data_flush
                }
            }
            Work w;
            while ((w = nextWork()) != null) {
                wbWriteback(w.mode(), w.background(), false);
                if (w.done() != null) {
                    w.done().complete();
                }
            }
            if ((stop || self.kthreadShouldStop()) && !pending) {
                return;
            }
        }
    }

    private boolean hasDirty() {
        listLock.spinLock();
        boolean d = !bDirty.isEmpty();
        listLock.spinUnlock();
        return d;
    }

    /**
     * wb_writeback(): repeatedly takes the dirty inodes (queue_io) and writes them
     * (writeback_sb_inodes); background work stops once under the background threshold.
     */
    @KernelFunction("wb_writeback")
    private void wbWriteback(WritebackControl.SyncMode mode, boolean background, boolean kupdate) {
        DirtyLimits d = sb.mm().dirtyLimits();
        for (int pass = 0; pass < 64; pass++) {
            if (background && d.nrDirty() + d.nrWriteback() <= d.bgThresh() && pass > 0) {
                return;
            }
            List<Inode> io = queueIo(kupdate);
            if (io.isEmpty()) {
                return;
            }
            for (Inode inode : io) {
                WritebackControl wbc = new WritebackControl();
                wbc.syncMode = mode;
                wbc.nrToWrite = mode == WritebackControl.SyncMode.WB_SYNC_ALL ? Long.MAX_VALUE : MAX_WRITEBACK_PAGES;
                wbc.forBackground = background;
                wbc.forKupdate = kupdate;
                wbc.rangeCyclic = mode == WritebackControl.SyncMode.WB_SYNC_NONE;
                long before = wbc.nrToWrite;
                writebackSingleInode(inode, wbc);
                pagesWritten += before - wbc.nrToWrite;
                k.sched().condResched();
            }
            if (mode == WritebackControl.SyncMode.WB_SYNC_ALL) {
                return; // one pass over everything dirty at the start
            }
        }
    }

    /** queue_io(): the dirty inodes to write now (kupdate: only those dirty longer than dirty_expire). */
    private List<Inode> queueIo(boolean kupdate) {
        long now = k.sched().clockNs();
        List<Inode> io = new ArrayList<>();
        listLock.spinLock();
        for (Inode i : bDirty) {
            if (!kupdate || now - i.dirtiedWhen >= DIRTY_EXPIRE_INTERVAL_NS) {
                io.add(i);
            }
        }
        listLock.spinUnlock();
        return io;
    }

    /**
     * __writeback_single_inode(): clears the inode's dirty bits, writes its pages, waits for them under
     * WB_SYNC_ALL, writes the inode if its metadata was dirty, and requeues it if still dirty.
     */
    @KernelFunction("__writeback_single_inode")
    int writebackSingleInode(Inode inode, WritebackControl wbc) {
        listLock.spinLock();
        if ((inode.state & Inode.I_SYNC) != 0) {
            listLock.spinUnlock();
            return 0; // someone else is writing it
        }
        int dirty = inode.state & Inode.I_DIRTY;
        inode.state = (inode.state & ~Inode.I_DIRTY) | Inode.I_SYNC;
        bDirty.remove(inode);
        listLock.spinUnlock();
        int ret = PageWriteback.doWritepages(inode.mapping(), wbc);
        if (wbc.syncAllMode()) {
            Filemap.filemapFdatawaitRangeKeepErrors(inode.mapping(), 0, Long.MAX_VALUE);
        }
        if ((dirty & Inode.I_DIRTY_INODE) != 0 && sb.sop() != null) {
            int err = sb.sop().writeInode(inode, wbc);
            if (ret == 0) {
                ret = err;
            }
        }
        listLock.spinLock();
        inode.state &= ~Inode.I_SYNC;
        if (inode.mapping().tagged(org.faultline.mm.AddressSpace.PAGECACHE_TAG_DIRTY)) {
            inode.state |= Inode.I_DIRTY_PAGES; // redirtied meanwhile, or nr_to_write ran out
        }
        if ((inode.state & Inode.I_DIRTY) != 0 && !bDirty.contains(inode)) {
            bDirty.add(inode); // requeue_inode
        }
        listLock.spinUnlock();
        return ret;
    }

    /** Forgets an inode being evicted. */
    void removeInode(Inode inode) {
        listLock.spinLock();
        bDirty.remove(inode);
        inode.state |= Inode.I_FREEING;
        listLock.spinUnlock();
    }
}

package org.faultline.mm;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Dirty page accounting and thresholds (mm/page-writeback.c: {@code global_dirty_limits},
 * {@code NR_FILE_DIRTY}, {@code NR_WRITEBACK}): the dirty and background thresholds are
 * {@code vm.dirty_ratio} and {@code vm.dirty_background_ratio} percent of the memory available for
 * page cache (free pages plus file LRU pages).
 */
public final class DirtyLimits {
    private final Mm mm;
    private final int ratio;
    private final int backgroundRatio;
    private final AtomicLong nrDirty = new AtomicLong();
    private final AtomicLong nrWriteback = new AtomicLong();
    private final AtomicLong dirtied = new AtomicLong();
    private final AtomicLong written = new AtomicLong();

    DirtyLimits(Mm mm, int ratio, int backgroundRatio) {
        this.mm = mm;
        this.ratio = ratio;
        this.backgroundRatio = backgroundRatio;
    }

    /** global_dirtyable_memory(). */
    long dirtyableMemory() {
        long file = 0;
        for (MemCgroup m : mm.memcgs()) {
            file += m.lruvec.fileSize();
        }
        return mm.allocator().nrFree() + file;
    }

    /** The dirty threshold, in pages. */
    public long thresh() {
        return Math.max(1, dirtyableMemory() * ratio / 100);
    }

    /** The background threshold, in pages. */
    public long bgThresh() {
        return Math.max(1, dirtyableMemory() * backgroundRatio / 100);
    }

    /** NR_FILE_DIRTY. */
    public long nrDirty() {
        return nrDirty.get();
    }

    /** NR_WRITEBACK. */
    public long nrWriteback() {
        return nrWriteback.get();
    }

    /** Pages dirtied since boot (NR_DIRTIED). */
    public long dirtied() {
        return dirtied.get();
    }

    /** Pages whose writeback completed since boot (NR_WRITTEN). */
    public long written() {
        return written.get();
    }

    /** account_page_dirtied(). */
    void accountPageDirtied(Page p) {
        nrDirty.incrementAndGet();
        dirtied.incrementAndGet();
    }

    /** account_page_cleaned() / the dirty-count half of clear_page_dirty_for_io. */
    void accountPageCleaned(Page p) {
        nrDirty.decrementAndGet();
    }

    void incWriteback() {
        nrWriteback.incrementAndGet();
    }

    void decWriteback() {
        nrWriteback.decrementAndGet();
        written.incrementAndGet();
    }
}

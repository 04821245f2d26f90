package org.faultline.mm;

/**
 * {@code struct writeback_control} (include/linux/writeback.h): what a writeback pass should write
 * and how. Fields are public, as the struct's are; only the task doing the writeback touches them.
 */
public final class WritebackControl {
    /** Whether writeback must wait for data integrity. */
    public enum SyncMode {
        /** Don't wait on anything: flusher/background writeback. */
        WB_SYNC_NONE,
        /** Wait on every page: fsync, sync. */
        WB_SYNC_ALL
    }

    public long nrToWrite = Long.MAX_VALUE;
    public long pagesSkipped;
    public long rangeStart;
    public long rangeEnd = Long.MAX_VALUE;
    public SyncMode syncMode = SyncMode.WB_SYNC_NONE;
    public boolean taggedWritepages;
    public boolean forKupdate;
    public boolean forBackground;
    public boolean forReclaim;
    public boolean rangeCyclic;

    /** A WB_SYNC_ALL control over a byte range (filemap_fdatawrite_range). */
    public static WritebackControl syncAll(long start, long end) {
        WritebackControl w = new WritebackControl();
        w.syncMode = SyncMode.WB_SYNC_ALL;
        w.rangeStart = start;
        w.rangeEnd = end;
        return w;
    }

    public boolean syncAllMode() {
        return syncMode == SyncMode.WB_SYNC_ALL;
    }

    @Override
    public String toString() {
        return "wbc{" + syncMode + " nr_to_write=" + nrToWrite + " range=" + rangeStart + "-" + rangeEnd
                + (forReclaim ? " for_reclaim" : "") + (forBackground ? " for_background" : "")
                + (rangeCyclic ? " range_cyclic" : "") + "}";
    }
}

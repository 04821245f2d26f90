package org.faultline.mm;

/**
 * {@code struct backing_dev_info} as mm sees it (mm/backing-dev.c): the writeback of the device
 * behind a mapping. The flusher lives in fs/ ({@code fs/fs-writeback.c}); it registers itself here so
 * {@code balance_dirty_pages} can kick background writeback without mm importing fs.
 */
public final class BackingDev {
    /** What fs/ provides: wb_start_background_writeback(). */
    public interface Flusher {
        void startBackgroundWriteback();
    }

    private final String name;
    private volatile Flusher flusher;

    public BackingDev(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public void setFlusher(Flusher f) {
        flusher = f;
    }

    /** wb_start_background_writeback(): no-op until a flusher registers. */
    public void startBackgroundWriteback() {
        Flusher f = flusher;
        if (f != null) {
            f.startBackgroundWriteback();
        }
    }
}

package org.faultline.mm;

import org.faultline.kernel.KernelSource;

/**
 * {@code struct file_ra_state} (include/linux/fs.h): an open file's readahead window — the most
 * recent readahead, {@code size} pages from {@code start}, the last {@code asyncSize} of which are
 * read ahead of need (the page where they begin carries PG_readahead) — and {@code prevPos}, where the
 * previous read ended, to tell sequential reads from random ones. Owned by one open file; like the
 * kernel's, updated without a lock (concurrent readers of one file may spoil each other's window,
 * never the page cache).
 */
@KernelSource("include/linux/fs.h")
public final class FileRaState {
    /** VM_READAHEAD_PAGES: the default {@code read_ahead_kb} of 128 KiB, in pages. */
    public static final int VM_READAHEAD_PAGES = 128 * 1024 / Page.PAGE_SIZE;

    long start;
    int size;
    int asyncSize;
    final int raPages;
    long prevPos = -1;

    /** file_ra_state_init(): {@code raPages} from the backing device (0: no readahead). */
    public FileRaState(int raPages) {
        this.raPages = raPages;
    }

    /** The readahead window's pages at most (the device's {@code read_ahead_kb}). */
    public int raPages() {
        return raPages;
    }
}

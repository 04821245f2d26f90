package org.faultline.mm;

import java.util.ArrayList;
import java.util.List;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;

/**
 * File readahead (mm/readahead.c, the on-demand algorithm of 2.6.23 as 5.x–6.6 keep it): a read
 * that misses the page cache starts a window of pages read in one batch ({@link
 * #pageCacheSyncReadahead}); the page {@code asyncSize} pages before the window's end carries
 * PG_readahead, and a read reaching it starts the next, larger window before it is needed ({@link
 * #pageCacheAsyncReadahead}). Windows begin at 4 × or 2 × the read's size (rounded up to a power of
 * two), grow 4 × then 2 × per step, up to {@link FileRaState#raPages}; a read neither at the file's
 * start nor following the previous one reads only what it asked for.
 *
 * <p>The pages are allocated and inserted (locked) first, then handed to the filesystem's
 * {@code ->readahead} in one call, which builds as few bios as the block layout allows.
 *
 * <p>Deviations: the block plug around {@code read_pages} is the filesystem's, in its
 * {@code ->readahead} (mm knows no block layer here); no large folios ({@code page_cache_ra_order}
 * reads order-0 pages); no {@code io_pages} limit above {@code ra_pages}; no readahead on page faults
 * ({@code do_sync_mmap_readahead}).
 */
@KernelSource("mm/readahead.c")
public final class Readahead {
    private Readahead() {
    }

    /**
     * page_cache_sync_readahead(): {@code index} missed the cache; read it and perhaps more.
     *
     * @param reqCount pages the caller's read still wants from {@code index}
     */
    public static void pageCacheSyncReadahead(AddressSpace m, FileRaState ra, long index, long reqCount) {
        if (ra == null || ra.raPages == 0) {
            return;
        }
        ondemandReadahead(m, ra, false, index, reqCount);
    }

    /**
     * page_cache_async_readahead(): the read reached {@code page}, marked PG_readahead: start the
     * next window now. The mark shares its bit with PG_reclaim: a page under writeback is left alone.
     */
    public static void pageCacheAsyncReadahead(AddressSpace m, FileRaState ra, Page page, long index, long reqCount) {
        if (ra == null || ra.raPages == 0 || page.testBit(Page.PG_WRITEBACK)) {
            return;
        }
        page.clearFlag(Page.PG_READAHEAD);
        ondemandReadahead(m, ra, true, index, reqCount);
    }

    /** ondemand_readahead(). */
    @KernelFunction("ondemand_readahead")
    static void ondemandReadahead(AddressSpace m, FileRaState ra, boolean hitMarker, long index, long reqCount) {
        int max = ra.raPages;
        int req = (int) Math.min(Math.max(reqCount, 1), Integer.MAX_VALUE >> 2);
        boolean initial = index == 0;
        if (!initial && (index == ra.start + ra.size - ra.asyncSize || index == ra.start + ra.size)) {
            // the expected next window: sequential; ramp up and push forward
            ra.start += ra.size;
            ra.size = getNextRaSize(ra, max);
            ra.asyncSize = ra.size;
        } else if (!initial && hitMarker) {
            // a marked page without a matching window (interleaved readers): size it from the cache
            long start = nextMiss(m, index + 1, max);
            if (start < 0 || start - index > max) {
                return;
            }
            ra.start = start;
            ra.size = (int) (start - index) + req;
            ra.size = getNextRaSize(ra, max);
            ra.asyncSize = ra.size;
        } else if (initial || req > max || sequentialMiss(ra, index)) {
            // the start of the file, an oversize read, or a sequential cache miss: a new window
            ra.start = index;
            ra.size = getInitRaSize(req, max);
            ra.asyncSize = ra.size > req ? ra.size - req : ra.size;
        } else {
            doPageCacheRa(m, index, req, 0); // a small random read: only what was asked
            return;
        }
        if (!hitMarker && index == ra.start && ra.size == ra.asyncSize) {
            // this read would hit the marker its own window sets: take the next window at once
            int add = getNextRaSize(ra, max);
            if (ra.size + add <= max) {
                ra.asyncSize = add;
                ra.size += add;
            } else {
                ra.size = max;
                ra.asyncSize = max >> 1;
            }
        }
        doPageCacheRa(m, ra.start, ra.size, ra.asyncSize);
    }

    /**
     * Whether {@code index} is at most one page after where the previous read ended — as the kernel
     * computes it, in unsigned arithmetic: a read before the previous one (a backward jump) is not
     * sequential, and neither is a first read ({@code prev_pos} -1).
     */
    private static boolean sequentialMiss(FileRaState ra, long index) {
        long prevIndex = ra.prevPos >>> Page.PAGE_SHIFT; // (unsigned long long)prev_pos >> PAGE_SHIFT
        return Long.compareUnsigned(index - prevIndex, 1) <= 0;
    }

    /** get_init_ra_size(): 1–8 pages asked for read 4 ×, up to a quarter of the max 2 ×, else the max. */
    @KernelFunction("get_init_ra_size")
    static int getInitRaSize(int size, int max) {
        int n = Integer.highestOneBit(Math.max(size, 1));
        if (n < size) {
            n <<= 1; // roundup_pow_of_two
        }
        if (n <= max / 32) {
            return n * 4;
        }
        if (n <= max / 4) {
            return n * 2;
        }
        return max;
    }

    /** get_next_ra_size(): 4 × a small window, 2 × a medium one, the max beyond. */
    @KernelFunction("get_next_ra_size")
    static int getNextRaSize(FileRaState ra, int max) {
        int cur = ra.size;
        if (cur < max / 16) {
            return 4 * cur;
        }
        if (cur <= max / 2) {
            return 2 * cur;
        }
        return max;
    }

    /** page_cache_next_miss(): the first index in [index, index + max) with no page, or -1. */
    private static long nextMiss(AddressSpace m, long index, int max) {
        m.iPages.spinLock();
        try {
            for (long i = index; i < index + max; i++) {
                if (m.lookupLocked(i) == null) {
                    return i;
                }
            }
            return -1;
        } finally {
            m.iPages.spinUnlock();
        }
    }

    /** do_page_cache_ra(): {@code nr} pages from {@code index}, trimmed at EOF. */
    @KernelFunction("do_page_cache_ra")
    static void doPageCacheRa(AddressSpace m, long index, long nr, int lookahead) {
        long isize = m.host().iSize();
        if (isize <= 0) {
            return;
        }
        long endIndex = (isize - 1) >> Page.PAGE_SHIFT;
        if (index > endIndex) {
            return;
        }
        if (nr > endIndex - index + 1) {
            nr = endIndex - index + 1;
        }
        pageCacheRaUnbounded(m, index, (int) nr, lookahead);
    }

    /**
     * page_cache_ra_unbounded(): allocates and inserts the missing pages (locked), marking the one
     * {@code lookahead} pages before the end PG_readahead; a page already cached ends the batch so
     * far, which is read, and the walk goes on after it.
     */
    @KernelFunction("page_cache_ra_unbounded")
    static void pageCacheRaUnbounded(AddressSpace m, long index, int nr, int lookahead) {
        int gfp = m.gfpMask() | Gfp.__GFP_NORETRY; // readahead_gfp_mask(): give up rather than reclaim hard
        List<Page> batch = new ArrayList<>();
        for (int i = 0; i < nr; i++) {
            Page cached = Filemap.findGetPage(m, index + i);
            if (cached != null) {
                m.mm().allocator().putPage(cached);
                readPages(m, batch);
                continue;
            }
            Page p = m.mm().allocator().allocPages(gfp);
            if (p == null) {
                break;
            }
            if (Filemap.addToPageCacheLru(p, m, index + i, gfp) != 0) {
                m.mm().allocator().putPage(p);
                readPages(m, batch);
                continue;
            }
            if (i == nr - lookahead) {
                p.setFlag(Page.PG_READAHEAD);
            }
            batch.add(p);
        }
        readPages(m, batch);
    }

    /**
     * read_pages(): the batch to the filesystem's {@code ->readahead} (each page locked, in the cache,
     * with the batch's reference, which is dropped here once the read is started); then empties it.
     */
    @KernelFunction("read_pages")
    static void readPages(AddressSpace m, List<Page> batch) {
        if (batch.isEmpty()) {
            return;
        }
        m.aops().readahead(List.copyOf(batch));
        for (Page p : batch) {
            m.mm().allocator().putPage(p);
        }
        batch.clear();
    }
}

package org.faultline.mm;

import java.util.List;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Task;

/**
 * Truncation and invalidation of the page cache (mm/truncate.c): {@code truncate_inode_pages_range}
 * removes every page of a byte range — waiting for writeback, unmapping it, letting the filesystem
 * drop its private state — and zeroes the partial pages at the edges;
 * {@code invalidate_mapping_pages} drops only clean, unlocked, unmapped pages.
 */
@KernelSource("mm/truncate.c")
public final class Truncate {
    private Truncate() {
    }

    /**
     * truncate_inode_pages_range(): removes pages wholly inside [lstart, lend] (bytes, lend inclusive)
     * and zeroes the parts of the edge pages inside the range.
     *
     * Context: the caller holds i_rwsem (the fs's truncate lock); may sleep.
     */
    public static void truncateInodePagesRange(AddressSpace m, long lstart, long lend) {
        long start = (lstart + Page.PAGE_SIZE - 1) >> Page.PAGE_SHIFT;
        int partialStart = (int) (lstart & (Page.PAGE_SIZE - 1));
        int partialEnd = lend == Long.MAX_VALUE ? 0 : (int) ((lend + 1) & (Page.PAGE_SIZE - 1));
        long end = lend == Long.MAX_VALUE ? Long.MAX_VALUE : (lend + 1) >> Page.PAGE_SHIFT; // exclusive
        MemMap mem = m.mm().memMap();
        if (start < end) {
            forEachLockedPage(m, start, end - 1, p -> truncateCompletePage(m, p));
        }
        if (partialStart != 0) {
            Page p = Filemap.findLockPage(m, start - 1);
            if (p != null) {
                int top = Page.PAGE_SIZE;
                if (start > end) { // truncation within a single page
                    top = partialEnd;
                    partialEnd = 0;
                }
                Filemap.waitOnPageWriteback(p);
                mem.zero(p, partialStart, top - partialStart);
                if (p.hasPrivate()) {
                    m.aops().invalidatepage(p, partialStart, top - partialStart);
                }
                Filemap.unlockPage(p);
                m.mm().allocator().putPage(p);
            }
        }
        if (partialEnd != 0) {
            Page p = Filemap.findLockPage(m, end);
            if (p != null) {
                Filemap.waitOnPageWriteback(p);
                mem.zero(p, 0, partialEnd);
                if (p.hasPrivate()) {
                    m.aops().invalidatepage(p, 0, partialEnd);
                }
                Filemap.unlockPage(p);
                m.mm().allocator().putPage(p);
            }
        }
    }

    /** pagevec_lookup_range(): up to PAGEVEC_SIZE cached pages in [start, end], each referenced. */
    private static List<Page> findGetPagesRange(AddressSpace m, long start, long end) {
        m.iPages.spinLock();
        List<Page> batch = m.rangeLocked(start, end, PageWriteback.PAGEVEC_SIZE);
        for (Page p : batch) {
            p.get();
        }
        m.iPages.spinUnlock();
        return batch;
    }

    /**
     * truncate_pagecache(): after i_size went down to {@code newsize}, unmaps the file beyond it
     * from every mapping — copied-on-write private pages too — removes the cached pages, and
     * unmaps again for pages faulted in meanwhile.
     *
     * Context: i_rwsem held; may sleep.
     */
    public static void truncatePagecache(AddressSpace m, long newsize) {
        long holebegin = (newsize + Page.PAGE_SIZE - 1) >> Page.PAGE_SHIFT;
        Memory.unmapMappingRange(m, holebegin, 0, true);
        truncateInodePages(m, newsize);
        Memory.unmapMappingRange(m, holebegin, 0, true);
    }

    /**
     * truncate_pagecache_range(): for a hole punched in [lstart, lend] (lend inclusive), unmaps the
     * whole pages of the hole from every mapping — a private mapping's copies stay — and removes
     * the cached pages, zeroing the partial ones.
     */
    public static void truncatePagecacheRange(AddressSpace m, long lstart, long lend) {
        long unmapStart = (lstart + Page.PAGE_SIZE - 1) >> Page.PAGE_SHIFT;
        long unmapEnd = (lend + 1) >> Page.PAGE_SHIFT; // exclusive
        if (unmapEnd > unmapStart) {
            Memory.unmapMappingRange(m, unmapStart, unmapEnd - unmapStart, false);
        }
        truncateInodePagesRange(m, lstart, lend);
    }

    /**
     * pagecache_isize_extended(): i_size of a file of {@code blockSize}-byte blocks grew from
     * {@code from} to {@code to} (a truncate up, a write starting past EOF, a fallocate). Only with blocks smaller than a page, and only when the growth makes a block of the page
     * straddling the old EOF part of the file that had none (a mapping could dirty it without
     * {@code ->page_mkwrite} reserving one), the page is write-protected ({@code page_mkclean},
     * redirtied if a mapping had dirtied it), so the next store into it faults into
     * {@code ->page_mkwrite}. With {@link MmPatch#ZERO_EOF_FOLIO_ON_SIZE_EXTENSION} (6.13) a dirty page
     * is also zeroed from the old EOF to the new one or the page's end: what a mapping stored past EOF
     * does not become file data. Without it (6.6) — and with 4 KiB blocks in every release — the bytes
     * stay unless writeback zeroed the tail first (the filesystem's half may zero them).
     *
     * <p>Context: i_size already updated, under {@code i_rwsem}; may sleep (page lock).
     */
    @KernelFunction("pagecache_isize_extended")
    public static void pagecacheIsizeExtended(AddressSpace m, long from, long to, int blockSize) {
        if (from >= to || blockSize >= Page.PAGE_SIZE) {
            return;
        }
        long roundedFrom = (from + blockSize - 1) / blockSize * blockSize;
        if (to <= roundedFrom || (roundedFrom & (Page.PAGE_SIZE - 1)) == 0) {
            return; // the page straddling the old EOF gets no hole block
        }
        Page p = Filemap.findLockPage(m, from >> Page.PAGE_SHIFT);
        if (p == null) {
            return; // not cached: nothing to do
        }
        if (Rmap.pageMkclean(p) > 0) {
            PageWriteback.setPageDirty(p); // see clear_page_dirty_for_io
        }
        if (m.mm().kernel().has(MmPatch.ZERO_EOF_FOLIO_ON_SIZE_EXTENSION) && p.dirty()) {
            int off = (int) (from & (Page.PAGE_SIZE - 1));
            long pageEnd = (from | (Page.PAGE_SIZE - 1)) + 1;
            m.mm().memMap().zero(p, off, (int) (Math.min(to, pageEnd) - from));
        }
        Filemap.unlockPage(p);
        m.mm().allocator().putPage(p);
    }

    /** truncate_inode_pages(): from {@code lstart} to the end. */
    public static void truncateInodePages(AddressSpace m, long lstart) {
        truncateInodePagesRange(m, lstart, Long.MAX_VALUE);
    }

    /** truncate_complete_page(): unmap, invalidate private state, cancel dirty, delete. Context: page locked. */
    private static void truncateCompletePage(AddressSpace m, Page p) {
        if (p.mapped()) {
            Rmap.unmapMappingPage(p);
        }
        if (p.hasPrivate()) {
            m.aops().invalidatepage(p, 0, Page.PAGE_SIZE);
        }
        cancelDirtyPage(m, p);
        Filemap.deleteFromPageCache(p);
    }

    /** cancel_dirty_page(): a dirty page being truncated is accounted clean. */
    static void cancelDirtyPage(AddressSpace m, Page p) {
        if (p.testClearDirty()) {
            m.mm().dirtyLimits().accountPageCleaned(p);
        }
    }

    /**
     * cancel_dirty_page() for a page-cache page whose dirtiness no longer matters (its buffers were
     * all clean: try_to_free_buffers). Clears the DIRTY tag too. Context: page locked.
     */
    public static void cancelDirtyPageLocked(Page p) {
        AddressSpace m = p.mapping();
        if (m != null && p.testClearDirty()) {
            m.mm().dirtyLimits().accountPageCleaned(p);
            m.iPages.spinLock();
            m.tagClearLocked(p.index(), AddressSpace.PAGECACHE_TAG_DIRTY);
            m.iPages.spinUnlock();
        }
    }

    /**
     * invalidate_mapping_pages(): drops clean, unlocked, unmapped pages of [start, end] (page
     * indices) — what is left is busy.
     *
     * @return pages dropped
     */
    public static long invalidateMappingPages(AddressSpace m, long start, long end) {
        long dropped = 0;
        long index = start;
        while (index <= end) {
            List<Page> batch = findGetPagesRange(m, index, end);
            if (batch.isEmpty()) {
                break;
            }
            for (Page p : batch) {
                index = p.index() + 1;
                if (!Filemap.trylockPage(p)) {
                    m.mm().allocator().putPage(p);
                    continue;
                }
                if (p.mapping() == m && !p.dirty() && !p.writeback() && !p.mapped()
                        && (!p.hasPrivate() || Vmscan.tryToReleasePage(p, Gfp.GFP_KERNEL))) {
                    // invalidate_complete_page: only the cache's reference and ours may remain
                    m.iPages.spinLock();
                    boolean ok = p.count() == 2 && !p.testBit(Page.PG_DIRTY);
                    if (ok) {
                        Filemap.deleteFromPageCacheLocked(p);
                    }
                    m.iPages.spinUnlock();
                    if (ok) {
                        m.mm().allocator().putPage(p); // the cache's reference
                        dropped++;
                    }
                }
                Filemap.unlockPage(p);
                m.mm().allocator().putPage(p);
            }
        }
        return dropped;
    }

    /**
     * invalidate_inode_pages2_range(): removes the pages of [start, end] (page indices) from the
     * cache — unmapped first from every mapping that shares them (a private mapping's copies stay),
     * waited on if under writeback — so that reads and faults after a direct write see the disk.
     * A page that is dirty (or whose private state cannot be released) stays.
     *
     * Context: may sleep (page lock, writeback).
     * @return 0, or -EBUSY if a page could not be invalidated
     */
    public static int invalidateInodePages2Range(AddressSpace m, long start, long end) {
        int[] ret = {0};
        forEachLockedPage(m, start, end, p -> {
            if (p.mapped()) {
                Rmap.unmapMappingPage(p); // unmap_mapping_folio: the PTE's dirtiness reaches the page
            }
            if (!invalidateCompletePage2(m, p)) {
                ret[0] = -16; // -EBUSY
            }
        });
        return ret[0];
    }

    /**
     * The walk truncate and invalidate_inode_pages2 share: each cached page of [start, end] (page
     * indices), referenced and locked, still in {@code m}, writeback waited for, is handed to
     * {@code action}; cond_resched() after each batch.
     */
    private static void forEachLockedPage(AddressSpace m, long start, long end, java.util.function.Consumer<Page> action) {
        long index = start;
        while (index <= end) {
            List<Page> batch = findGetPagesRange(m, index, end);
            if (batch.isEmpty()) {
                break;
            }
            for (Page p : batch) {
                index = p.index() + 1;
                Filemap.lockPage(p);
                if (p.mapping() == m) {
                    Filemap.waitOnPageWriteback(p);
                    action.accept(p);
                }
                Filemap.unlockPage(p);
                m.mm().allocator().putPage(p);
            }
            Task.current().kernel().sched().condResched();
        }
    }

    /** invalidate_complete_folio2(): a clean page whose private state can go leaves the cache. Context: page locked. */
    private static boolean invalidateCompletePage2(AddressSpace m, Page p) {
        if (p.hasPrivate() && !Vmscan.tryToReleasePage(p, Gfp.GFP_KERNEL)) {
            return false;
        }
        m.iPages.spinLock();
        boolean clean = !p.testBit(Page.PG_DIRTY);
        if (clean) {
            Filemap.deleteFromPageCacheLocked(p);
        }
        m.iPages.spinUnlock();
        if (clean) {
            m.mm().allocator().putPage(p); // the cache's reference
        }
        return clean;
    }
}

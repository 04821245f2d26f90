package org.faultline.mm;

import java.util.ArrayList;
import java.util.List;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Task;

/**
 * Writing back dirty pages at the address_space level (mm/page-writeback.c): dirtying
 * ({@code set_page_dirty}, {@code set_page_dirty_lock}), cleaning for I/O
 * ({@code clear_page_dirty_for_io} with {@code page_mkclean}), the writeback flag with its tags,
 * {@code write_cache_pages} with its {@code BUG_ON(PageWriteback)}, {@code do_writepages}, and dirty
 * throttling ({@code balance_dirty_pages}).
 *
 * <p>{@link #writeCachePages} models the 4.x–5.x function (before the 2024 {@code writeback_iter}
 * rewrite, which keeps the same per-page protocol).
 */
@KernelSource("mm/page-writeback.c")
public final class PageWriteback {
    /** PAGEVEC_SIZE. */
    public static final int PAGEVEC_SIZE = 15;
    /** WRITEBACK_TAG_BATCH. */
    public static final int WRITEBACK_TAG_BATCH = 4096;

    private PageWriteback() {
    }

    private static Kernel k() {
        return Task.current().kernel();
    }

    // ------------------------------------------------------------ dirtying

    /**
     * set_page_dirty(): a page-cache page is dirtied through its mapping's {@code ->set_page_dirty};
     * an anonymous page just gets PG_dirty.
     *
     * @return true if this call dirtied it
     */
    public static boolean setPageDirty(Page p) {
        AddressSpace m = p.mapping();
        if (m != null) {
            k().vmWarnInvariant(p.cleanedSinceMkwrite && !p.testBit(Page.PG_DIRTY),
                    () -> "page dirtied without page_mkwrite since it was cleaned: " + p.describe() + ", flags "
                            + p.flagsString()
                            + "\n(writeback cleaned and write-protected it; it was written again with no ->page_mkwrite or"
                            + " ->write_begin, so the filesystem reserved nothing for it)");
            return m.aops().setPageDirty(p);
        }
        if (!p.dirty()) {
            return !p.testSetFlag(Page.PG_DIRTY);
        }
        return false;
    }

    /**
     * __set_page_dirty_nobuffers(): sets PG_dirty and, if the page is still in its mapping, tags it
     * DIRTY, accounts it and marks the inode dirty. The generic {@code ->set_page_dirty} for
     * mappings without buffers.
     */
    @KernelFunction("__set_page_dirty_nobuffers")
    public static boolean setPageDirtyNobuffers(Page p) {
        if (p.testSetFlag(Page.PG_DIRTY)) {
            return false;
        }
        AddressSpace m = p.mapping();
        if (m == null) {
            return true;
        }
        m.iPages.spinLock();
        if (p.mapping() == m) { // not truncated meanwhile
            m.mm().dirtyLimits().accountPageDirtied(p);
            m.tagSetLocked(p.index(), AddressSpace.PAGECACHE_TAG_DIRTY);
        }
        m.iPages.spinUnlock();
        m.host().markInodeDirtyPages();
        return true;
    }

    /**
     * set_page_dirty_lock(): lock_page, set_page_dirty, unlock_page — as direct I/O completion uses it.
     * It makes no {@code ->page_mkwrite} call and does not check for buffers (the root of bug 1).
     *
     * <p>With {@link MmPatch#SET_PAGE_DIRTY_LOCK_SIMULATES_FAULT} (Jan Kara's
     * proposal, Jan 2018: "'simulate' a writeable page fault in set_page_dirty_lock()") a file page
     * first goes through the filesystem's {@code ->page_mkwrite}, with no VMA, so it gets its buffers
     * and blocks back before it is dirtied.
     */
    public static boolean setPageDirtyLock(Page p) {
        AddressSpace m = p.mapping();
        if (m != null && m.vmOps() != null && m.vmOps().hasPageMkwrite()
                && k().has(MmPatch.SET_PAGE_DIRTY_LOCK_SIMULATES_FAULT)) {
            VmFault vmf = new VmFault(p);
            p.cleanedSinceMkwrite = false; // the filesystem is told of the write
            int r = m.vmOps().pageMkwrite(vmf);
            if ((r & Memory.VM_FAULT_LOCKED) != 0) {
                boolean d = setPageDirty(p);
                Filemap.unlockPage(p);
                return d;
            }
            if ((r & (Memory.VM_FAULT_ERROR | Memory.VM_FAULT_NOPAGE)) != 0) {
                return false; // truncated or no space: the data has nowhere to go
            }
        }
        Filemap.lockPage(p);
        boolean r = setPageDirty(p);
        Filemap.unlockPage(p);
        return r;
    }

    /**
     * clear_page_dirty_for_io(): with the page locked, write-protects its mappings
     * ({@code page_mkclean}, redirtying the page if any PTE was dirty) and test-and-clears PG_dirty.
     * The DIRTY tag stays until writeback starts.
     *
     * @return true if the page was dirty
     */
    public static boolean clearPageDirtyForIo(Page p) {
        Kernel k = k();
        k.bugOn(!p.locked(), "VM_BUG_ON_PAGE(!PageLocked(page)) in clear_page_dirty_for_io");
        AddressSpace m = p.mapping();
        if (m != null) {
            if (Rmap.pageMkclean(p) > 0) {
                setPageDirty(p);
            }
            if (p.testClearDirty()) {
                m.mm().dirtyLimits().accountPageCleaned(p);
                p.cleanedSinceMkwrite = true;
                return true;
            }
            return false;
        }
        return p.testClearDirty();
    }

    // ------------------------------------------------------------ the writeback flag

    /**
     * __test_set_page_writeback(): sets PG_writeback and the WRITEBACK tag, drops the DIRTY tag if
     * the page is clean and (unless {@code keepWrite}) the TOWRITE tag, under the i_pages lock. The
     * setting task owes the writeback's end until a bio takes the page.
     *
     * @return the old PG_writeback
     */
    @KernelFunction("__test_set_page_writeback")
    public static boolean testSetPageWriteback(Page p, boolean keepWrite) {
        AddressSpace m = p.mapping();
        boolean ret;
        if (m != null) {
            m.iPages.spinLock();
            ret = p.testSetFlag(Page.PG_WRITEBACK);
            if (!ret) {
                m.tagSetLocked(p.index(), AddressSpace.PAGECACHE_TAG_WRITEBACK);
                if (!p.testBit(Page.PG_DIRTY)) {
                    m.tagClearLocked(p.index(), AddressSpace.PAGECACHE_TAG_DIRTY);
                }
                if (!keepWrite) {
                    m.tagClearLocked(p.index(), AddressSpace.PAGECACHE_TAG_TOWRITE);
                }
            }
            m.iPages.spinUnlock();
        } else {
            ret = p.testSetFlag(Page.PG_WRITEBACK);
        }
        if (!ret) {
            p.setBitOwner(Page.PG_WRITEBACK, Task.current());
            p.memory().dirtyLimits().incWriteback();
            if (k().tracing()) {
                k().trace("writeback_set pfn=" + p.pfn());
            }
        }
        return ret;
    }

    /** set_page_writeback(). */
    public static void setPageWriteback(Page p) {
        testSetPageWriteback(p, false);
    }

    /** set_page_writeback_keepwrite(). */
    public static void setPageWritebackKeepwrite(Page p) {
        testSetPageWriteback(p, true);
    }

    /** test_clear_page_writeback(): clears PG_writeback and its tag; returns the old bit. */
    public static boolean testClearPageWriteback(Page p) {
        AddressSpace m = p.mapping();
        if (m != null) {
            m.iPages.spinLock();
        }
        boolean ret = testClearPageWritebackLocked(p);
        if (m != null) {
            m.iPages.spinUnlock();
        }
        return ret;
    }

    /** test_clear_page_writeback() body. Context: the mapping's i_pages held, if it has one. */
    static boolean testClearPageWritebackLocked(Page p) {
        AddressSpace m = p.mapping();
        if (m != null) {
            m.iPages.assertHeld();
        }
        boolean ret = p.testClearFlag(Page.PG_WRITEBACK);
        if (ret) {
            if (m != null) {
                m.tagClearLocked(p.index(), AddressSpace.PAGECACHE_TAG_WRITEBACK);
            }
            p.setBitOwner(Page.PG_WRITEBACK, null);
            p.memory().dirtyLimits().decWriteback();
            if (k().tracing()) {
                k().trace("writeback_clear pfn=" + p.pfn());
            }
        }
        return ret;
    }

    /** tag_pages_for_writeback(): copies the DIRTY tag to TOWRITE over [start, end] (page indices). */
    public static void tagPagesForWriteback(AddressSpace m, long start, long end) {
        long index = start;
        for (;;) {
            m.iPages.spinLock();
            List<Long> idx = m.taggedIndicesLocked(index, end, AddressSpace.PAGECACHE_TAG_DIRTY, WRITEBACK_TAG_BATCH);
            for (long i : idx) {
                m.tagSetLocked(i, AddressSpace.PAGECACHE_TAG_TOWRITE);
            }
            m.iPages.spinUnlock();
            if (idx.size() < WRITEBACK_TAG_BATCH) {
                return;
            }
            index = idx.get(idx.size() - 1) + 1;
            k().sched().condResched();
        }
    }

    /** The per-page action of write_cache_pages (its {@code writepage_t}). */
    @FunctionalInterface
    public interface Writepage {
        int write(Page p, WritebackControl wbc);
    }

    /**
     * write_cache_pages(): walks the dirty (or, for integrity sync, TOWRITE-tagged) pages of a range
     * and calls {@code writepage} on each, with the page locked, clean for I/O, and — after
     * {@code wait_on_page_writeback} for WB_SYNC_ALL — asserted not under writeback:
     * {@code BUG_ON(PageWriteback(page))}, the site of bug 4.
     *
     * @return 0 or the first error (integrity writeback continues past errors)
     */
    public static int writeCachePages(AddressSpace m, WritebackControl wbc, Writepage writepage) {
        Kernel k = k();
        int ret = 0;
        boolean done = false;
        long index;
        long end;
        boolean rangeWhole = false;
        if (wbc.rangeCyclic) {
            index = m.writebackIndex;
            end = Long.MAX_VALUE;
        } else {
            index = wbc.rangeStart >> Page.PAGE_SHIFT;
            end = wbc.rangeEnd == Long.MAX_VALUE ? Long.MAX_VALUE : wbc.rangeEnd >> Page.PAGE_SHIFT;
            rangeWhole = wbc.rangeStart == 0 && wbc.rangeEnd == Long.MAX_VALUE;
        }
        int tag;
        if (wbc.syncAllMode() || wbc.taggedWritepages) {
            tagPagesForWriteback(m, index, end);
            tag = AddressSpace.PAGECACHE_TAG_TOWRITE;
        } else {
            tag = AddressSpace.PAGECACHE_TAG_DIRTY;
        }
        long doneIndex = index;
        while (!done && index <= end) {
            List<Page> pvec = pagevecLookupRangeTag(m, index, end, tag);
            if (pvec.isEmpty()) {
                break;
            }
            index = pvec.get(pvec.size() - 1).index() + 1;
            for (int i = 0; i < pvec.size(); i++) {
                Page p = pvec.get(i);
                if (done) {
                    break;
                }
                doneIndex = p.index();
                Filemap.lockPage(p);
                if (p.mapping() != m) { // truncated or invalidated
                    Filemap.unlockPage(p);
                    continue;
                }
                if (!p.dirty()) {
                    Filemap.unlockPage(p); // someone wrote it for us
                    continue;
                }
                if (p.writeback()) {
                    if (wbc.syncAllMode()) {
                        Filemap.waitOnPageWriteback(p);
                    } else {
                        Filemap.unlockPage(p);
                        continue;
                    }
                }
                k.bugOn(p.writeback());
                if (!clearPageDirtyForIo(p)) {
                    Filemap.unlockPage(p);
                    continue;
                }
                if (k.tracing()) {
                    k.trace("wbc_writepage pfn=" + p.pfn() + " index=" + p.index());
                }
                int error = writepage.write(p, wbc);
                if (error != 0) {
                    if (error == AddressSpaceOperations.AOP_WRITEPAGE_ACTIVATE) {
                        Filemap.unlockPage(p);
                        error = 0;
                    } else if (!wbc.syncAllMode()) {
                        ret = error;
                        doneIndex = p.index() + 1;
                        done = true;
                        break;
                    } else if (ret == 0) {
                        ret = error;
                    }
                }
                if (--wbc.nrToWrite <= 0 && !wbc.syncAllMode()) {
                    done = true;
                    break;
                }
            }
            putPages(m, pvec);
            k.sched().condResched();
        }
        if (wbc.rangeCyclic || (rangeWhole && wbc.nrToWrite > 0)) {
            m.writebackIndex = done ? doneIndex : 0;
        }
        return ret;
    }

    /** pagevec_lookup_range_tag(): up to PAGEVEC_SIZE tagged pages, referenced. */
    public static List<Page> pagevecLookupRangeTag(AddressSpace m, long index, long end, int tag) {
        List<Page> out = new ArrayList<>();
        m.iPages.spinLock();
        for (long i : m.taggedIndicesLocked(index, end, tag, PAGEVEC_SIZE)) {
            Page p = m.lookupLocked(i);
            if (p != null) {
                p.get();
                out.add(p);
            }
        }
        m.iPages.spinUnlock();
        return out;
    }

    private static void putPages(AddressSpace m, List<Page> pvec) {
        for (Page p : pvec) {
            m.mm().allocator().putPage(p);
        }
    }

    /**
     * generic_writepages(): write_cache_pages with {@code ->writepage}, recording errors on the
     * mapping ({@code __writepage}). Deviation: Linux wraps this in a block plug; mm cannot reach the
     * block layer, so filesystems that want plugging do it in their own {@code ->writepages}.
     */
    public static int genericWritepages(AddressSpace m, WritebackControl wbc) {
        return writeCachePages(m, wbc, (p, w) -> {
            int r = m.aops().writepage(p, w);
            m.mappingSetError(r < 0 ? r : 0);
            return r;
        });
    }

    /** do_writepages(): the mapping's {@code ->writepages}. */
    public static int doWritepages(AddressSpace m, WritebackControl wbc) {
        if (wbc.nrToWrite <= 0) {
            return 0;
        }
        if (k().tracing()) {
            k().trace("writeback_writepages " + m.host().describe() + " " + wbc);
        }
        return m.aops().writepages(m, wbc);
    }

    // ------------------------------------------------------------ throttling

    /**
     * balance_dirty_pages_ratelimited(): when dirty + writeback pages pass the background threshold,
     * kick background writeback; past the dirty threshold, the dirtier sleeps (in steps of 10 ms of
     * kernel time, at most 20 steps) until writeback brings it back under.
     */
    public static void balanceDirtyPagesRatelimited(AddressSpace m) {
        DirtyLimits d = m.mm().dirtyLimits();
        long nr = d.nrDirty() + d.nrWriteback();
        if (nr <= d.bgThresh()) {
            return;
        }
        m.bdi().startBackgroundWriteback();
        for (int i = 0; i < 20 && d.nrDirty() + d.nrWriteback() > d.thresh(); i++) {
            k().trace("balance_dirty_pages dirty=" + d.nrDirty() + " writeback=" + d.nrWriteback()
                    + " thresh=" + d.thresh());
            k().sched().msleep(10); // io_schedule_timeout(pause)
            m.bdi().startBackgroundWriteback();
        }
    }
}

package org.faultline.mm;

import java.util.List;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelPatch;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Task;

/**
 * The generic page cache (mm/filemap.c): lookup, insertion and deletion; page locks and waits on
 * page bits; the end of writeback; the file fault handler; buffered read and write; and the
 * fdatawrite/fdatawait family behind fsync.
 *
 * <p>Era-selected behaviour, at the places upstream changed it:
 * <ul>
 *   <li>{@link #waitOnPageBit} (wait_on_page_bit_common): pre-5.9 recheck-and-loop vs 5.9–5.10 woken-without-recheck
 *       ({@link KernelPatch#PAGE_WAIT_RECHECK}; the mechanism is {@link org.faultline.kernel.BitWait});</li>
 *   <li>{@link #waitOnPageWriteback}: {@code if} vs {@code while} ({@link MmPatch#WAIT_ON_PAGE_WRITEBACK_LOOPS});</li>
 *   <li>{@link #endPageWriteback}: clear then wake; with {@code get_page} around it
 *       ({@link MmPatch#END_PAGE_WRITEBACK_GET_PAGE}); or clear-and-wake under the i_pages lock
 *       ({@link MmPatch#CLEAR_AND_WAKE_ATOMIC}).</li>
 * </ul>
 *
 * <p>Lock ordering (as in the kernel's header comment):
 * <pre>
 *   mmap_sem
 *     page lock            (filemap_fault, write_begin)
 *       i_mmap_rwsem       (page_mkclean, try_to_unmap)
 *       mapping->i_pages   (add/delete, tags, set_page_dirty, test_set_page_writeback)
 *         lru_lock         (lru_cache_add)
 * </pre>
 */
@KernelSource("mm/filemap.c")
public final class Filemap {
    /** VM_FAULT_* bits. */
    public static final int VM_FAULT_OOM = 0x0001;
    public static final int VM_FAULT_SIGBUS = 0x0002;
    public static final int VM_FAULT_NOPAGE = 0x0100;
    public static final int VM_FAULT_LOCKED = 0x0200;
    public static final int VM_FAULT_RETRY = 0x0400;

    private Filemap() {
    }

    private static Mm mm(Page p) {
        return p.memory();
    }

    // ------------------------------------------------------------ page lock and bit waits

    /** lock_page(). Context: may sleep. */
    public static void lockPage(Page p) {
        mm(p).pageWait().lockBit(p, Page.PG_LOCKED);
    }

    /** trylock_page(). */
    public static boolean trylockPage(Page p) {
        return mm(p).pageWait().trylockBit(p, Page.PG_LOCKED);
    }

    /** unlock_page(). */
    public static void unlockPage(Page p) {
        Kernel k = Task.current().kernel();
        k.bugOn(!p.testBit(Page.PG_LOCKED), () -> "VM_BUG_ON_PAGE(!PageLocked(page)): unlock_page of an unlocked " + p);
        mm(p).pageWait().unlockBit(p, Page.PG_LOCKED);
    }

    /** wait_on_page_locked(). */
    public static void waitOnPageLocked(Page p) {
        mm(p).pageWait().waitOnBit(p, Page.PG_LOCKED);
    }

    /** wait_on_page_bit(): the era's semantics (see {@link org.faultline.kernel.BitWait}). */
    public static void waitOnPageBit(Page p, int bit) {
        mm(p).pageWait().waitOnBit(p, bit);
    }

    /**
     * wait_on_page_writeback(): {@code if (PageWriteback) wait_on_page_bit(PG_writeback)}, or since
     * c2407cf7d22d (v5.11) {@code while}, which re-checks after a stale wake-up.
     */
    public static void waitOnPageWriteback(Page p) {
        Kernel k = Task.current().kernel();
        if (k.has(MmPatch.WAIT_ON_PAGE_WRITEBACK_LOOPS)) {
            while (p.writeback()) {
                waitOnPageBit(p, Page.PG_WRITEBACK);
            }
        } else if (p.writeback()) {
            waitOnPageBit(p, Page.PG_WRITEBACK);
        }
    }

    /**
     * end_page_writeback(): rotates a page marked for reclaim, clears PG_writeback and wakes its
     * waiters.
     *
     * <p>Base (≤5.10-rc5): the clear and the wake are separate — between them the page can be
     * re-dirtied and put under writeback again, or freed and reused, and the late wake-up is stale.
     * {@code end-page-writeback-get-page} (073861ed77b6) holds a reference across both;
     * {@code clear-and-wake-atomic} (Hugh's proposal) clears and wakes under the mapping's i_pages
     * lock, which {@link PageWriteback#testSetPageWriteback} also takes.
     *
     * Context: any, including softirq (bio completion).
     */
    public static void endPageWriteback(Page p) {
        Kernel k = Task.current().kernel();
        Mm mm = p.memory();
        if (p.reclaim()) {
            p.clearFlag(Page.PG_RECLAIM);
            mm.vmscan().rotateReclaimablePage(p);
        }
        if (k.has(MmPatch.CLEAR_AND_WAKE_ATOMIC)) {
            AddressSpace m = p.mapping();
            if (m != null) {
                m.iPages.spinLock();
            }
            boolean was = PageWriteback.testClearPageWritebackLocked(p);
            mm.pageWait().wakeUpBit(p, Page.PG_WRITEBACK);
            if (m != null) {
                m.iPages.spinUnlock();
            }
            k.bugOn(!was, () -> "BUG_ON(!PageWriteback(page)) in end_page_writeback for " + p);
            return;
        }
        boolean pin = k.has(MmPatch.END_PAGE_WRITEBACK_GET_PAGE);
        if (pin) {
            p.get();
        }
        k.bugOn(!PageWriteback.testClearPageWriteback(p),
                () -> "BUG: end_page_writeback on a page not under writeback: " + p);
        k.sched().point("smp_mb__after_atomic"); // the window between clear and wake
        mm.pageWait().wakeUpBit(p, Page.PG_WRITEBACK);
        if (pin) {
            mm.allocator().putPage(p);
        }
    }

    // ------------------------------------------------------------ lookup, add, delete

    /** find_get_page(): the page at {@code index} with a reference, or null. */
    public static Page findGetPage(AddressSpace m, long index) {
        m.iPages.spinLock();
        Page p = m.lookupLocked(index);
        if (p != null) {
            p.get();
        }
        m.iPages.spinUnlock();
        return p;
    }

    /**
     * find_lock_page(): the page, referenced and locked, still in this mapping; or null.
     *
     * Context: may sleep.
     */
    public static Page findLockPage(AddressSpace m, long index) {
        for (;;) {
            Page p = findGetPage(m, index);
            if (p == null) {
                return null;
            }
            lockPage(p);
            if (p.mapping() == m && p.index() == index) {
                return p;
            }
            unlockPage(p); // truncated meanwhile: look again
            m.mm().allocator().putPage(p);
        }
    }

    /**
     * grab_cache_page_write_begin() / pagecache_get_page(FGP_LOCK|FGP_CREAT): the locked page at
     * {@code index}, allocating and inserting one if there is none.
     *
     * @return the page (referenced, locked), or null if no memory
     */
    public static Page grabCachePage(AddressSpace m, long index, int gfp) {
        for (;;) {
            Page p = findLockPage(m, index);
            if (p != null) {
                return p;
            }
            Page n = m.mm().allocator().allocPages(gfp);
            if (n == null) {
                return null;
            }
            int err = addToPageCacheLru(n, m, index, gfp);
            if (err == 0) {
                return n; // locked, with the caller's reference
            }
            m.mm().allocator().putPage(n);
            if (err != -Errno.EEXIST) {
                return null;
            }
        }
    }

    /**
     * add_to_page_cache_lru(): charges the page to the current memcg, inserts it locked, and puts it
     * on the file LRU. The cache holds its own reference.
     *
     * @return 0, -EEXIST if another page won the slot, or -ENOMEM
     */
    public static int addToPageCacheLru(Page p, AddressSpace m, long index, int gfp) {
        p.setBit(Page.PG_LOCKED); // __SetPageLocked: nobody else can see the page yet
        p.setBitOwner(Page.PG_LOCKED, Task.current());
        MemCgroup memcg = MemCgroup.ofCurrent(m.mm());
        if (!memcg.isRoot() && !memcg.chargePage(p, gfp)) {
            p.clearBit(Page.PG_LOCKED);
            return -Errno.ENOMEM;
        }
        p.get(); // the page cache's reference
        m.iPages.spinLock();
        if (m.lookupLocked(index) != null) {
            m.iPages.spinUnlock();
            p.put();
            if (p.memcg != null) {
                p.memcg.uncharge(p);
            }
            p.clearBit(Page.PG_LOCKED);
            return -Errno.EEXIST;
        }
        p.mapping = m;
        p.index = index;
        m.insertLocked(index, p);
        m.iPages.spinUnlock();
        m.mm().vmscan().lruCacheAdd(p);
        if (Task.current().kernel().tracing()) {
            Task.current().kernel().trace("mm_filemap_add_to_page_cache pfn=" + p.pfn() + " ofs=" + index);
        }
        return 0;
    }

    /**
     * delete_from_page_cache(): removes a locked page from its mapping and drops the cache's
     * reference.
     */
    public static void deleteFromPageCache(Page p) {
        Kernel k = Task.current().kernel();
        k.bugOn(!p.testBit(Page.PG_LOCKED), "VM_BUG_ON_PAGE(!PageLocked(page)) in delete_from_page_cache");
        AddressSpace m = p.mapping();
        m.iPages.spinLock();
        deleteFromPageCacheLocked(p);
        m.iPages.spinUnlock();
        m.mm().allocator().putPage(p);
    }

    /** __delete_from_page_cache(). Context: i_pages held, page locked; the caller drops the reference. */
    @KernelFunction("__delete_from_page_cache")
    static void deleteFromPageCacheLocked(Page p) {
        AddressSpace m = p.mapping();
        m.iPages.assertHeld();
        Kernel k = m.mm().kernel();
        k.vmWarnInvariant(!p.testBit(Page.PG_LOCKED), () -> "VM_BUG_ON_PAGE(!PageLocked(page)) in __delete_from_page_cache: " + p);
        k.bugOn(p.mapped(), () -> "VM_BUG_ON_PAGE(page_mapped(page)) in __delete_from_page_cache: " + p);
        if (p.testBit(Page.PG_DIRTY)) {
            // a dirty page leaving the cache (truncate raced with a dirtier): account it clean
            m.mm().dirtyLimits().accountPageCleaned(p);
        }
        m.removeLocked(p.index());
        p.mapping = null;
        if (k.tracing()) {
            k.trace("mm_filemap_delete_from_page_cache pfn=" + p.pfn());
        }
    }

    // ------------------------------------------------------------ read and fault

    /**
     * Reads a page into the cache if missing or not uptodate (page_cache_read / do_read_cache_page):
     * returns it referenced and unlocked, uptodate, or null with the error in {@code err[0]}.
     */
    public static Page readCachePage(AddressSpace m, long index, int[] err) {
        for (;;) {
            Page p = findGetPage(m, index);
            if (p == null) {
                p = m.mm().allocator().allocPages(m.gfpMask());
                if (p == null) {
                    err[0] = -Errno.ENOMEM;
                    return null;
                }
                int e = addToPageCacheLru(p, m, index, m.gfpMask());
                if (e != 0) {
                    m.mm().allocator().putPage(p);
                    if (e == -Errno.EEXIST) {
                        continue;
                    }
                    err[0] = e;
                    return null;
                }
                int r = m.aops().readpage(p); // unlocks when the read completes
                if (r != 0) {
                    m.mm().allocator().putPage(p);
                    err[0] = r;
                    return null;
                }
            }
            if (!p.uptodate()) {
                lockPage(p);
                if (p.mapping() == null) { // truncated
                    unlockPage(p);
                    m.mm().allocator().putPage(p);
                    continue;
                }
                if (!p.uptodate()) {
                    int r = m.aops().readpage(p);
                    if (r != 0) {
                        m.mm().allocator().putPage(p);
                        err[0] = r;
                        return null;
                    }
                    waitOnPageLocked(p);
                    if (!p.uptodate()) {
                        m.mm().allocator().putPage(p);
                        err[0] = -5;
                        return null;
                    }
                } else {
                    unlockPage(p);
                }
            }
            return p;
        }
    }

    /**
     * filemap_fault(): finds (reading if needed) the page for a file fault and returns it locked
     * ({@code VM_FAULT_LOCKED}), in {@code vmf.page}, with a reference.
     *
     * Context: mmap_sem held for read; may sleep.
     */
    public static int filemapFault(VmFault vmf) {
        AddressSpace m = vmf.vma.file();
        long size = (m.host().iSize() + Page.PAGE_SIZE - 1) >> Page.PAGE_SHIFT;
        if (vmf.pgoff >= size) {
            return VM_FAULT_SIGBUS;
        }
        int[] err = {0};
        Page p = readCachePage(m, vmf.pgoff, err);
        if (p == null) {
            return err[0] == -Errno.ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
        }
        lockPage(p);
        if (p.mapping() != m) { // truncated while we slept
            unlockPage(p);
            m.mm().allocator().putPage(p);
            return VM_FAULT_NOPAGE;
        }
        if (!p.uptodate()) {
            unlockPage(p);
            m.mm().allocator().putPage(p);
            return VM_FAULT_SIGBUS;
        }
        size = (m.host().iSize() + Page.PAGE_SIZE - 1) >> Page.PAGE_SHIFT;
        if (vmf.pgoff >= size) {
            unlockPage(p);
            m.mm().allocator().putPage(p);
            return VM_FAULT_SIGBUS;
        }
        vmf.page = p;
        return VM_FAULT_LOCKED;
    }

    /**
     * generic_file_buffered_read(): copies from the page cache to {@code to}, reading pages in.
     *
     * @return bytes read, or a negative errno if nothing was read
     */
    public static long genericFileBufferedRead(AddressSpace m, long pos, IovIter to) {
        return genericFileBufferedRead(m, null, pos, to);
    }

    /**
     * generic_file_buffered_read() (filemap_read in 5.12+) with the open file's readahead state: a
     * page missing from the cache starts {@link Readahead#pageCacheSyncReadahead}, a cached page
     * marked PG_readahead {@link Readahead#pageCacheAsyncReadahead}; where the read ended is kept for
     * the next one. {@code ra} null: no readahead, each missing page read alone.
     */
    public static long genericFileBufferedRead(AddressSpace m, FileRaState ra, long pos, IovIter to) {
        long lastIndex = (pos + Math.max(to.count(), 1) - 1) >> Page.PAGE_SHIFT;
        long n = bufferedRead(m, ra, pos, to, m.mm().memMap(), lastIndex);
        if (ra != null) {
            ra.prevPos = pos + Math.max(n, 0); // where this read ended
        }
        return n;
    }

    private static long bufferedRead(AddressSpace m, FileRaState ra, long pos, IovIter to, MemMap mem, long lastIndex) {
        long done = 0;
        while (to.count() > 0) {
            long isize = m.host().iSize();
            if (pos >= isize) {
                break;
            }
            long index = pos >> Page.PAGE_SHIFT;
            int off = (int) (pos & (Page.PAGE_SIZE - 1));
            int[] err = {0};
            Page p = ra == null ? null : readahead(m, ra, index, lastIndex - index + 1);
            if (p == null || !p.uptodate()) { // a miss, or a page being read: read it, or wait for its read
                if (p != null) {
                    m.mm().allocator().putPage(p);
                }
                p = readCachePage(m, index, err);
            }
            if (p == null) {
                return done > 0 ? done : err[0];
            }
            isize = m.host().iSize(); // sample i_size after the page is uptodate
            int n = (int) Math.min(Math.min(Page.PAGE_SIZE - off, to.count()), isize - pos);
            if (n <= 0) {
                m.mm().allocator().putPage(p);
                break;
            }
            int c = to.copyPageToIter(mem, p, off, n);
            p.setFlag(Page.PG_REFERENCED); // mark_page_accessed
            m.mm().allocator().putPage(p);
            done += c;
            pos += c;
            if (c < n) {
                return done > 0 ? done : -Errno.EFAULT;
            }
        }
        return done;
    }

    /**
     * filemap_get_pages()' lookup and readahead: sync readahead on a miss (null back: the caller reads
     * the page, now in flight), async on a cached page marked PG_readahead; the cached page is returned
     * with a reference, so an uptodate one needs no second lookup.
     */
    private static Page readahead(AddressSpace m, FileRaState ra, long index, long reqCount) {
        Page c = findGetPage(m, index);
        if (c == null) {
            Readahead.pageCacheSyncReadahead(m, ra, index, reqCount);
            return null;
        }
        if (c.testBit(Page.PG_READAHEAD)) {
            Readahead.pageCacheAsyncReadahead(m, ra, c, index, reqCount);
        }
        return c;
    }

    /**
     * generic_perform_write(): for each page, ->write_begin, copy from the user, ->write_end, then
     * balance_dirty_pages_ratelimited.
     *
     * @return bytes written, or a negative errno if nothing was
     */
    public static long genericPerformWrite(AddressSpace m, long pos, IovIter from) {
        long written = 0;
        MemMap mem = m.mm().memMap();
        while (from.count() > 0) {
            int off = (int) (pos & (Page.PAGE_SIZE - 1));
            int bytes = (int) Math.min(Page.PAGE_SIZE - off, from.count());
            AddressSpaceOperations.WriteBegin wb = m.aops().writeBegin(m, pos, bytes);
            if (wb.err() != 0) {
                return written > 0 ? written : wb.err();
            }
            wb.page().cleanedSinceMkwrite = false; // ->write_begin told the filesystem
            int copied = from.copyPageFromIter(mem, wb.page(), off, bytes);
            int st = m.aops().writeEnd(m, pos, bytes, copied, wb.page(), wb.fsdata());
            if (st < 0) {
                return written > 0 ? written : st;
            }
            pos += st;
            written += st;
            if (st == 0 && copied == 0) {
                return written > 0 ? written : -Errno.EFAULT;
            }
            PageWriteback.balanceDirtyPagesRatelimited(m);
        }
        return written;
    }

    // ------------------------------------------------------------ fdatawrite / fdatawait

    /** __filemap_fdatawrite_range(): starts writeback of [start, end] in the given mode. */
    public static int filemapFdatawriteRange(AddressSpace m, long start, long end, WritebackControl.SyncMode mode) {
        if (!m.tagged(AddressSpace.PAGECACHE_TAG_DIRTY)) {
            return 0;
        }
        WritebackControl wbc = new WritebackControl();
        wbc.syncMode = mode;
        wbc.nrToWrite = Long.MAX_VALUE;
        wbc.rangeStart = start;
        wbc.rangeEnd = end;
        return PageWriteback.doWritepages(m, wbc);
    }

    /** filemap_fdatawrite(). */
    public static int filemapFdatawrite(AddressSpace m) {
        return filemapFdatawriteRange(m, 0, Long.MAX_VALUE, WritebackControl.SyncMode.WB_SYNC_ALL);
    }

    /** __filemap_fdatawait_range(): waits for writeback of every page tagged WRITEBACK in range. */
    public static void filemapFdatawaitRangeKeepErrors(AddressSpace m, long start, long end) {
        long index = start >> Page.PAGE_SHIFT;
        long last = end == Long.MAX_VALUE ? Long.MAX_VALUE : end >> Page.PAGE_SHIFT;
        while (index <= last) {
            m.iPages.spinLock();
            List<Long> idx = m.taggedIndicesLocked(index, last, AddressSpace.PAGECACHE_TAG_WRITEBACK, 15);
            List<Page> batch = new java.util.ArrayList<>();
            for (long i : idx) {
                Page p = m.lookupLocked(i);
                if (p != null) {
                    p.get();
                    batch.add(p);
                }
            }
            m.iPages.spinUnlock();
            if (idx.isEmpty()) {
                break;
            }
            for (Page p : batch) {
                waitOnPageWriteback(p);
                p.clearFlag(Page.PG_ERROR);
                m.mm().allocator().putPage(p);
            }
            index = idx.get(idx.size() - 1) + 1;
            Task.current().kernel().sched().condResched();
        }
    }

    /** filemap_fdatawait(): waits, then reports and clears the AS_ error flags. */
    public static int filemapFdatawait(AddressSpace m) {
        filemapFdatawaitRangeKeepErrors(m, 0, Long.MAX_VALUE);
        return m.filemapCheckErrors();
    }

    /**
     * file_write_and_wait_range(): write [start, end] with WB_SYNC_ALL, wait for it, and report an
     * error through the file's errseq cursor — each open file sees a writeback error once.
     *
     * @param fWbErr the file's {@code f_wb_err} cursor
     */
    public static int fileWriteAndWaitRange(AddressSpace m, int[] fWbErr, long start, long end) {
        int err = filemapFdatawriteRange(m, start, end, WritebackControl.SyncMode.WB_SYNC_ALL);
        if (err != -Errno.EIO) {
            filemapFdatawaitRangeKeepErrors(m, start, end);
        }
        int err2 = m.wbErr().checkAndAdvance(fWbErr); // file_check_and_advance_wb_err
        m.filemapCheckErrors(); // which also clears AS_EIO/AS_ENOSPC, as the legacy path would have
        return err != 0 ? err : err2;
    }
}

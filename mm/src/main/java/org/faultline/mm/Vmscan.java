package org.faultline.mm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Task;
import org.faultline.kernel.TaskKind;
import org.faultline.kernel.WaitQueue;
import org.faultline.kernel.WaitTarget;

/**
 * Page reclaim (mm/vmscan.c as of 4.19/4.20): the LRU add/remove/rotate helpers, kswapd, direct and
 * memcg reclaim → {@code shrink_node} → {@code shrink_inactive_list} → {@code shrink_page_list}.
 *
 * <p>{@link #shrinkPageList} keeps 4.20's three PageWriteback cases exactly:
 * <ol>
 *   <li>kswapd, page already PG_reclaim, node PGDAT_WRITEBACK: count it immediate, activate;</li>
 *   <li>{@code sane_reclaim()} (global reclaim, or a v2 memcg), or the page not yet PG_reclaim, or
 *       no {@code __GFP_FS}: mark it PG_reclaim and move on — never wait;</li>
 *   <li>otherwise (legacy memcg reclaim): unlock and {@code wait_on_page_writeback} — the wait of
 *       bug 3. {@link MmPatch#VMSCAN_NO_WRITEBACK_WAIT_LEGACY_MEMCG} removes it.</li>
 * </ol>
 * Dirty file pages are written ({@code pageout}) only by kswapd, and with
 * {@link MmPatch#VMSCAN_SKIP_PINNED_PRIVATE} (v6.4) pages that may be DMA-pinned keep their buffers.
 *
 * <p>Deviations: no swap (anonymous pages are never reclaimed), no shrinkers, no THP, one node.
 */
@KernelSource("mm/vmscan.c")
public final class Vmscan {
    /** SWAP_CLUSTER_MAX. */
    public static final int SWAP_CLUSTER_MAX = 32;
    /** DEF_PRIORITY. */
    public static final int DEF_PRIORITY = 12;

    private final Mm mm;
    private final Kernel k;
    private final WaitQueue kswapdWait;
    private volatile boolean kswapdWanted;
    private Task kswapd;
    private final AtomicLong pgsteal = new AtomicLong();
    private final AtomicLong pgscan = new AtomicLong();
    private final AtomicLong writebackWaits = new AtomicLong();
    private final AtomicLong pageoutCount = new AtomicLong();

    Vmscan(Mm mm) {
        this.mm = mm;
        this.k = mm.kernel();
        this.kswapdWait = new WaitQueue(k);
    }

    /** Pages reclaimed since boot (pgsteal). */
    public long pgsteal() {
        return pgsteal.get();
    }

    /** Pages scanned since boot (pgscan). */
    public long pgscan() {
        return pgscan.get();
    }

    /** Times reclaim waited on PG_writeback (case 3). */
    public long writebackWaits() {
        return writebackWaits.get();
    }

    /** Pages written by reclaim (pageout). */
    public long pageouts() {
        return pageoutCount.get();
    }

    /** {@code struct scan_control}. */
    static final class ScanControl {
        long nrToReclaim;
        int gfpMask;
        MemCgroup targetMemcg; // null: global reclaim
        boolean mayWritepage = true;
        boolean mayUnmap = true;
        int priority = DEF_PRIORITY;
        long nrReclaimed;
        long nrScanned;
    }

    /** global_reclaim(). */
    private static boolean globalReclaim(ScanControl sc) {
        return sc.targetMemcg == null;
    }

    /** sane_reclaim(): global reclaim, or a memcg on the unified (v2) hierarchy. */
    private static boolean saneReclaim(ScanControl sc) {
        return globalReclaim(sc) || sc.targetMemcg.onDfl();
    }

    private static boolean currentIsKswapd() {
        Task t = Task.current();
        return t != null && (t.flags() & Task.PF_KSWAPD) != 0;
    }

    // ------------------------------------------------------------ LRU helpers (mm/swap.c)

    private Lruvec lruvecOf(Page p) {
        MemCgroup m = p.memcg;
        return m == null ? mm.rootMemcg().lruvec : m.lruvec;
    }

    /** lru_cache_add(): a new page goes on its lruvec (file: inactive; anon: active). */
    public void lruCacheAdd(Page p) {
        mm.lruLock.spinLock();
        if (!p.testBit(Page.PG_LRU)) {
            if (p.isAnon()) {
                p.setBit(Page.PG_ACTIVE);
            }
            p.setBit(Page.PG_LRU);
            lruvecOf(p).addPageToLruList(p, Lruvec.pageLru(p));
        }
        mm.lruLock.spinUnlock();
    }

    /** __page_cache_release(): off the LRU at final put. */
    void delFromLru(Page p) {
        mm.lruLock.spinLock();
        if (p.testAndClearBit(Page.PG_LRU) && p.lruvec != null) {
            p.lruvec.delPageFromLruList(p);
        }
        p.clearBit(Page.PG_ACTIVE);
        mm.lruLock.spinUnlock();
    }

    /** rotate_reclaimable_page(): a page whose writeback ended for reclaim goes to the inactive tail. */
    void rotateReclaimablePage(Page p) {
        mm.lruLock.spinLock();
        if (p.testBit(Page.PG_LRU) && !p.testBit(Page.PG_LOCKED) && !p.testBit(Page.PG_DIRTY)
                && !p.testBit(Page.PG_ACTIVE) && p.lruvec != null) {
            Lruvec lv = p.lruvec;
            int lru = p.lru;
            lv.delPageFromLruList(p);
            lv.addPageToLruListTail(p, lru);
        }
        mm.lruLock.spinUnlock();
    }

    // ------------------------------------------------------------ kswapd

    void startKswapd() {
        kswapd = k.spawn("kswapd0", TaskKind.KTHREAD, this::kswapdMain);
    }

    /** wakeup_kswapd(): if free memory is below the low watermark. */
    public void wakeupKswapd() {
        if (kswapd == null || mm.allocator().nrFree() >= mm.allocator().lowWatermark()) {
            return;
        }
        kswapdWanted = true;
        kswapdWait.wakeUp();
    }

    private static final WaitTarget KSWAPD_IDLE = () -> "kswapd_wait (node balanced)";

    /** kswapd(): sleeps until woken, then balance_pgdat() up to the high watermark. */
    private void kswapdMain() {
        Task self = Task.current();
        self.setFlags(Task.PF_KSWAPD | Task.PF_MEMALLOC);
        for (;;) {
            kswapdWait.waitEventIdle(() -> kswapdWanted || self.kthreadShouldStop(), KSWAPD_IDLE);
            if (self.kthreadShouldStop()) {
                return;
            }
            kswapdWanted = false;
            balancePgdat();
        }
    }

    /** balance_pgdat(): reclaim until the high watermark holds or no progress at any priority. */
    @KernelFunction("balance_pgdat")
    private void balancePgdat() {
        if (k.tracing()) {
            k.trace("mm_vmscan_kswapd_wake free=" + mm.allocator().nrFree());
        }
        for (int prio = DEF_PRIORITY; prio >= 0; prio--) {
            if (mm.allocator().nrFree() >= mm.allocator().highWatermark()) {
                break;
            }
            ScanControl sc = new ScanControl();
            sc.gfpMask = Gfp.GFP_KERNEL;
            sc.nrToReclaim = Math.max(SWAP_CLUSTER_MAX, mm.allocator().highWatermark() - mm.allocator().nrFree());
            sc.priority = prio;
            shrinkNode(sc);
            if (sc.nrReclaimed >= sc.nrToReclaim) {
                prio++; // progress at this priority: try it again
            }
            k.sched().condResched();
        }
        if (mm.allocator().nrFree() >= mm.allocator().highWatermark()) {
            mm.setPgdatFlag(Mm.PGDAT_CONGESTED, false); // clear_pgdat_congested
            mm.setPgdatFlag(Mm.PGDAT_DIRTY, false);
            mm.setPgdatFlag(Mm.PGDAT_WRITEBACK, false);
        }
    }

    // ------------------------------------------------------------ direct and memcg reclaim

    /**
     * try_to_free_pages(): direct reclaim for an allocation, under PF_MEMALLOC.
     *
     * @return pages reclaimed
     */
    public long tryToFreePages(int gfp) {
        ScanControl sc = new ScanControl();
        sc.gfpMask = Gfp.currentGfpContext(gfp);
        sc.nrToReclaim = SWAP_CLUSTER_MAX;
        return doTryToFreePages(sc);
    }

    /**
     * try_to_free_mem_cgroup_pages(): reclaim from one memcg's lists (its limit was hit).
     *
     * @return pages reclaimed
     */
    public long tryToFreeMemCgroupPages(MemCgroup memcg, long nrPages, int gfp) {
        ScanControl sc = new ScanControl();
        sc.nrToReclaim = Math.max(nrPages, SWAP_CLUSTER_MAX);
        sc.gfpMask = Gfp.currentGfpContext(gfp) & (Gfp.__GFP_RECLAIM | Gfp.__GFP_IO | Gfp.__GFP_FS)
                | (Gfp.GFP_HIGHUSER_MOVABLE & ~(Gfp.__GFP_RECLAIM | Gfp.__GFP_IO | Gfp.__GFP_FS));
        sc.targetMemcg = memcg;
        return doTryToFreePages(sc);
    }

    private long doTryToFreePages(ScanControl sc) {
        Task cur = Task.current();
        int old = cur.setFlags(Task.PF_MEMALLOC);
        try {
            for (int prio = DEF_PRIORITY; prio >= 0 && sc.nrReclaimed < sc.nrToReclaim; prio--) {
                sc.priority = prio;
                shrinkNode(sc);
            }
        } finally {
            cur.restoreFlags(old);
        }
        return sc.nrReclaimed;
    }

    /** shrink_node(): every lruvec in scope (the target memcg, or all of them). */
    private void shrinkNode(ScanControl sc) {
        for (MemCgroup m : mm.memcgs()) {
            if (sc.targetMemcg != null && sc.targetMemcg != m) {
                continue;
            }
            shrinkLruvec(m.lruvec, sc);
        }
    }

    /** shrink_lruvec() (shrink_node_memcg in 4.20): file lists only, there being no swap. */
    private void shrinkLruvec(Lruvec lv, ScanControl sc) {
        int inactive = lv.size(Lruvec.LRU_INACTIVE_FILE);
        int active = lv.size(Lruvec.LRU_ACTIVE_FILE);
        long scanInactive = sc.priority == 0 ? inactive : Math.max(inactive >> sc.priority, Math.min(inactive, SWAP_CLUSTER_MAX));
        long scanActive = sc.priority == 0 ? active : Math.max(active >> sc.priority, Math.min(active, SWAP_CLUSTER_MAX));
        if (inactive < active) { // inactive_list_is_low
            shrinkActiveList(scanActive, lv, sc);
        }
        if (scanInactive > 0) {
            shrinkInactiveList(scanInactive, lv, sc);
        }
    }

    /** isolate_lru_pages(): takes pages off the tail of a list, each with a reference. */
    private List<Page> isolateLruPages(long nr, Lruvec lv, int lru) {
        List<Page> out = new ArrayList<>();
        mm.lruLock.spinLock();
        for (Page p : lv.fromTail(lru, (int) nr)) {
            if (p.count() == 0) {
                continue; // being freed
            }
            p.get();
            p.clearBit(Page.PG_LRU);
            lv.delPageFromLruList(p);
            out.add(p);
        }
        mm.lruLock.spinUnlock();
        pgscan.addAndGet(out.size());
        return out;
    }

    /** putback_inactive_pages(): the pages reclaim kept go back on their lists. */
    private void putbackPages(List<Page> pages) {
        for (Page p : pages) {
            mm.lruLock.spinLock();
            p.setBit(Page.PG_LRU);
            lruvecOf(p).addPageToLruList(p, Lruvec.pageLru(p));
            mm.lruLock.spinUnlock();
            mm.allocator().putPage(p); // the isolation reference
        }
    }

    /** shrink_active_list(): moves pages from the active to the inactive list. */
    private void shrinkActiveList(long nr, Lruvec lv, ScanControl sc) {
        List<Page> taken = isolateLruPages(nr, lv, Lruvec.LRU_ACTIVE_FILE);
        for (Page p : taken) {
            int[] vmFlags = {0};
            if (Rmap.pageReferenced(p, vmFlags) > 0 && (vmFlags[0] & VmArea.VM_EXEC) != 0) {
                continue; // stays active
            }
            p.clearBit(Page.PG_ACTIVE);
        }
        putbackPages(taken);
    }

    /** shrink_inactive_list(). */
    private void shrinkInactiveList(long nr, Lruvec lv, ScanControl sc) {
        List<Page> taken = isolateLruPages(nr, lv, Lruvec.LRU_INACTIVE_FILE);
        if (taken.isEmpty()) {
            return;
        }
        int[] stat = new int[3]; // unqueued dirty, writeback, immediate
        List<Page> kept = shrinkPageList(taken, sc, stat);
        if (stat[0] == taken.size()) {
            // dirty pages reach the LRU tail unqueued: nudge the flushers in case they sleep (4.16+)
            k.trace("mm_vmscan_wakeup_flusher_threads");
            mm.wakeupFlusherThreads();
        }
        if (saneReclaim(sc)) {
            if (stat[0] == taken.size()) {
                mm.setPgdatFlag(Mm.PGDAT_DIRTY, true);
            }
            if (stat[1] > 0 && stat[1] == taken.size()) {
                mm.setPgdatFlag(Mm.PGDAT_WRITEBACK, true);
            }
        }
        putbackPages(kept);
    }

    private enum PageRef { ACTIVATE, KEEP, RECLAIM, RECLAIM_CLEAN }

    /** page_check_references(). */
    private PageRef pageCheckReferences(Page p) {
        int[] vmFlags = {0};
        int referencedPtes = Rmap.pageReferenced(p, vmFlags);
        boolean referencedPage = p.testClearFlag(Page.PG_REFERENCED);
        if (referencedPtes > 0) {
            if (p.isAnon()) {
                return PageRef.ACTIVATE;
            }
            p.setFlag(Page.PG_REFERENCED);
            if (referencedPage || referencedPtes > 1 || (vmFlags[0] & VmArea.VM_EXEC) != 0) {
                return PageRef.ACTIVATE;
            }
            return PageRef.KEEP;
        }
        return referencedPage && !p.isAnon() ? PageRef.RECLAIM_CLEAN : PageRef.RECLAIM;
    }

    /**
     * shrink_page_list(): tries to free each isolated page (each arrives with the isolation
     * reference); returns those kept, still referenced.
     *
     * @param stat out: [0] dirty pages not queued for I/O, [1] pages under writeback, [2] immediate
     */
    List<Page> shrinkPageList(List<Page> pages, ScanControl sc, int[] stat) {
        List<Page> ret = new ArrayList<>();
        java.util.ArrayDeque<Page> todo = new java.util.ArrayDeque<>(pages);
        while (!todo.isEmpty()) {
            Page p = todo.pollFirst();
            k.sched().condResched();
            if (!Filemap.trylockPage(p)) {
                ret.add(p);
                continue;
            }
            AddressSpace mapping = p.mapping();
            if (p.mapped() && !sc.mayUnmap) {
                keepLocked(p, ret);
                continue;
            }
            boolean mayEnterFs = (sc.gfpMask & Gfp.__GFP_FS) != 0;
            boolean dirty = p.dirty();
            boolean wb = p.writeback();
            if (dirty && !wb) {
                stat[0]++;
            }
            if (p.writeback()) {
                if (currentIsKswapd() && p.reclaim() && mm.pgdatFlag(Mm.PGDAT_WRITEBACK)) {
                    stat[2]++; // case 1
                    activateLocked(p, ret);
                    continue;
                } else if (saneReclaim(sc) || !p.reclaim() || !mayEnterFs
                        || k.has(MmPatch.VMSCAN_NO_WRITEBACK_WAIT_LEGACY_MEMCG)) {
                    p.setFlag(Page.PG_RECLAIM); // case 2
                    stat[1]++;
                    activateLocked(p, ret);
                    continue;
                } else {
                    Filemap.unlockPage(p); // case 3: legacy memcg waits on writeback
                    writebackWaits.incrementAndGet();
                    if (k.tracing()) {
                        k.trace("mm_vmscan_wait_on_page_writeback pfn=" + p.pfn());
                    }
                    Filemap.waitOnPageWriteback(p);
                    todo.addLast(p); // then go back and try the same page again
                    continue;
                }
            }
            PageRef ref = pageCheckReferences(p);
            if (ref == PageRef.ACTIVATE) {
                activateLocked(p, ret);
                continue;
            }
            if (ref == PageRef.KEEP) {
                keepLocked(p, ret);
                continue;
            }
            if (p.isAnon()) {
                activateLocked(p, ret); // add_to_swap fails: no swap
                continue;
            }
            if (p.mapped() && !Rmap.tryToUnmap(p)) {
                activateLocked(p, ret);
                continue;
            }
            if (p.dirty()) {
                if (!currentIsKswapd() || !p.reclaim() || !mm.pgdatFlag(Mm.PGDAT_DIRTY)) {
                    p.setFlag(Page.PG_RECLAIM); // only kswapd writes file pages, and only when needed
                    activateLocked(p, ret);
                    continue;
                }
                if (ref == PageRef.RECLAIM_CLEAN || !mayEnterFs || !sc.mayWritepage) {
                    keepLocked(p, ret);
                    continue;
                }
                PageOut po = pageout(p, mapping);
                if (po == PageOut.KEEP) {
                    keepLocked(p, ret);
                    continue;
                } else if (po == PageOut.ACTIVATE) {
                    activateLocked(p, ret);
                    continue;
                } else if (po == PageOut.SUCCESS) {
                    if (p.writeback() || p.dirty()) {
                        ret.add(p); // keep: writepage unlocked it
                        continue;
                    }
                    if (!Filemap.trylockPage(p)) { // a synchronous write: try to free it now
                        ret.add(p);
                        continue;
                    }
                    if (p.dirty() || p.writeback()) {
                        keepLocked(p, ret);
                        continue;
                    }
                    mapping = p.mapping();
                }
            }
            if (p.hasPrivate()) {
                if (k.has(MmPatch.VMSCAN_SKIP_PINNED_PRIVATE) && mapping != null && p.maybeDmaPinned()) {
                    activateLocked(p, ret); // d824ec2a1546: a pinned page keeps its buffers
                    continue;
                }
                if (k.has(MmPatch.DEFER_BUFFER_RELEASE_TO_LAST_PUT) && mapping != null && p.count() > 3) {
                    // Dan Williams' proposal: someone besides the cache, the buffers and reclaim
                    // holds the page (a GUP user): leave the buffers until that reference goes
                    keepLocked(p, ret);
                    continue;
                }
                if (!tryToReleasePage(p, sc.gfpMask)) {
                    activateLocked(p, ret);
                    continue;
                }
            }
            if (mapping == null || !removeMapping(mapping, p)) {
                keepLocked(p, ret);
                continue;
            }
            p.clearBit(Page.PG_LOCKED); // __ClearPageLocked: nobody else can see it
            p.setBitOwner(Page.PG_LOCKED, null);
            sc.nrReclaimed++;
            pgsteal.incrementAndGet();
            mm.allocator().freeFrozenPage(p);
        }
        return ret;
    }

    private void activateLocked(Page p, List<Page> ret) {
        p.setFlag(Page.PG_ACTIVE);
        keepLocked(p, ret);
    }

    private void keepLocked(Page p, List<Page> ret) {
        Filemap.unlockPage(p);
        ret.add(p);
    }

    private enum PageOut { KEEP, ACTIVATE, SUCCESS, CLEAN }

    /** pageout(): writes a dirty page through {@code ->writepage} for reclaim. Context: page locked. */
    private PageOut pageout(Page p, AddressSpace mapping) {
        // is_page_cache_freeable(): only the page cache and reclaim hold references
        if (p.count() - (p.hasPrivate() ? 1 : 0) != 2) {
            return PageOut.KEEP;
        }
        if (mapping == null) {
            return PageOut.KEEP;
        }
        if (PageWriteback.clearPageDirtyForIo(p)) {
            WritebackControl wbc = new WritebackControl();
            wbc.nrToWrite = SWAP_CLUSTER_MAX;
            wbc.forReclaim = true;
            p.setFlag(Page.PG_RECLAIM);
            pageoutCount.incrementAndGet();
            if (k.tracing()) {
                k.trace("mm_vmscan_writepage pfn=" + p.pfn());
            }
            int res = mapping.aops().writepage(p, wbc);
            if (res < 0) {
                mapping.mappingSetError(res); // handle_write_error
            }
            if (res == AddressSpaceOperations.AOP_WRITEPAGE_ACTIVATE) {
                p.clearFlag(Page.PG_RECLAIM);
                return PageOut.ACTIVATE;
            }
            if (!p.writeback()) {
                p.clearFlag(Page.PG_RECLAIM);
            }
            return PageOut.SUCCESS;
        }
        return PageOut.CLEAN;
    }

    /** try_to_release_page(): the filesystem drops its private state (buffers), unless under writeback. */
    static boolean tryToReleasePage(Page p, int gfp) {
        if (p.writeback()) {
            return false;
        }
        AddressSpace m = p.mapping();
        if (m == null) {
            return false;
        }
        return m.aops().releasepage(p, gfp);
    }

    /**
     * __remove_mapping(): freezes the refcount at 2 (the page cache's and reclaim's); fails if anyone
     * else holds one — direct I/O's GUP reference, say — or the page was redirtied; then deletes the
     * page from the cache.
     */
    @KernelFunction("__remove_mapping")
    static boolean removeMapping(AddressSpace m, Page p) {
        m.iPages.spinLock();
        if (!p.refFreeze(2)) {
            m.iPages.spinUnlock();
            return false;
        }
        if (p.testBit(Page.PG_DIRTY)) {
            p.refUnfreeze(2);
            m.iPages.spinUnlock();
            return false;
        }
        Filemap.deleteFromPageCacheLocked(p);
        m.iPages.spinUnlock();
        return true;
    }
}

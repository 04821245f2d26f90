package org.faultline.mm;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.SpinLock;
import org.faultline.kernel.Task;

/**
 * The page allocator of one zone (mm/page_alloc.c, order 0 only): a free list, min/low/high
 * watermarks, the fast path, and the slow path that wakes kswapd, reclaims directly, and finally
 * reports an OOM and fails — a kernel message and a null page, never a JVM OutOfMemoryError.
 *
 * <p>Freed pages go to the head of the free list and are handed out again first (hot pages), so a
 * freed page really is reused soon — bug 4's reuse variant needs that.
 *
 * <p>{@code zoneLock} protects the free list; {@code nrFree} is readable without it.
 */
@KernelSource("mm/page_alloc.c")
public final class PageAllocator {
    /** MAX_RECLAIM_RETRIES (should_reclaim_retry). */
    public static final int MAX_RECLAIM_RETRIES = 16;

    private final Mm mm;
    private final Kernel k;
    private final SpinLock zoneLock;
    private final ArrayDeque<Page> free = new ArrayDeque<>(); // frames freed, newest first; protected by zoneLock
    private int neverAllocated;                               // frames [this, nrPages) follow them; zoneLock
    private boolean tookUnused;                               // pollFree's page was never allocated before; zoneLock
    private final AtomicInteger nrFree = new AtomicInteger();
    private final int min;
    private final int low;
    private final int high;
    private final AtomicLong oomCount = new AtomicLong();

    PageAllocator(Mm mm, Mm.Params p) {
        this.mm = mm;
        this.k = mm.kernel();
        this.zoneLock = new SpinLock(k, "zone->lock");
        MemMap mem = mm.memMap();
        this.min = p.minFreePages() > 0 ? p.minFreePages() : Math.max(4, mem.nrPages() / 64);
        this.low = min + min / 4;
        this.high = min + min / 2;
        nrFree.set(mem.nrPages()); // every frame is free: those never allocated are the tail of the list
    }

    /**
     * The head of the free list: the last frame freed, else the lowest frame never allocated (the
     * list at boot holds every frame in pfn order; the never-allocated tail is not materialised).
     * Context: zoneLock held.
     */
    private Page pollFree() {
        Page p = free.pollFirst();
        tookUnused = false;
        if (p == null && neverAllocated < mm.memMap().nrPages()) {
            p = mm.memMap().pfnToPage(neverAllocated++);
            tookUnused = true;
        }
        return p;
    }

    public int nrFree() {
        return nrFree.get();
    }

    public int minWatermark() {
        return min;
    }

    public int lowWatermark() {
        return low;
    }

    public int highWatermark() {
        return high;
    }

    /** How many allocations failed after reclaim (the oom-killer was invoked). */
    public long oomCount() {
        return oomCount.get();
    }

    /**
     * alloc_pages(gfp, 0) → __alloc_pages_nodemask(): one page with refcount 1, zeroed if
     * {@code __GFP_ZERO}; with {@code __GFP_ACCOUNT}, charged to the current task's memcg
     * ({@code memcg_kmem_charge}, which may reclaim and so sleep).
     *
     * Context: may sleep if {@code gfp} allows direct reclaim.
     * @return the page, or null when memory (or the memcg limit) is exhausted
     */
    @KernelFunction("__alloc_pages_nodemask")
    public Page allocPages(int gfp) {
        gfp = Gfp.currentGfpContext(gfp);
        k.sched().point("alloc_pages");
        Page p = getPageFromFreelist(gfp, low);
        if (p == null) {
            p = allocPagesSlowpath(gfp);
        }
        if (p == null) {
            return null;
        }
        if ((gfp & Gfp.__GFP_ACCOUNT) != 0) {
            MemCgroup memcg = MemCgroup.ofCurrent(mm);
            if (!memcg.isRoot() && !memcg.chargePage(p, gfp)) {
                putPage(p);
                return null;
            }
        }
        return p;
    }

    private Page getPageFromFreelist(int gfp, int watermark) {
        int mark = (gfp & Gfp.__GFP_HIGH) != 0 ? watermark / 2 : watermark;
        zoneLock.spinLock();
        Page p = null;
        if (nrFree.get() - 1 >= mark && nrFree.get() > 0) {
            p = pollFree();
            nrFree.decrementAndGet();
        }
        boolean unused = tookUnused;
        zoneLock.spinUnlock();
        if (p != null) {
            prepNewPage(p, gfp, unused);
        }
        return p;
    }

    /** ALLOC_NO_WATERMARKS: for tasks already reclaiming (PF_MEMALLOC). */
    private Page getPageNoWatermarks(int gfp) {
        zoneLock.spinLock();
        Page p = pollFree();
        if (p != null) {
            nrFree.decrementAndGet();
        }
        boolean unused = tookUnused;
        zoneLock.spinUnlock();
        if (p != null) {
            prepNewPage(p, gfp, unused);
        }
        return p;
    }

    /**
     * prep_new_page(): a new page's state; its bytes zeroed for {@code __GFP_ZERO} unless the frame was
     * never allocated since boot (RAM starts zeroed: {@link MemMap}).
     */
    private void prepNewPage(Page p, int gfp, boolean neverUsed) {
        p.resetFlags(0);
        p.setCount(1);
        p.mapping = null;
        p.index = 0;
        p.anon = false;
        p.memcg = null;
        p.cleanedSinceMkwrite = false;
        if ((gfp & Gfp.__GFP_ZERO) != 0 && !neverUsed) {
            mm.memMap().zero(p, 0, Page.PAGE_SIZE);
        }
    }

    private Page allocPagesSlowpath(int gfp) {
        Task cur = Task.current();
        if ((gfp & Gfp.__GFP_KSWAPD_RECLAIM) != 0) {
            mm.vmscan().wakeupKswapd();
        }
        Page p = getPageFromFreelist(gfp, min);
        if (p != null) {
            return p;
        }
        if (cur != null && (cur.flags() & Task.PF_MEMALLOC) != 0) {
            return getPageNoWatermarks(gfp); // reclaim itself may dip into the reserves
        }
        if (!Gfp.allowBlocking(gfp)) {
            return warnAllocFailure(gfp);
        }
        for (int retries = 0; retries < MAX_RECLAIM_RETRIES || (gfp & Gfp.__GFP_NOFAIL) != 0; retries++) {
            long progress = mm.vmscan().tryToFreePages(gfp);
            p = getPageFromFreelist(gfp, min);
            if (p != null) {
                return p;
            }
            if (progress == 0 && retries > 2 && (gfp & Gfp.__GFP_NOFAIL) == 0) {
                break;
            }
        }
        return outOfMemory(gfp);
    }

    private Page warnAllocFailure(int gfp) {
        k.printk(Task.current().comm() + ": page allocation failure: order:0, mode:" + Gfp.describe(gfp)
                + ", free " + nrFree.get() + " pages");
        return null;
    }

    /** out_of_memory(): reported, and the allocation fails (no task is killed). */
    private Page outOfMemory(int gfp) {
        oomCount.incrementAndGet();
        Task cur = Task.current();
        k.printk(cur.comm() + " invoked oom-killer: gfp_mask=" + Gfp.describe(gfp) + ", order=0\n"
                + "Mem-Info: free:" + nrFree.get() + " min:" + min + " low:" + low + " high:" + high
                + "\nOut of memory: allocation fails (Faultline does not kill tasks)");
        return null;
    }

    /**
     * put_page(): drops a reference; at zero the page leaves the LRU, is uncharged and freed.
     */
    public void putPage(Page p) {
        int c = p.put();
        if (c == 0) {
            freePageAndSwapCache(p);
        } else if (c < 0) {
            k.bugOn(true, () -> "VM_BUG_ON_PAGE(page_ref_count(page) == 0): put_page on a free " + p);
        }
    }

    /**
     * Frees a page whose refcount reclaim froze to zero in __remove_mapping (free_unref_page_list).
     */
    void freeFrozenPage(Page p) {
        if (p.memcg != null) {
            p.memcg.uncharge(p);
        }
        p.clearBit(Page.PG_ACTIVE);
        freeUnrefPage(p);
    }

    @KernelFunction("__put_page")
    private void freePageAndSwapCache(Page p) {
        if (p.testBit(Page.PG_LRU)) {
            mm.vmscan().delFromLru(p);
        }
        if (p.memcg != null) {
            p.memcg.uncharge(p);
        }
        freeUnrefPage(p);
    }

    /** free_unref_page() with free_pages_check(): a page freed in a bad state is reported. */
    private void freeUnrefPage(Page p) {
        long bad = p.flags() & ((1L << Page.PG_LOCKED) | (1L << Page.PG_WRITEBACK) | (1L << Page.PG_LRU)
                | (1L << Page.PG_PRIVATE) | (1L << Page.PG_ACTIVE) | (1L << Page.PG_SLAB));
        if (bad != 0 || p.mapcount() != 0 || p.mapping != null) {
            k.invariant("BUG: Bad page state in process " + Task.current().comm() + "  pfn:" + Long.toHexString(p.pfn())
                    + "\npage:" + p.pfn() + " count:" + p.count() + " mapcount:" + p.mapcount() + " mapping:"
                    + (p.mapping == null ? "0" : p.mapping.describeHost()) + " flags: " + p.flagsString());
        }
        p.resetFlags(0);
        zoneLock.spinLock();
        free.addFirst(p);
        nrFree.incrementAndGet();
        zoneLock.spinUnlock();
        if (k.tracing()) {
            k.trace("mm_page_free pfn=" + p.pfn());
        }
    }
}

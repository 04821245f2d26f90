package org.faultline.mm;

import java.util.concurrent.atomic.AtomicInteger;
import org.faultline.kernel.BitWord;

/**
 * A page frame ({@code struct page}, include/linux/mm_types.h and page-flags.h): its flags as atomic
 * bits, its reference count, and the 4 KiB of real memory it describes in the RAM arena
 * ({@link MemMap}). Flag numbers follow the x86_64 kernels of the 4.x–5.x era.
 *
 * <p>Only what the block layer needs is here yet; the mm issue grows it (mapcount, pin count,
 * mapping, index, private, memcg).
 */
public class Page extends BitWord {
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;

    public static final int PG_LOCKED = 0;
    public static final int PG_REFERENCED = 2;
    public static final int PG_UPTODATE = 3;
    public static final int PG_DIRTY = 4;
    public static final int PG_LRU = 5;
    public static final int PG_ACTIVE = 6;
    public static final int PG_WAITERS = 7;
    public static final int PG_SLAB = 9;
    public static final int PG_PRIVATE = 13;
    public static final int PG_WRITEBACK = 15;
    public static final int PG_RECLAIM = 18;
    public static final int PG_SWAPBACKED = 19;
    public static final int PG_ERROR = 1;

    private static final String[] NAMES = new String[64];

    static {
        NAMES[PG_LOCKED] = "PG_locked";
        NAMES[PG_ERROR] = "PG_error";
        NAMES[PG_REFERENCED] = "PG_referenced";
        NAMES[PG_UPTODATE] = "PG_uptodate";
        NAMES[PG_DIRTY] = "PG_dirty";
        NAMES[PG_LRU] = "PG_lru";
        NAMES[PG_ACTIVE] = "PG_active";
        NAMES[PG_WAITERS] = "PG_waiters";
        NAMES[PG_SLAB] = "PG_slab";
        NAMES[PG_PRIVATE] = "PG_private";
        NAMES[PG_WRITEBACK] = "PG_writeback";
        NAMES[PG_RECLAIM] = "PG_reclaim";
        NAMES[PG_SWAPBACKED] = "PG_swapbacked";
    }

    private final long pfn;
    private final long address;
    private final AtomicInteger refcount = new AtomicInteger();

    Page(long pfn, long address) {
        super(pfn);
        this.pfn = pfn;
        this.address = address;
    }

    /** page_to_pfn(). */
    public final long pfn() {
        return pfn;
    }

    /** The host address of the page's 4 KiB in the RAM arena (page_address()). */
    public final long address() {
        return address;
    }

    /** page_count(). */
    public final int count() {
        return refcount.get();
    }

    /** get_page(). */
    public final void get() {
        refcount.incrementAndGet();
    }

    /** put_page() without freeing (the allocator frees at zero); returns the new count. */
    public final int put() {
        return refcount.decrementAndGet();
    }

    /** set_page_count(). */
    public final void setCount(int n) {
        refcount.set(n);
    }

    @Override
    public String bitName(int bit) {
        String n = NAMES[bit];
        return n == null ? "PG_" + bit : n;
    }

    @Override
    public String describe() {
        return "page pfn " + pfn;
    }

    @Override
    public String toString() {
        return describe();
    }
}

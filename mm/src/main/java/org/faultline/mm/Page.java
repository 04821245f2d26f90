package org.faultline.mm;

import java.util.concurrent.atomic.AtomicInteger;
import org.faultline.kernel.BitWord;
import org.faultline.kernel.Kernel;

/**
 * A page frame ({@code struct page}, include/linux/mm_types.h and page-flags.h): flags as atomic bits,
 * reference and map counts, the mapping and index of a page-cache page, fs-private state (buffer
 * heads, iomap state), its memcg, its LRU links, and the 4 KiB of real memory it describes in the RAM
 * arena ({@link MemMap}). Flag numbers follow x86_64 kernels of the 4.x–5.x era.
 *
 * <p>Every flag operation through the named accessors ({@link #dirty()}, {@link #testClearDirty()},
 * ...) is a preemption point, so the controlled scheduler can interleave tasks between any two of
 * them, as other CPUs could. The raw {@link BitWord} operations are not; kernel/ uses them under its
 * own points.
 *
 * <p>Fields: {@code mapping}, {@code index} change only with the page locked (or while the page is
 * not yet visible); {@code private_} under the page lock (buffers) or the mapping's private lock;
 * LRU links under the lruvec's lock; the counts are atomic.
 */
public class Page extends BitWord {
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    /** GUP_PIN_COUNTING_BIAS (v5.7): a FOLL_PIN adds this much to the refcount. */
    public static final int GUP_PIN_COUNTING_BIAS = 1024;

    public static final int PG_LOCKED = 0;
    public static final int PG_ERROR = 1;
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
    /** PG_readahead: the same bit as PG_reclaim (a page under readahead is not under writeback). */
    public static final int PG_READAHEAD = PG_RECLAIM;
    public static final int PG_SWAPBACKED = 19;
    public static final int PG_UNEVICTABLE = 20;

    private static final String[] NAMES = new String[64];
    private static final String[][] SITES = new String[5][64]; // preemption-point names, no allocation per op

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
        NAMES[PG_UNEVICTABLE] = "PG_unevictable";
        String[] ops = {"Page", "SetPage", "ClearPage", "TestSetPage", "TestClearPage"};
        for (int b = 0; b < 64; b++) {
            String n = NAMES[b] == null ? String.valueOf(b) : NAMES[b].substring(3);
            for (int o = 0; o < ops.length; o++) {
                SITES[o][b] = ops[o] + n;
            }
        }
    }

    private final long pfn;
    private final long address;
    final Kernel k;                                   // null for a MemMap made without a kernel
    Mm mm;                                            // the memory this frame belongs to; set once at boot
    private final AtomicInteger refcount = new AtomicInteger();
    private final AtomicInteger mapcount = new AtomicInteger(); // page_mapcount(): PTEs mapping it
    volatile AddressSpace mapping;                    // page->mapping (page cache); null if anon or free
    volatile long index;                              // page->index in its mapping
    private volatile Object private_;                 // page->private: buffer heads or iomap state
    volatile MemCgroup memcg;                         // page->mem_cgroup (charged to)
    // LRU: an intrusive list, as list_head; guarded by the lruvec lock
    Page lruPrev;
    Page lruNext;
    Lruvec lruvec;
    int lru = -1;
    volatile boolean anon;                            // PageAnon()
    /**
     * CONFIG_DEBUG_VM bookkeeping, no kernel field: set when {@code clear_page_dirty_for_io} cleaned the
     * page (and write-protected its mappings), cleared when the filesystem is next told of a write to
     * it ({@code ->page_mkwrite}, {@code ->write_begin}). A page dirtied while it is set was dirtied
     * behind the filesystem's back.
     */
    volatile boolean cleanedSinceMkwrite;
    volatile VmArea anonVma;                          // the VMA an anonymous page was faulted into

    Page(Kernel k, long pfn, long address) {
        super(pfn);
        this.k = k;
        this.pfn = pfn;
        this.address = address;
    }

    /** The memory this frame belongs to (the booted kernel's, for a frame made outside an {@link Mm}). */
    final Mm memory() {
        return mm != null ? mm : Mm.of(org.faultline.kernel.Task.current().kernel());
    }

    /** page_to_pfn(). */
    public final long pfn() {
        return pfn;
    }

    /** The host address of the page's 4 KiB in the RAM arena (page_address()). */
    public final long address() {
        return address;
    }

    // ------------------------------------------------------------ counts

    /** page_count(). */
    public final int count() {
        return refcount.get();
    }

    /** get_page(). */
    public final void get() {
        refcount.incrementAndGet();
    }

    /** Drops a reference without freeing (the allocator frees at zero); returns the new count. */
    public final int put() {
        return refcount.decrementAndGet();
    }

    /** set_page_count(). */
    public final void setCount(int n) {
        refcount.set(n);
    }

    /** page_ref_add(). */
    public final int refAdd(int n) {
        return refcount.addAndGet(n);
    }

    /** page_ref_freeze(): sets the count to 0 if it is exactly {@code expected}. */
    public final boolean refFreeze(int expected) {
        return refcount.compareAndSet(expected, 0);
    }

    /** page_ref_unfreeze(). */
    public final void refUnfreeze(int n) {
        refcount.set(n);
    }

    /** page_maybe_dma_pinned() (v5.7): the refcount carries at least one FOLL_PIN bias. */
    public final boolean maybeDmaPinned() {
        return refcount.get() >= GUP_PIN_COUNTING_BIAS;
    }

    /** page_mapcount(). */
    public final int mapcount() {
        return mapcount.get();
    }

    /** page_mapped(). */
    public final boolean mapped() {
        return mapcount.get() > 0;
    }

    final int incMapcount() {
        return mapcount.incrementAndGet();
    }

    final int decMapcount() {
        return mapcount.decrementAndGet();
    }

    // ------------------------------------------------------------ mapping, private

    /** page->mapping (null for anonymous and free pages). */
    public final AddressSpace mapping() {
        return mapping;
    }

    /** page->index. */
    public final long index() {
        return index;
    }

    /** PageAnon(). */
    public final boolean isAnon() {
        return anon;
    }

    /** page_private(): fs state attached with {@link #attachPrivate}. */
    public final Object getPrivate() {
        return private_;
    }

    /** attach_page_private(): sets PG_private, takes a reference, stores {@code data}. */
    public final void attachPrivate(Object data) {
        get();
        private_ = data;
        setFlag(PG_PRIVATE);
    }

    /** detach_page_private(): clears PG_private, drops the reference; returns the old data. */
    public final Object detachPrivate() {
        if (!testClearFlag(PG_PRIVATE)) {
            return null;
        }
        Object d = private_;
        private_ = null;
        put();
        return d;
    }

    /** page_has_private(). */
    public final boolean hasPrivate() {
        return flag(PG_PRIVATE);
    }

    public final MemCgroup memcg() {
        return memcg;
    }

    // ------------------------------------------------------------ flags, each a preemption point

    private void point(String what) {
        if (k != null) {
            k.sched().point(what);
        }
    }

    /** PageXxx(). */
    public final boolean flag(int bit) {
        point(SITES[0][bit]);
        return testBit(bit);
    }

    /** SetPageXxx(). */
    public final void setFlag(int bit) {
        point(SITES[1][bit]);
        setBit(bit);
    }

    /** ClearPageXxx(). */
    public final void clearFlag(int bit) {
        point(SITES[2][bit]);
        clearBit(bit);
    }

    /** TestSetPageXxx(). */
    public final boolean testSetFlag(int bit) {
        point(SITES[3][bit]);
        return testAndSetBit(bit);
    }

    /** TestClearPageXxx(). */
    public final boolean testClearFlag(int bit) {
        point(SITES[4][bit]);
        return testAndClearBit(bit);
    }

    public final boolean locked() {
        return flag(PG_LOCKED);
    }

    public final boolean dirty() {
        return flag(PG_DIRTY);
    }

    public final boolean writeback() {
        return flag(PG_WRITEBACK);
    }

    public final boolean uptodate() {
        return flag(PG_UPTODATE);
    }

    public final void setUptodate() {
        setFlag(PG_UPTODATE);
    }

    /** TestClearPageDirty(). */
    public final boolean testClearDirty() {
        return testClearFlag(PG_DIRTY);
    }

    public final boolean reclaim() {
        return flag(PG_RECLAIM);
    }

    @Override
    public String bitName(int bit) {
        String n = NAMES[bit];
        return n == null ? "PG_" + bit : n;
    }

    /** The page's flags in the kernel's dump_page style: {@code flags: 0x..(locked|dirty)}. */
    public final String flagsString() {
        StringBuilder sb = new StringBuilder();
        long f = flags();
        for (int b = 0; b < 64; b++) {
            if ((f & (1L << b)) != 0) {
                sb.append(sb.length() == 0 ? "" : "|").append(bitName(b).substring(3));
            }
        }
        return "0x" + Long.toHexString(f) + "(" + sb + ")";
    }

    @Override
    public String describe() {
        AddressSpace m = mapping;
        return m == null ? "page pfn " + pfn : "page pfn " + pfn + " (index " + index + " of " + m.describeHost() + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}

package org.faultline.mm;

import java.util.ArrayList;
import java.util.List;
import org.faultline.kernel.BitWait;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.SpinLock;

/**
 * The memory-management state of one booted kernel — in Linux terms node 0's {@code pglist_data}
 * (LRU lock, kswapd, node flags), the zone's free lists (in {@link PageAllocator}), the page wait
 * table, and the memcg hierarchy. Created by {@link #init} and found with {@link #of}.
 */
public final class Mm {
    /** pgdat->flags. */
    public static final int PGDAT_CONGESTED = 0;
    public static final int PGDAT_DIRTY = 1;
    public static final int PGDAT_WRITEBACK = 2;

    private final Kernel k;
    private final MemMap memMap;
    final SpinLock lruLock;
    private final BitWait pageWait;
    private final PageAllocator allocator;
    private final MemCgroup root;
    // in creation order (mem_cgroup_iter order); the list is replaced, never changed
    private volatile List<MemCgroup> memcgs = List.of();
    private final Vmscan vmscan;
    private final DirtyLimits dirty;
    private volatile int pgdatFlags;
    private final List<BackingDev> bdis = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Parameters of memory.
     *
     * @param ramPages        pages of RAM
     * @param minFreePages    the min watermark (low = min*5/4, high = min*3/2), or 0 for the default
     * @param kswapd          start kswapd
     * @param dirtyRatio      vm.dirty_ratio, percent of available memory
     * @param dirtyBackgroundRatio vm.dirty_background_ratio
     */
    public record Params(int ramPages, int minFreePages, boolean kswapd, int dirtyRatio, int dirtyBackgroundRatio) {
        public static Params ofPages(int ramPages) {
            return new Params(ramPages, 0, true, 20, 10);
        }

        public Params withKswapd(boolean on) {
            return new Params(ramPages, minFreePages, on, dirtyRatio, dirtyBackgroundRatio);
        }

        public Params withDirtyRatios(int ratio, int background) {
            return new Params(ramPages, minFreePages, kswapd, ratio, background);
        }
    }

    private Mm(Kernel k, Params p) {
        this.k = k;
        this.memMap = new MemMap(k, p.ramPages());
        memMap.attach(this);
        this.lruLock = new SpinLock(k, "pgdat->lru_lock");
        this.pageWait = new BitWait(k, Page.PG_WAITERS);
        this.root = new MemCgroup(this, "/", true, true, Long.MAX_VALUE);
        memcgs = List.of(root);
        this.allocator = new PageAllocator(this, p);
        this.vmscan = new Vmscan(this);
        this.dirty = new DirtyLimits(this, p.dirtyRatio(), p.dirtyBackgroundRatio());
    }

    /** Boots memory management on {@code k}: RAM, allocator, root memcg, kswapd. */
    public static Mm init(Kernel k, Params p) {
        Mm mm = new Mm(k, p);
        k.attach(Mm.class, mm);
        k.printk("Memory: " + (p.ramPages() * 4) + "K available, watermarks min " + mm.allocator.minWatermark()
                + " low " + mm.allocator.lowWatermark() + " high " + mm.allocator.highWatermark() + " pages");
        if (p.kswapd()) {
            mm.vmscan.startKswapd();
        }
        return mm;
    }

    /** The mm state of {@code k}. */
    public static Mm of(Kernel k) {
        Mm mm = k.subsys(Mm.class);
        if (mm == null) {
            throw new IllegalStateException("mm not initialised on this kernel");
        }
        return mm;
    }

    public Kernel kernel() {
        return k;
    }

    public MemMap memMap() {
        return memMap;
    }

    public PageAllocator allocator() {
        return allocator;
    }

    public Vmscan vmscan() {
        return vmscan;
    }

    public DirtyLimits dirtyLimits() {
        return dirty;
    }

    /** The page wait table (lock_page, wait_on_page_bit). */
    public BitWait pageWait() {
        return pageWait;
    }

    public MemCgroup rootMemcg() {
        return root;
    }

    /**
     * Creates a child memcg of the root (mkdir in the memory controller).
     *
     * @param v2 v2 (unified hierarchy) semantics; v1 (legacy) otherwise
     */
    public MemCgroup createMemcg(String name, long limitPages, boolean v2) {
        MemCgroup m = new MemCgroup(this, name, false, v2, limitPages);
        List<MemCgroup> more = new ArrayList<>(memcgs);
        more.add(m);
        memcgs = List.copyOf(more); // creation is rare; readers (dirty limits, reclaim) never copy
        return m;
    }

    /** Every memcg, root first (mem_cgroup_iter order). */
    public List<MemCgroup> memcgs() {
        return memcgs;
    }

    /** bdi_register(): a device whose flusher reclaim may wake. */
    public void registerBdi(BackingDev bdi) {
        bdis.add(bdi);
    }

    /** wakeup_flusher_threads(): asks every registered device's flusher for background writeback. */
    public void wakeupFlusherThreads() {
        for (BackingDev b : bdis) {
            b.startBackgroundWriteback();
        }
    }

    public boolean pgdatFlag(int bit) {
        return (pgdatFlags & (1 << bit)) != 0;
    }

    void setPgdatFlag(int bit, boolean on) {
        int f = pgdatFlags;
        pgdatFlags = on ? f | (1 << bit) : f & ~(1 << bit);
    }
}

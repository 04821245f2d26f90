package org.faultline.mm;

import java.util.concurrent.atomic.AtomicLong;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Task;

/**
 * A memory cgroup ({@code struct mem_cgroup}, mm/memcontrol.c): a page limit, the pages charged to it
 * (page cache, anonymous pages, and — through {@code __GFP_ACCOUNT} — kernel allocations such as
 * user page tables), and its own LRU lists. A charge over the limit reclaims from the memcg's own
 * lists first ({@code try_to_free_mem_cgroup_pages}), which is where bug 3's wait happens.
 *
 * <p>v1 (legacy) and v2 differ for reclaim: v1 reclaim is not "sane" ({@code sane_reclaim()} false),
 * so it may wait on a page under writeback; v2 (a cgroup created as v2: {@code memcg NAME LIMIT v2})
 * never waits. Tasks belong to a memcg through {@link #attach}.
 */
@KernelSource("mm/memcontrol.c")
public final class MemCgroup {
    /** MEM_CGROUP_RECLAIM_RETRIES. */
    public static final int MEM_CGROUP_RECLAIM_RETRIES = 5;

    private final Mm mm;
    private final String name;
    private final boolean root;
    private final boolean v2;
    private volatile long limitPages;
    private final AtomicLong usage = new AtomicLong();
    private final AtomicLong failcnt = new AtomicLong();
    final Lruvec lruvec;

    MemCgroup(Mm mm, String name, boolean root, boolean v2, long limitPages) {
        this.mm = mm;
        this.name = name;
        this.root = root;
        this.v2 = v2;
        this.limitPages = limitPages;
        this.lruvec = new Lruvec(this, mm.lruLock);
    }

    public String name() {
        return name;
    }

    public boolean isRoot() {
        return root;
    }

    /** cgroup_subsys_on_dfl(memory_cgrp_subsys): v2 semantics for this memcg. */
    public boolean onDfl() {
        return v2;
    }

    public long usagePages() {
        return usage.get();
    }

    public long limitPages() {
        return limitPages;
    }

    public long failcnt() {
        return failcnt.get();
    }

    public Lruvec lruvec() {
        return lruvec;
    }

    /** Moves a task into this memcg (cgroup.procs). */
    public void attach(Task t) {
        t.setExt(MemCgroup.class, this);
    }

    /** mem_cgroup_from_task(current), or the root memcg. */
    static MemCgroup ofCurrent(Mm mm) {
        Task t = Task.current();
        MemCgroup m = t == null ? null : t.ext(MemCgroup.class);
        return m == null ? mm.rootMemcg() : m;
    }

    /**
     * try_charge(): charges {@code nr} pages, reclaiming from this memcg when over the limit.
     *
     * Context: may sleep (reclaim) if {@code gfp} allows blocking.
     * @return true if charged; false if the limit holds (the caller fails with ENOMEM / memcg OOM)
     */
    public boolean tryCharge(int gfp, int nr) {
        Kernel k = mm.kernel();
        if (root) {
            usage.addAndGet(nr);
            return true;
        }
        k.sched().point("try_charge");
        int retries = MEM_CGROUP_RECLAIM_RETRIES;
        for (;;) {
            long u = usage.get();
            if (u + nr <= limitPages) {
                if (usage.compareAndSet(u, u + nr)) {
                    return true;
                }
                continue;
            }
            if (!org.faultline.mm.Gfp.allowBlocking(gfp) || (Task.current().flags() & Task.PF_MEMALLOC) != 0) {
                break;
            }
            long reclaimed = mm.vmscan().tryToFreeMemCgroupPages(this, nr, gfp);
            if (k.tracing()) {
                k.trace("memcg_reclaim " + name + " reclaimed " + reclaimed);
            }
            if (usage.get() + nr <= limitPages) {
                continue;
            }
            if (reclaimed > 0 && retries > 0) {
                retries--;
                continue;
            }
            if (retries-- <= 0) {
                break;
            }
        }
        failcnt.incrementAndGet();
        if ((gfp & Gfp.__GFP_NOFAIL) != 0) {
            usage.addAndGet(nr); // forced over the limit, as the kernel does for __GFP_NOFAIL
            return true;
        }
        k.printk("Memory cgroup out of memory: " + name + " usage " + usage.get() + " limit " + limitPages
                + " pages, gfp_mask=" + Gfp.describe(gfp) + ", comm " + Task.current().comm());
        return false;
    }

    /** mem_cgroup_try_charge() + commit for a page: charges it and records the memcg on it. */
    public boolean chargePage(Page p, int gfp) {
        if (!tryCharge(gfp, 1)) {
            return false;
        }
        p.memcg = this;
        return true;
    }

    /** mem_cgroup_uncharge(): at free. */
    void uncharge(Page p) {
        if (p.memcg == this) {
            usage.decrementAndGet();
            p.memcg = null;
        }
    }

    @Override
    public String toString() {
        return "memcg " + name;
    }
}

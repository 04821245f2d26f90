package org.faultline.block;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Task;
import org.faultline.kernel.TaskPlug;

/**
 * A per-task block plug ({@code struct blk_plug}, block/blk-core.c of the 4.x era): while a task holds
 * one, its bios gather here as requests and merge with each other; the list goes to the queues when
 * the plug is finished, when it grows past {@value #BLK_MAX_REQUEST_COUNT} requests, or when the task
 * sleeps — the scheduler calls {@link #flush}{@code (true)} from {@code sched_submit_work}. Callbacks
 * registered with {@link #blkCheckPlugged} run first on every flush.
 *
 * <p>Only the owning task touches a plug, so it needs no lock. Nested plugs are ignored: the
 * outermost one collects everything.
 */
@KernelSource("block/blk-core.c")
public final class Plug implements TaskPlug {
    /** BLK_MAX_REQUEST_COUNT (4.x). */
    public static final int BLK_MAX_REQUEST_COUNT = 16;

    private final Kernel k;
    private final Task owner;
    private final boolean nested;
    private List<Request> list = new ArrayList<>();
    private List<PlugCallback> cbs = new ArrayList<>();

    private Plug(Kernel k, Task owner, boolean nested) {
        this.k = k;
        this.owner = owner;
        this.nested = nested;
    }

    /** blk_start_plug(): installs a plug on the current task unless it already has one. */
    public static Plug blkStartPlug(Kernel k) {
        Task cur = k.sched().current();
        if (cur.plug() != null) {
            return new Plug(k, cur, true);
        }
        Plug p = new Plug(k, cur, false);
        cur.setPlug(p);
        return p;
    }

    /** blk_finish_plug(): flushes and removes the plug (a nested one does nothing). */
    public void blkFinishPlug() {
        if (nested) {
            return;
        }
        flush(false);
        owner.setPlug(null);
    }

    /**
     * blk_check_plugged(): the callback of {@code owner} on the current task's plug, registering a new
     * one from {@code factory} if there is none.
     *
     * @return the callback, or null if the task has no plug
     */
    @SuppressWarnings("unchecked")
    public static <T extends PlugCallback> T blkCheckPlugged(Kernel k, Object owner, Supplier<T> factory) {
        Task cur = k.sched().current();
        if (!(cur.plug() instanceof Plug)) {
            return null;
        }
        Plug p = (Plug) cur.plug();
        for (PlugCallback cb : p.cbs) {
            if (cb.owner() == owner) {
                return (T) cb;
            }
        }
        T cb = factory.get();
        p.cbs.add(cb);
        return cb;
    }

    /** The current task's plug, or null. */
    static Plug current(Kernel k) {
        Task cur = k.sched().current();
        return cur != null && cur.plug() instanceof Plug ? (Plug) cur.plug() : null;
    }

    /**
     * blk_attempt_plug_merge(): merges the bio into a plugged request of the same queue.
     *
     * @return true if merged
     */
    boolean attemptPlugMerge(Bio b) {
        for (int i = list.size() - 1; i >= 0; i--) {
            Request rq = list.get(i);
            if (rq.bios.get(0).bdev == b.bdev && rq.tryMerge(b, b.bdev.queue().limits())) {
                b.bdev.queue().stats().merges.increment();
                return true;
            }
        }
        return false;
    }

    /** Adds a new request, flushing first if the plug is full. */
    void add(Request rq) {
        if (list.size() >= BLK_MAX_REQUEST_COUNT) {
            if (k.tracing()) {
                k.trace("block_plug_full " + owner);
            }
            flushList(false);
        }
        list.add(rq);
    }

    /** True if the plug holds no requests and no callbacks. */
    boolean isEmpty() {
        return list.isEmpty() && cbs.isEmpty();
    }

    /** blk_flush_plug_list(): callbacks first, then the requests, sorted by device and sector. */
    @Override
    @KernelFunction("blk_flush_plug_list")
    public void flush(boolean fromSchedule) {
        if (!cbs.isEmpty()) {
            List<PlugCallback> run = cbs;
            cbs = new ArrayList<>();
            for (PlugCallback cb : run) {
                cb.unplug(fromSchedule);
            }
        }
        flushList(fromSchedule);
    }

    private void flushList(boolean fromSchedule) {
        if (list.isEmpty()) {
            return;
        }
        List<Request> run = list;
        list = new ArrayList<>();
        run.sort(Comparator.comparing((Request r) -> r.bios.get(0).bdev.name()).thenComparingLong(r -> r.sector));
        if (k.tracing()) {
            k.trace("block_unplug " + run.size() + (fromSchedule ? " (from schedule)" : ""));
        }
        for (Request rq : run) {
            rq.bios.get(0).bdev.queue().dispatch(rq);
        }
    }
}

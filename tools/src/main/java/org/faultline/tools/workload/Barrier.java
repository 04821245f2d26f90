package org.faultline.tools.workload;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.faultline.kernel.HostLock;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.Task;
import org.faultline.kernel.WaitQueue;
import org.faultline.kernel.WaitTarget;
import org.faultline.tools.workload.Shadow.Actor;

/**
 * A workload barrier: every task naming it waits until all of them have arrived, as often as they
 * reach it (a cyclic barrier; a task that exits stops counting, as a Phaser deregisters). Built on a
 * kernel {@link WaitQueue}, so waiting is a kernel sleep the scheduler and the wait-for graph see.
 *
 * <p>Passing a barrier joins the vector clocks of every task that arrived (see {@link Shadow}): what
 * any of them did before it happened before what each does after it.
 *
 * <p>Fields guarded by the oracle's lock; {@code gen} is volatile for the wait condition.
 */
final class Barrier implements WaitTarget {
    private final Kernel k;
    private final String name;
    private final HostLock lock;
    private final WaitQueue wq;
    private int parties;
    private volatile long gen;
    private final Set<Integer> arrived = new LinkedHashSet<>();
    private final Map<Integer, Task> members = new LinkedHashMap<>(); // actor index -> task, once started
    private final long[][] acc = new long[2][];
    private final long[][] released = new long[2][];

    Barrier(Kernel k, String name, int parties, HostLock lock) {
        this.k = k;
        this.name = name;
        this.parties = parties;
        this.lock = lock;
        this.wq = new WaitQueue(k);
    }

    /** A member task started (for the wait-for graph). */
    void register(Actor a, Task t) {
        lock.lock();
        try {
            members.put(a.index, t);
        } finally {
            lock.unlock();
        }
    }

    /** Arrives and waits for every other member. */
    void await(Actor a) {
        long g;
        boolean last;
        lock.lock();
        try {
            g = gen;
            int slot = (int) (g & 1);
            acc[slot] = join(acc[slot], a.vc);
            arrived.add(a.index);
            last = arrived.size() >= parties;
            if (last) {
                release(g);
            }
        } finally {
            lock.unlock();
        }
        if (last) {
            wq.wakeUpAll();
        } else {
            wq.waitEvent(() -> gen != g, this);
        }
        lock.lock();
        try {
            long[] r = released[(int) (g & 1)];
            for (int i = 0; i < r.length; i++) {
                a.vc[i] = Math.max(a.vc[i], r[i]);
            }
            a.vc[a.index]++;
        } finally {
            lock.unlock();
        }
    }

    /** A member exited: the others no longer wait for it. */
    void leave(Actor a) {
        boolean woke = false;
        lock.lock();
        try {
            parties--;
            members.remove(a.index);
            if (!arrived.isEmpty() && arrived.size() >= parties) {
                release(gen);
                woke = true;
            }
        } finally {
            lock.unlock();
        }
        if (woke) {
            wq.wakeUpAll();
        }
    }

    /** Context: lock held. */
    private void release(long g) {
        int slot = (int) (g & 1);
        released[slot] = acc[slot];
        acc[slot] = null;
        arrived.clear();
        gen = g + 1;
        if (k.tracing()) {
            k.trace("workload barrier " + name + " released (generation " + g + ")");
        }
    }

    private static long[] join(long[] acc, long[] vc) {
        if (acc == null) {
            return vc.clone();
        }
        for (int i = 0; i < acc.length; i++) {
            acc[i] = Math.max(acc[i], vc[i]);
        }
        return acc;
    }

    @Override
    public String describe() {
        lock.lock();
        try {
            return "workload barrier " + name + " (" + arrived.size() + " of " + parties + " arrived)";
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Object> owedBy() {
        lock.lock();
        try {
            List<Object> l = new ArrayList<>();
            for (Map.Entry<Integer, Task> e : members.entrySet()) {
                if (!arrived.contains(e.getKey())) {
                    l.add(e.getValue());
                }
            }
            return l;
        } finally {
            lock.unlock();
        }
    }
}

package org.faultline.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * A completion ({@code struct completion}, kernel/sched/completion.c): a counted event. Whoever will
 * complete it can be declared with {@link #owedBy(Object)} so the wait-for graph can follow it (a
 * bio's completion is owed by the bio, which is owed by its submitter or its device).
 */
@KernelSource("kernel/sched/completion.c")
public final class Completion implements WaitTarget {
    private static final int COMPLETE_ALL = Integer.MAX_VALUE;

    private final Kernel k;
    private final String name;
    private final WaitQueue wait;
    private int done;                          // guarded by wait's monitor
    private volatile Object owner;             // who will complete it, if known

    public Completion(Kernel k, String name) {
        this.k = k;
        this.name = name;
        this.wait = new WaitQueue(k);
    }

    /** Declares who owes the completion (a Task or WaitTarget), for deadlock reports. */
    public Completion owedBy(Object who) {
        owner = who;
        return this;
    }

    /** wait_for_completion(): sleeps until done, consuming one completion. */
    public void waitForCompletion() {
        Scheduler s = k.sched();
        s.point("wait_for_completion");
        WaitQueue.Entry e = new WaitQueue.Entry(s.current(), WaitQueue.WQ_FLAG_EXCLUSIVE,
                WaitQueue::autoremoveWakeFunction, null);
        for (;;) {
            synchronized (wait) {
                if (done > 0) {
                    if (done != COMPLETE_ALL) {
                        done--;
                    }
                    break;
                }
                wait.prepareToWait(e, this, true);
            }
            s.schedule();
        }
        wait.finishWait(e);
    }

    /** complete(): one waiter may proceed. Safe in softirq context (does not sleep). */
    public void complete() {
        synchronized (wait) {
            if (done != COMPLETE_ALL) {
                done++;
            }
            wait.wakeUpLocked(1, null);
        }
        k.sched().point("complete");
    }

    /** completion_done(). */
    public boolean completionDone() {
        synchronized (wait) {
            return done > 0;
        }
    }

    @Override
    public String describe() {
        return "completion " + name;
    }

    @Override
    public List<Object> owedBy() {
        Object o = owner;
        List<Object> l = new ArrayList<>(1);
        if (o != null && !completionDone()) {
            l.add(o);
        }
        return l;
    }
}

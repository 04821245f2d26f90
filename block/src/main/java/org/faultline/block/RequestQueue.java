package org.faultline.block;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelFunction;
import org.faultline.kernel.KernelSource;
import org.faultline.kernel.Scheduler;
import org.faultline.kernel.SpinLock;
import org.faultline.kernel.Task;
import org.faultline.kernel.TaskKind;
import org.faultline.kernel.WaitQueue;
import org.faultline.kernel.WaitTarget;

/**
 * A request queue ({@code struct request_queue}, block/blk-mq.c with the "none" elevator): requests
 * take a tag (at most {@code nr_requests} in flight, submitters sleep for one), wait on the dispatch
 * list — where later bios still merge into them — and are executed by the device's IRQ tasks, which
 * complete their bios in softirq context.
 *
 * <p>Completion as a task: each IRQ task ({@code irq/NAME-i}) takes a request, performs the host I/O
 * and runs {@code bio_endio}. Under the controlled scheduler that makes every completion a
 * schedulable event, so host latency can never change a run's outcome. Free-running, a synchronous
 * waiter ({@link BlkCore#submitBioWait}) may issue directly from its own task, as
 * {@code blk_mq_try_issue_directly} does, saving two host thread switches per I/O.
 *
 * <p>Hardware contexts ({@code struct blk_mq_hw_ctx}): one per IRQ task, each with its own dispatch
 * list. A request goes to the context of the submitting task's CPU — tasks are spread over CPUs by
 * pid, as if each were pinned — and completes in that context's IRQ task, so a completion delayed on
 * one CPU holds back the later requests of the tasks on that CPU, not those of the others.
 * Free-running, every IRQ task serves one shared context (see {@link #startIrqTasks}).
 *
 * <p>Locks: {@code queueLock} (a kernel spin lock) protects every context's dispatch list; {@code tags}
 * and each context's {@code pending} are atomics readable without it.
 */
@KernelSource("block/blk-mq.c")
public final class RequestQueue {
    private final Kernel k;
    private final BlockDevice bdev;
    private final BlockDriver driver;
    private final QueueLimits limits;
    private final BlockStats stats = new BlockStats();
    private final AtomicInteger tags = new AtomicInteger();        // requests holding a tag
    private final WaitQueue tagWait;
    private final SpinLock queueLock;
    private Hctx[] hctxs = new Hctx[0];                             // set once, by startIrqTasks
    private final List<Task> irqTasks = new ArrayList<>();
    private final WaitTarget tagTarget;
    private final WaitTarget idleTarget;

    RequestQueue(Kernel k, BlockDevice bdev, BlockDriver driver, QueueLimits limits) {
        this.k = k;
        this.bdev = bdev;
        this.driver = driver;
        this.limits = limits;
        this.tagWait = new WaitQueue(k);
        this.queueLock = new SpinLock(k, bdev.name() + " queue_lock");
        this.tagTarget = () -> "a request tag of " + bdev.name() + " (" + limits.nrRequests() + " in flight)";
        this.idleTarget = () -> "requests to complete on " + bdev.name();
    }

    /** {@code struct blk_mq_hw_ctx}: a dispatch list and the IRQ task completing its requests. */
    private static final class Hctx {
        final ArrayDeque<Request> dispatch = new ArrayDeque<>(); // protected by queueLock
        final AtomicInteger pending = new AtomicInteger();     // dispatch.size(), readable lock-free
        final WaitQueue irqWait;

        Hctx(Kernel k) {
            this.irqWait = new WaitQueue(k);
        }
    }

    /**
     * Spawns the hardware contexts and their IRQ tasks, which execute and complete requests. Under
     * control, one context per IRQ task: a request completes on its submitter's CPU's context.
     * Free-running, the {@code n} IRQ tasks serve one shared context — the device executes requests in
     * parallel, and which host thread completes one cannot change a measurement (deviation: the
     * per-CPU contexts matter only for which interleavings exist). Context: boot.
     */
    void startIrqTasks(int n) {
        int contexts = k.sched().controlled() ? n : 1;
        Hctx[] h = new Hctx[contexts];
        for (int i = 0; i < contexts; i++) {
            h[i] = new Hctx(k);
        }
        hctxs = h;
        for (int i = 0; i < n; i++) {
            Hctx hc = h[i % contexts];
            irqTasks.add(k.spawn("irq/" + bdev.name() + "-" + i, TaskKind.SOFTIRQ, () -> irqTaskMain(hc)));
        }
    }

    /** blk_mq_map_queue(): the hardware context of the current task's CPU (its pid, spread over them). */
    private Hctx mapQueue() {
        Task t = k.sched().current();
        return hctxs[t == null ? 0 : t.pid() % hctxs.length];
    }

    public QueueLimits limits() {
        return limits;
    }

    public BlockStats stats() {
        return stats;
    }

    /**
     * blk_mq_get_tag(): takes a tag, sleeping while all {@code nr_requests} are in use.
     *
     * Context: process context; may sleep.
     */
    void blkMqGetTag() {
        Scheduler s = k.sched();
        int depth = limits.nrRequests();
        WaitQueue.Entry e = null;
        for (;;) {
            int t = tags.get();
            if (t < depth) {
                if (tags.compareAndSet(t, t + 1)) {
                    break;
                }
                continue;
            }
            if (e == null) {
                e = new WaitQueue.Entry(s.current(), 0, WaitQueue::autoremoveWakeFunction, null);
            }
            tagWait.prepareToWait(e, tagTarget, true);
            if (tags.get() >= depth) {
                s.schedule(); // io_schedule
            }
            tagWait.finishWait(e);
        }
        s.point("blk_mq_get_tag");
    }

    private void blkMqPutTag() {
        tags.decrementAndGet();
        if (tagWait.active()) {
            tagWait.wakeUp();
        }
    }

    /**
     * Tries to merge a bio into a request still waiting on the dispatch list (blk_mq_attempt_merge).
     *
     * @return true if merged
     */
    boolean attemptMerge(Bio b) {
        Hctx h = mapQueue();
        if (h.pending.get() == 0) {
            return false;
        }
        queueLock.spinLock();
        try {
            Request last = h.dispatch.peekLast();
            if (last != null && last.tryMerge(b, limits)) {
                b.state = Bio.State.QUEUED;
                stats.merges.increment();
                return true;
            }
            return false;
        } finally {
            queueLock.spinUnlock();
        }
    }

    /** Sends a request to the device: takes a tag and queues it on the submitting CPU's context. */
    @KernelFunction("blk_mq_run_hw_queue")
    void dispatch(Request rq) {
        blkMqGetTag();
        for (Bio b : rq.bios) {
            b.state = Bio.State.QUEUED;
        }
        Hctx h = mapQueue();
        queueLock.spinLock();
        h.dispatch.addLast(rq);
        h.pending.incrementAndGet();
        queueLock.spinUnlock();
        h.irqWait.wakeUp();
    }

    /**
     * blk_mq_try_issue_directly(): executes the request in the submitting task and completes it
     * there, in softirq context. Used free-running by synchronous waiters only.
     */
    void issueDirectly(Request rq) {
        blkMqGetTag();
        start(rq);
        complete(rq, driver.execute(rq));
    }

    /** The threaded IRQ handler of this queue: executes dispatched requests and completes them. */
    @KernelFunction("irq_thread")
    private void irqTaskMain(Hctx h) {
        Task self = k.sched().current();
        for (;;) {
            h.irqWait.waitEventIdle(() -> h.pending.get() > 0 || self.kthreadShouldStop(), idleTarget);
            Request rq = take(h);
            if (rq == null) {
                if (self.kthreadShouldStop()) {
                    return;
                }
                continue;
            }
            start(rq);
            complete(rq, driver.execute(rq));
        }
    }

    private Request take(Hctx h) {
        queueLock.spinLock();
        Request rq = h.dispatch.pollFirst();
        if (rq != null) {
            h.pending.decrementAndGet();
        }
        queueLock.spinUnlock();
        return rq;
    }

    private void start(Request rq) {
        rq.startNs = k.sched().clockNs();
        for (Bio b : rq.bios) {
            b.state = Bio.State.IN_FLIGHT;
        }
        stats.requests.increment();
        if (k.tracing()) {
            k.trace("block_rq_issue " + bdev.name() + " " + rq);
        }
    }

    /** blk_mq_end_request() → bio_endio() for each bio, in softirq context; then frees the tag. */
    @KernelFunction("blk_mq_end_request")
    private void complete(Request rq, BlkStatus st) {
        Task cur = k.sched().current();
        k.sched().point("blk_mq_complete_request");
        if (!k.sched().controlled()) { // under control the clock is virtual: a latency would mean nothing
            stats.recordLatency(rq.op, k.sched().clockNs() - rq.startNs);
        }
        if (rq.op == Bio.Op.READ) {
            stats.bytesRead.add(rq.bytes);
        } else if (rq.op == Bio.Op.WRITE) {
            stats.bytesWritten.add(rq.bytes);
        }
        if ((rq.flags & (Bio.REQ_PREFLUSH | Bio.REQ_FUA)) != 0 || rq.op == Bio.Op.FLUSH) {
            stats.flushes.increment();
        }
        if (!st.ok()) {
            stats.errors.increment();
            k.printk("blk_update_request: " + (st.injected() ? "injected " : "") + "I/O error, dev " + bdev.name()
                    + ", sector " + rq.sector + " op " + rq.op + " (" + st + ")");
        }
        if (k.tracing()) {
            k.trace("block_rq_complete " + bdev.name() + " " + rq + " " + st);
        }
        boolean old = cur != null && cur.setSoftirqActive(true); // cur is null only at boot
        try {
            for (Bio b : rq.bios) {
                b.bioEndio(st);
            }
        } finally {
            if (cur != null) {
                cur.setSoftirqActive(old);
            }
        }
        blkMqPutTag();
    }
}

package org.faultline.block;

import java.util.concurrent.atomic.AtomicLong;
import org.faultline.kernel.Completion;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelSource;

/**
 * Bio submission (block/blk-core.c): {@code submit_bio} through the plug or straight to the queue,
 * and {@code submit_bio_wait}. Holds the per-kernel block state (bio ids).
 */
@KernelSource("block/blk-core.c")
public final class BlkCore {
    private final AtomicLong bioIds = new AtomicLong();

    private BlkCore() {
    }

    /**
     * blk_dev_init(): the block layer state of a kernel. An initcall: made at boot, before any task
     * runs ({@code Machine.boot}, or {@link BlockDevice#addDisk} for a kernel booted without one).
     */
    public static void init(Kernel k) {
        if (k.subsys(BlkCore.class) == null) {
            k.attach(BlkCore.class, new BlkCore());
        }
    }

    /** The block layer state of a kernel (see {@link #init}). */
    public static BlkCore of(Kernel k) {
        BlkCore c = k.subsys(BlkCore.class);
        if (c == null) {
            throw new IllegalStateException("block layer not initialised (blk_dev_init) on this kernel");
        }
        return c;
    }

    long nextBioId() {
        return bioIds.incrementAndGet();
    }

    /**
     * submit_bio(): checks the bio against the device, then adds it to the task's plug (merging if it
     * can) or hands it to the queue.
     *
     * Context: process context; may sleep for a tag.
     */
    public static void submitBio(Bio bio) {
        Kernel k = bio.k;
        k.sched().point("submit_bio");
        RequestQueue q = bio.bdev.queue();
        q.stats().bios.increment();
        if (checkEod(bio) || shouldFailBio(bio)) {
            return;
        }
        if (k.tracing()) {
            k.trace("block_bio_queue " + bio.bdev.name() + " " + bio.op + " " + bio.sector + "+" + bio.sectors());
        }
        Plug plug = Plug.current(k);
        if (plug != null && bio.size() > 0) {
            bio.state = Bio.State.PLUGGED;
            if (!plug.attemptPlugMerge(bio)) {
                plug.add(new Request(bio));
            }
            return;
        }
        if (bio.size() > 0 && q.attemptMerge(bio)) {
            return;
        }
        q.dispatch(new Request(bio));
    }

    /**
     * should_fail_bio(): the {@code fail_make_request} fault-injection site
     * ({@link org.faultline.kernel.FaultInject}); an armed call ends the bio with an I/O error before
     * it reaches the queue.
     */
    private static boolean shouldFailBio(Bio bio) {
        if (bio.k.faults().shouldFail("fail_make_request") == 0) {
            return false;
        }
        bio.bioEndio(BlkStatus.IOERR);
        return true;
    }

    /** bio_check_eod(): a bio past the end of the device fails with an I/O error at once. */
    private static boolean checkEod(Bio bio) {
        long cap = bio.bdev.capacitySectors();
        if (bio.sector < 0 || bio.sector + bio.sectors() > cap) {
            bio.k.printk("attempt to access beyond end of device\n" + bio.bdev.name() + ": rw=" + bio.op
                    + ", want=" + (bio.sector + bio.sectors()) + ", limit=" + cap);
            bio.bioEndio(BlkStatus.IOERR);
            return true;
        }
        return false;
    }

    /**
     * submit_bio_wait(): submits and sleeps until the bio completes.
     *
     * <p>Deviation: free-running, a bio submitted with no plugged I/O pending is executed directly in
     * the submitting task ({@code blk_mq_try_issue_directly} with a synchronous device), so a
     * synchronous I/O costs no host thread switch. Under control it always goes through an IRQ task.
     *
     * @return the completion status
     */
    public static BlkStatus submitBioWait(Bio bio) {
        Kernel k = bio.k;
        Plug plug = k.sched().bootContext() ? null : Plug.current(k);
        // at boot (mounting, before any task runs) there is nobody to sleep: issue synchronously
        if ((k.sched().bootContext() || !k.sched().controlled() && (plug == null || plug.isEmpty()))
                && !checkEodQuiet(bio)) {
            k.sched().point("submit_bio");
            bio.bdev.queue().stats().bios.increment();
            bio.state = Bio.State.QUEUED;
            bio.bdev.queue().issueDirectly(new Request(bio));
            return bio.status;
        }
        Completion done = new Completion(k, "submit_bio_wait").owedBy(bio);
        bio.setEndIo(b -> done.complete());
        submitBio(bio);
        done.waitForCompletion();
        return bio.status;
    }

    private static boolean checkEodQuiet(Bio bio) {
        return bio.sector < 0 || bio.sector + bio.sectors() > bio.bdev.capacitySectors();
    }
}

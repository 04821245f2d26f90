package org.faultline.mm;

import java.util.function.Consumer;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.Strategy;
import org.faultline.kernel.TaskKind;

/** Boots a kernel with mm and a TestFs, runs a body as a user task. */
final class MmFixture {
    final Kernel k;
    final Mm mm;
    final TestFs fs;

    MmFixture(Strategy s, String profile, Mm.Params p) {
        this(s, profile(profile), p);
    }

    MmFixture(Strategy s, KernelProfile profile, Mm.Params p) {
        BootParams bp = s == null ? BootParams.free() : BootParams.controlled(s);
        this.k = Kernel.boot(bp.withProfile(profile));
        this.mm = Mm.init(k, p);
        this.fs = new TestFs(k, mm);
    }

    /** A profile name followed by patch overrides: {@code "5.10 +wait-on-page-writeback-loops"}. */
    static KernelProfile profile(String spec) {
        String[] parts = spec.trim().split("\\s+");
        KernelProfile p = KernelProfile.byName(parts[0]);
        return parts.length == 1 ? p : p.with(java.util.Arrays.asList(parts).subList(1, parts.length));
    }

    /** Bound on test wait loops, so a regression fails the test instead of spinning forever. */
    static final int MAX_WAIT_ITERATIONS = 100_000;

    /**
     * What a store to a page writeback has cleaned and write-protected does, in short: the write
     * fault's {@code ->page_mkwrite} tells the filesystem (so the page is not "dirtied behind its
     * back" for the CONFIG_DEBUG_VM check), then the page is dirtied. For scripted interleavings.
     */
    static void storeRedirties(Page p) {
        p.cleanedSinceMkwrite = false;
        PageWriteback.setPageDirty(p);
    }

    /** Busy-waits (each test a preemption point, so other tasks run) until {@code cond} holds. */
    static void spinUntil(java.util.function.BooleanSupplier cond, String what) {
        org.faultline.kernel.Scheduler s = org.faultline.kernel.Task.current().kernel().sched();
        for (int i = 0; !cond.getAsBoolean(); i++) {
            if (i >= MAX_WAIT_ITERATIONS) {
                throw new AssertionError("gave up waiting for " + what);
            }
            s.point("test: await " + what);
        }
    }

    /** Sleeps 1 ms of kernel time at a time until {@code cond} holds. */
    static void sleepUntil(java.util.function.BooleanSupplier cond, String what) {
        org.faultline.kernel.Scheduler s = org.faultline.kernel.Task.current().kernel().sched();
        for (int i = 0; !cond.getAsBoolean(); i++) {
            if (i >= MAX_WAIT_ITERATIONS) {
                throw new AssertionError("gave up waiting for " + what);
            }
            s.msleep(1);
        }
    }

    /** Waits until {@code t} sleeps on something whose description contains {@code what}. */
    static void awaitSleepingOn(org.faultline.kernel.Task t, String what) {
        spinUntil(() -> {
            if (t.hasExited()) {
                throw new AssertionError(t + " exited instead of sleeping on " + what);
            }
            return t.isSleeping() && t.waitingOn() != null && t.waitingOn().describe().contains(what);
        }, t + " to sleep on " + what);
    }

    static void awaitExit(org.faultline.kernel.Task t) {
        sleepUntil(t::hasExited, t + " to exit");
    }

    static MmFixture controlled(long seed, String profile, int ramPages) {
        return new MmFixture(new RandomWalk(seed), profile, Mm.Params.ofPages(ramPages));
    }

    RunResult run(String comm, Consumer<MmFixture> body) {
        k.spawn(comm, TaskKind.USER, () -> body.accept(this));
        RunResult r = k.run();
        mm.memMap().close();
        return r;
    }
}

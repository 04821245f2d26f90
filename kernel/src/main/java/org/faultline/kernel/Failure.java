package org.faultline.kernel;

/**
 * One detected failure: what kind, its one-line title (the kernel's own first line), the full report,
 * and where in the run it happened. Kinds map to the command line's exit codes.
 *
 * @param kind    what was detected
 * @param title   the report's headline, e.g. {@code "kernel BUG at mm/page-writeback.c!"}
 * @param report  the full, kernel-style report
 * @param step    the scheduler step at detection (controlled runs; 0 when free-running)
 * @param pid     the task that hit it, or 0
 */
public record Failure(Kind kind, String title, String report, long step, int pid) {
    /** Failure classes, each with the exit code of the command line. */
    public enum Kind {
        /** BUG_ON or oops: exit 1. */
        BUG(1),
        /** WARN_ON: reported, not fatal unless panic_on_warn: exit 1 then. */
        WARN(1),
        /** Wait-for cycle or nothing runnable: exit 3. */
        DEADLOCK(3),
        /** Hung-task watchdog or step bound exceeded (livelock): exit 3. */
        HANG(3),
        /** Invariant violation (sleeping in atomic context, dirty page without buffers...): exit 4. */
        INVARIANT(4),
        /** The data oracle saw wrong bytes: exit 4. */
        CORRUPTION(4),
        /** Replay diverged from its schedule: uncontrolled nondeterminism, exit 2 (bad input). */
        NONDETERMINISM(2);

        public final int exitCode;

        Kind(int exitCode) {
            this.exitCode = exitCode;
        }
    }
}

package org.faultline.kernel;

/**
 * Everything {@link Kernel#boot} needs to know for the kernel core. Immutable; {@code with*} return
 * copies. Higher layers (RAM size, memcg limit, devices) keep their own parameters.
 *
 * @param strategy          the controlled scheduler's strategy, or null to run free
 * @param profile           kernel era and patches
 * @param seed              seed of the free-running scheduler's random values
 * @param maxDecisions      controlled runs: scheduling decisions before a livelock is reported
 * @param hungTaskTimeoutMs free runs: blocked time before a task is reported hung
 * @param panicOnWarn       a WARN ends the run as a failure (exit 1)
 * @param traceCapacity     trace events kept as text (all are digested). A controlled kernel always
 *                          traces (the digest is its determinism check); a free-running one traces
 *                          only when this is above 0 — like ftrace, off unless asked, because
 *                          formatting every event costs more than the work it records. {@link #NO_TRACE}
 *                          turns a controlled kernel's tracing off too: an exploration's search runs,
 *                          whose traces nobody reads (a failing one is run again, traced)
 * @param logCapacity       kernel log lines kept
 * @param debugVm           CONFIG_DEBUG_VM: the invariant checks of {@link Kernel#vmWarnInvariant} run. On
 *                          for controlled runs (exploration, tests), off by default when free-running
 * @param panicOnOops       the panic_on_oops sysctl: an oops (BUG) ends the run, as it always does here by
 *                          default, so the machine stops at the failure. Off, an oops in a user task's system
 *                          call kills only that task ({@code make_task_dead}) and taints the kernel (D), and
 *                          the machine goes on — what {@code faultline mount} runs with, as distributions do.
 *                          An oops in a kernel thread or in softirq context (a bio completion run in the
 *                          task), an invariant violation or a corruption stays fatal
 */
public record BootParams(Strategy strategy, KernelProfile profile, long seed, long maxDecisions,
                         long hungTaskTimeoutMs, boolean panicOnWarn, int traceCapacity, int logCapacity,
                         boolean debugVm, boolean panicOnOops) {

    /** {@code traceCapacity} of a kernel that records no trace at all, not even a digest. */
    public static final int NO_TRACE = -1;

    /** Events a controlled kernel keeps as text. */
    public static final int TRACE_CAPACITY = 256;

    /** Free-running, profile 6.6, no panic on warn, no tracing. */
    public static BootParams free() {
        return new BootParams(null, KernelProfile.byName("6.6"), 0, 1_000_000, 120_000, false, 0, 4096, false, true);
    }

    /** Controlled by {@code s}, profile 6.6, keeping the last {@link #TRACE_CAPACITY} events, debug checks on. */
    public static BootParams controlled(Strategy s) {
        return free().withStrategy(s).withTraceCapacity(TRACE_CAPACITY).withDebugVm(true);
    }

    public BootParams withTraceCapacity(int n) {
        return new BootParams(strategy, profile, seed, maxDecisions, hungTaskTimeoutMs, panicOnWarn, n,
                logCapacity, debugVm, panicOnOops);
    }

    public BootParams withStrategy(Strategy s) {
        return new BootParams(s, profile, seed, maxDecisions, hungTaskTimeoutMs, panicOnWarn, traceCapacity,
                logCapacity, debugVm, panicOnOops);
    }

    public BootParams withProfile(KernelProfile p) {
        return new BootParams(strategy, p, seed, maxDecisions, hungTaskTimeoutMs, panicOnWarn, traceCapacity,
                logCapacity, debugVm, panicOnOops);
    }

    public BootParams withMaxDecisions(long n) {
        return new BootParams(strategy, profile, seed, n, hungTaskTimeoutMs, panicOnWarn, traceCapacity,
                logCapacity, debugVm, panicOnOops);
    }

    public BootParams withHungTaskTimeoutMs(long ms) {
        return new BootParams(strategy, profile, seed, maxDecisions, ms, panicOnWarn, traceCapacity,
                logCapacity, debugVm, panicOnOops);
    }

    public BootParams withDebugVm(boolean b) {
        return new BootParams(strategy, profile, seed, maxDecisions, hungTaskTimeoutMs, panicOnWarn, traceCapacity,
                logCapacity, b, panicOnOops);
    }

    public BootParams withSeed(long n) {
        return new BootParams(strategy, profile, n, maxDecisions, hungTaskTimeoutMs, panicOnWarn, traceCapacity,
                logCapacity, debugVm, panicOnOops);
    }

    public BootParams withPanicOnOops(boolean b) {
        return new BootParams(strategy, profile, seed, maxDecisions, hungTaskTimeoutMs, panicOnWarn, traceCapacity,
                logCapacity, debugVm, b);
    }

    public boolean controlled() {
        return strategy != null;
    }

    /** Whether the kernel records trace events: always under control, on request when free. */
    public boolean tracing() {
        return traceCapacity != NO_TRACE && (controlled() || traceCapacity > 0);
    }
}

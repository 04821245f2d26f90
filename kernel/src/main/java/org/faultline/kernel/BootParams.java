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
 *                          formatting every event costs more than the work it records
 * @param logCapacity       kernel log lines kept
 */
public record BootParams(Strategy strategy, KernelProfile profile, long seed, long maxDecisions,
                         long hungTaskTimeoutMs, boolean panicOnWarn, int traceCapacity, int logCapacity) {

    /** Events a controlled kernel keeps as text. */
    public static final int TRACE_CAPACITY = 256;

    /** Free-running, profile 6.6, no panic on warn, no tracing. */
    public static BootParams free() {
        return new BootParams(null, KernelProfile.byName("6.6"), 0, 1_000_000, 120_000, false, 0, 4096);
    }

    /** Controlled by {@code s}, profile 6.6, keeping the last {@link #TRACE_CAPACITY} events. */
    public static BootParams controlled(Strategy s) {
        return free().withStrategy(s).withTraceCapacity(TRACE_CAPACITY);
    }

    public BootParams withTraceCapacity(int n) {
        return new BootParams(strategy, profile, seed, maxDecisions, hungTaskTimeoutMs, panicOnWarn, n, logCapacity);
    }

    public BootParams withStrategy(Strategy s) {
        return new BootParams(s, profile, seed, maxDecisions, hungTaskTimeoutMs, panicOnWarn, traceCapacity, logCapacity);
    }

    public BootParams withProfile(KernelProfile p) {
        return new BootParams(strategy, p, seed, maxDecisions, hungTaskTimeoutMs, panicOnWarn, traceCapacity, logCapacity);
    }

    public BootParams withMaxDecisions(long n) {
        return new BootParams(strategy, profile, seed, n, hungTaskTimeoutMs, panicOnWarn, traceCapacity, logCapacity);
    }

    public BootParams withHungTaskTimeoutMs(long ms) {
        return new BootParams(strategy, profile, seed, maxDecisions, ms, panicOnWarn, traceCapacity, logCapacity);
    }

    public BootParams withPanicOnWarn(boolean b) {
        return new BootParams(strategy, profile, seed, maxDecisions, hungTaskTimeoutMs, b, traceCapacity, logCapacity);
    }

    public boolean controlled() {
        return strategy != null;
    }

    /** Whether the kernel records trace events: always under control, on request when free. */
    public boolean tracing() {
        return controlled() || traceCapacity > 0;
    }
}

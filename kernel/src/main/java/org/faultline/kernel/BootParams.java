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
 * @param traceCapacity     trace events kept as text (all are digested)
 * @param logCapacity       kernel log lines kept
 */
public record BootParams(Strategy strategy, KernelProfile profile, long seed, long maxDecisions,
                         long hungTaskTimeoutMs, boolean panicOnWarn, int traceCapacity, int logCapacity) {

    /** Free-running, profile 6.6, no panic on warn. */
    public static BootParams free() {
        return new BootParams(null, KernelProfile.byName("6.6"), 0, 1_000_000, 120_000, false, 256, 4096);
    }

    /** Controlled by {@code s}, profile 6.6. */
    public static BootParams controlled(Strategy s) {
        return free().withStrategy(s);
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
}

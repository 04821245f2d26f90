package org.faultline.kernel;

/**
 * Host elapsed time for reports (schedules per second, run times). Never used for a scheduling or
 * kernel decision: a controlled run's outcome cannot depend on it.
 */
public final class Stopwatch {
    private final long start = System.nanoTime();

    public long elapsedNs() {
        return System.nanoTime() - start;
    }

    /**
     * The host's wall clock, milliseconds since the epoch: for metadata kept outside any run (when a
     * failure was captured), never for a run itself.
     */
    public static long wallClockMs() {
        return System.currentTimeMillis();
    }
}

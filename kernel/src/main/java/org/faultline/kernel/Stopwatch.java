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

    /** The host's monotonic clock, nanoseconds: a benchmark's host-side timings (the kernel's own are {@code clockNs}). */
    public static long monotonicNs() {
        return System.nanoTime();
    }

    /**
     * This process's CPU time, nanoseconds, every thread (the JIT compiler's and the collector's too):
     * a benchmark's CPU seconds per GiB. 0 where the JVM cannot tell.
     */
    public static long processCpuNs() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return Math.max(0, sun.getProcessCpuTime());
        }
        return 0;
    }

    /**
     * The host's wall clock, milliseconds since the epoch: for metadata kept outside any run (when a
     * failure was captured) and the boot time of a free-running machine, never for a controlled run.
     */
    public static long wallClockMs() {
        return System.currentTimeMillis();
    }
}

package org.faultline.tools.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One run's figures of a benchmark workload: the measured window, the bytes its reads, writes, loads
 * and stores moved, its system calls, the counters' growth over the window (the process's CPU time
 * {@value #CPU_NS}, and for Faultline the block layer's bios, requests, merges and flushes), and each
 * call's latency histogram (nanoseconds).
 */
public record Figures(long windowNs, long bytes, long calls, Map<String, Long> counters, Map<String, Histogram> latency) {
    /** The counter of the process's CPU time, nanoseconds. */
    public static final String CPU_NS = "cpu_ns";

    public Figures {
        counters = Map.copyOf(counters);
        latency = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(latency));
    }

    /** Throughput, MiB/s (the bytes moved over the window); 0 if the window is empty. */
    public double mbPerS() {
        return windowNs <= 0 ? 0 : bytes / 1048576.0 / (windowNs / 1e9);
    }

    /** System calls per second over the window. */
    public double opsPerS() {
        return windowNs <= 0 ? 0 : calls / (windowNs / 1e9);
    }

    /** CPU seconds of the whole process per GiB moved; NaN when nothing moved or the CPU time is unknown. */
    public double cpuSecPerGiB() {
        long cpu = counters.getOrDefault(CPU_NS, 0L);
        return bytes <= 0 || cpu <= 0 ? Double.NaN : cpu / 1e9 / (bytes / 1073741824.0);
    }

    /** A counter's growth over the window, or -1 if not counted. */
    public long counter(String name) {
        return counters.getOrDefault(name, -1L);
    }

    /** The named call's latency at {@code percentile} (0..100), ns; -1 if the call was not made. */
    public long latencyNs(String call, double percentile) {
        Histogram h = latency.get(call);
        return h == null || h.getTotalCount() == 0 ? -1 : h.getValueAtPercentile(percentile);
    }

    /**
     * The call that took the most time in total (what the workload is "about": write for a writer,
     * fsync for small files), for the one latency a summary shows; null if none.
     */
    public String mainCall() {
        String best = null;
        double most = -1;
        for (Map.Entry<String, Histogram> e : latency.entrySet()) {
            double total = e.getValue().getMean() * e.getValue().getTotalCount();
            if (total > most) {
                most = total;
                best = e.getKey();
            }
        }
        return best;
    }
}

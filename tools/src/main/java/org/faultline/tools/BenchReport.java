package org.faultline.tools;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.faultline.tools.bench.Figures;

/** How {@code bench fs} shows one run's {@link Figures}: lines for a terminal, an object for JSON. */
final class BenchReport {
    private BenchReport() {
    }

    /** The percentiles every latency line and JSON object gives. */
    static final double[] PERCENTILES = {50, 90, 99, 99.9};

    /**
     * Prints {@code f} under {@code label}; with {@code host}, each rate also as a ratio to the host's.
     */
    static void print(PrintWriter out, String label, Figures f, Figures host) {
        String ratio = host == null || host.mbPerS() <= 0 ? "" : String.format(Locale.ROOT, "   %.2fx the host's MB/s, %.2fx its calls/s",
                f.mbPerS() / host.mbPerS(), f.opsPerS() / host.opsPerS());
        out.printf(Locale.ROOT, "  %-10s %9.1f MB/s, %9.0f calls/s, CPU %s s/GiB (%s in %.3f s)%s%n", label, f.mbPerS(), f.opsPerS(),
                Double.isNaN(f.cpuSecPerGiB()) ? "-" : String.format(Locale.ROOT, "%.2f", f.cpuSecPerGiB()),
                Sizes.format(f.bytes()), f.windowNs() / 1e9, ratio);
        for (Map.Entry<String, Histogram> e : f.latency().entrySet()) {
            Histogram h = e.getValue();
            out.printf(Locale.ROOT, "  %-10s %-11s %7d calls, p50 %s, p99 %s, max %s%n", "", e.getKey(), h.getTotalCount(),
                    RunReport.latency(h.getValueAtPercentile(50)), RunReport.latency(h.getValueAtPercentile(99)),
                    RunReport.latency(h.getMaxValue()));
        }
        if (f.counter("bios") >= 0) {
            out.printf(Locale.ROOT, "  %-10s bios %d, requests %d, merges %d, flushes %d; the disk read %s, written %s%n", "",
                    f.counter("bios"), f.counter("requests"), f.counter("merges"), f.counter("flushes"),
                    Sizes.format(f.counter("bytes_read")), Sizes.format(f.counter("bytes_written")));
        }
    }

    /** Every figure of a run, latencies as percentiles in nanoseconds. */
    static Json json(Figures f) {
        Json j = new Json().put("window_s", f.windowNs() / 1e9, 6).put("bytes", f.bytes()).put("calls", f.calls())
                .put("mb_s", f.mbPerS(), 2).put("calls_s", f.opsPerS(), 1);
        if (!Double.isNaN(f.cpuSecPerGiB())) {
            j.put("cpu_s_per_gib", f.cpuSecPerGiB(), 4);
        }
        Json counters = new Json();
        f.counters().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> counters.put(e.getKey(), e.getValue()));
        j.put("counters", counters);
        Json lat = new Json();
        for (Map.Entry<String, Histogram> e : f.latency().entrySet()) {
            Histogram h = e.getValue();
            Json c = new Json().put("count", h.getTotalCount()).put("min_ns", h.getMinValue());
            for (double p : PERCENTILES) {
                c.put("p" + (p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p)) + "_ns", h.getValueAtPercentile(p));
            }
            c.put("max_ns", h.getMaxValue()).put("mean_ns", h.getMean(), 1);
            lat.put(e.getKey(), c);
        }
        j.put("latency", lat);
        return j;
    }
}

package org.faultline.tools;

import java.io.PrintWriter;
import java.util.Locale;
import org.faultline.kernel.Failure;
import org.faultline.kernel.RunResult;

/** Shared printing of a kernel run's outcome and of rates. */
final class RunReport {
    private RunReport() {
    }

    /** Prints the fatal failure's report and the kernel log (nothing if the run was clean). */
    static void printFailure(PrintWriter out, RunResult r) {
        Failure f = r.fatal();
        if (f == null) {
            return;
        }
        out.println();
        out.println("FAILED (exit " + r.exitCode() + "): " + f.title());
        out.println();
        out.println(f.report());
        out.println();
        out.println("dmesg:");
        out.print(r.dmesg());
        out.flush();
    }

    /**
     * The reports of a failed run: the fatal failure's, then every other failure's (warnings
     * included), each ending in a newline — as a capture keeps them and a replay compares them.
     */
    static String reports(RunResult r) {
        Failure f = r.fatal();
        StringBuilder s = new StringBuilder(f.report()).append('\n');
        for (Failure w : r.others()) {
            if (w != f) {
                s.append(w.report()).append('\n');
            }
        }
        return s.toString();
    }

    /** MiB per second. */
    static double mibPerS(long bytes, long ns) {
        return ns <= 0 ? 0 : bytes / 1048576.0 / (ns / 1e9);
    }

    /** A latency in ns for people: {@code 812 ns}, {@code 95.3 us}, {@code 2.41 ms}. */
    static String latency(long ns) {
        if (ns < 1000) {
            return ns + " ns";
        }
        if (ns < 1_000_000) {
            return String.format(Locale.ROOT, "%.1f us", ns / 1e3);
        }
        if (ns < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.2f ms", ns / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f s", ns / 1e9);
    }
}

package org.faultline.tools;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import org.faultline.kernel.Stopwatch;

/**
 * A search's progress on stderr: schedules done of the budget, schedules/s, ETA and failures so far —
 * one line refreshed in place on a terminal (twice a second at most), plain lines (every tenth of the
 * budget) otherwise. It also knows the resume point: the first item not yet finished, all before it
 * being done whatever the order the jobs finish in.
 */
final class ProgressLine {
    private final PrintWriter err;
    private final boolean tty;
    private final long budget;
    private final Stopwatch sw = new Stopwatch();
    private final AtomicLong ran = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong prefix = new AtomicLong();
    private final ConcurrentSkipListSet<Long> finished = new ConcurrentSkipListSet<>();
    private final AtomicLong lastPrintNs = new AtomicLong(Long.MIN_VALUE / 2);
    private final AtomicLong nextPlain;

    ProgressLine(PrintWriter err, boolean tty, long budget) {
        this.err = err;
        this.tty = tty;
        this.budget = budget;
        this.nextPlain = new AtomicLong(step());
    }

    private long step() {
        return Math.max(100, budget / 10);
    }

    /** Item {@code i} finished ({@code failed}: with a failure). */
    void finished(long i, boolean failed) {
        finished.add(i);
        for (long p = prefix.get(); finished.remove(p); p = prefix.get()) {
            prefix.compareAndSet(p, p + 1);
        }
        if (failed) {
            failures.incrementAndGet();
        }
        long n = ran.incrementAndGet();
        long now = sw.elapsedNs();
        if (tty) {
            long last = lastPrintNs.get();
            if (now - last >= 500_000_000L && lastPrintNs.compareAndSet(last, now)) {
                err.print("\r" + line(n, now) + "   ");
                err.flush();
            }
        } else {
            long next = nextPlain.get();
            if (n >= next && nextPlain.compareAndSet(next, next + step())) {
                err.println(line(n, now));
                err.flush();
            }
        }
    }

    private String line(long n, long ns) {
        double rate = n / Math.max(ns / 1e9, 1e-9);
        long eta = rate > 0 ? (long) ((budget - n) / rate) : 0;
        return String.format(Locale.ROOT, "  %d/%d schedules, %.1f/s, ETA %s, %d failing", n, budget, rate, eta(eta),
                failures.get());
    }

    private static String eta(long s) {
        return s >= 3600 ? s / 3600 + "h" + (s % 3600) / 60 + "m" : s >= 60 ? s / 60 + "m" + s % 60 + "s" : s + "s";
    }

    /** @return the first item not finished: every item before it is */
    long resumeFrom() {
        return prefix.get();
    }

    /** @return items finished */
    long ran() {
        return ran.get();
    }

    /** Ends a refreshed line. */
    void close() {
        if (tty && ran.get() > 0) {
            err.println();
            err.flush();
        }
    }
}

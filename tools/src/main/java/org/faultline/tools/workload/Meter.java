package org.faultline.tools.workload;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * What a benchmark measures of a workload run, as {@code perf trace -s} summarises system calls:
 * each call's latency by name (HdrHistogram, nanoseconds, 3 significant digits), the bytes the reads,
 * writes, loads and stores moved, and the window they ran in. Both interpreters feed it — Faultline's
 * on the kernel clock, the host's ({@link HostInterp}) on the host's — so the same figures come from
 * the same statements.
 *
 * <p>When the workload has {@code measure} statements, a task counts from its own (what comes before
 * is set-up: a file to read back, a cache to drop) and a task without one not at all; otherwise every
 * task counts from its first statement. The window runs from the first task that starts counting to
 * the last one's exit. A call's latency is the system call alone (with
 * the page faults of a load or store): the interpreter's own work — making a pattern's bytes, checking
 * what a read returned against the oracle — is outside it, though inside the window.
 *
 * <p>Each task records into its own {@link TaskMeter} (free-running tasks are host threads; nothing is
 * shared while they run); the totals are read after the run.
 */
public final class Meter {
    private final LongSupplier clock;
    private final Map<String, LongSupplier> counters;
    private final TaskMeter[] tasks;

    /**
     * @param clock    nanoseconds of the run's clock (the kernel's, or the host's)
     * @param counters monotonic counters read when a task starts counting and when it exits (the
     *                 process's CPU time, the block layer's bios...), by name
     * @param tasks    how many tasks will record
     */
    public Meter(LongSupplier clock, Map<String, LongSupplier> counters, int tasks) {
        this.clock = clock;
        this.counters = new LinkedHashMap<>(counters);
        this.tasks = new TaskMeter[tasks];
    }

    /**
     * The recorder of task {@code i}: it counts from its start, or, when the workload has a {@code
     * measure} statement ({@link #hasMeasure(Workload)}), from the task's own {@code measure} (a task
     * without one then does not count: set-up).
     */
    TaskMeter task(int i, boolean hasMeasure) {
        TaskMeter t = new TaskMeter(this, hasMeasure);
        tasks[i] = t;
        return t;
    }

    /** Whether a task of {@code w} has a {@code measure} statement. */
    public static boolean hasMeasure(Workload w) {
        return w.tasks().stream().anyMatch(t -> hasMeasure(t.body()));
    }

    /** Whether {@code body} contains a {@code measure} statement (in a loop too). */
    static boolean hasMeasure(List<Stmt> body) {
        for (Stmt s : body) {
            if (s instanceof Stmt.Measure || s instanceof Stmt.Loop l && hasMeasure(l.body())) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code s} is a system call (or a fault-taking access) to time, not a workload control. */
    private static boolean isCall(Stmt s) {
        return !(s instanceof Stmt.Sleep || s instanceof Stmt.Yield || s instanceof Stmt.Barrier
                || s instanceof Stmt.Log || s instanceof Stmt.Measure || s instanceof Stmt.Loop);
    }

    /** The call's name in the summary: the statement's keyword ({@code write}, {@code fsync}, ...). */
    private static String name(Stmt s) {
        String t = s.text();
        int sp = t.indexOf(' ');
        return sp < 0 ? t : t.substring(0, sp);
    }

    /** Bytes a successful read, write, load or store moved (its result); 0 for anything else. */
    private static long moved(Stmt s, long rc) {
        boolean io = s instanceof Stmt.Read || s instanceof Stmt.Write || s instanceof Stmt.Load || s instanceof Stmt.Store;
        return io && rc > 0 ? rc : 0;
    }

    /** One task's figures: written by that task only. */
    public static final class TaskMeter {
        private final Meter m;
        private final boolean hasMeasure;
        private boolean counting;
        private long startNs = -1;
        private long endNs = -1;
        private final long[] countersAtStart;
        private final long[] countersAtEnd;
        private long bytes;
        private long calls;
        private final Map<String, Histogram> latency = new LinkedHashMap<>();
        private long sysNs = -1; // the running statement's system call alone, when it said so (sysDone)

        private TaskMeter(Meter m, boolean hasMeasure) {
            this.m = m;
            this.hasMeasure = hasMeasure;
            this.countersAtStart = new long[m.counters.size()];
            this.countersAtEnd = new long[m.counters.size()];
        }

        private void readCounters(long[] into) {
            int i = 0;
            for (LongSupplier c : m.counters.values()) {
                into[i++] = c.getAsLong();
            }
        }

        /** The task starts its statements. */
        void begin() {
            if (!hasMeasure) {
                start();
            }
        }

        private void start() {
            counting = true;
            readCounters(countersAtStart);
            startNs = m.clock.getAsLong();
        }

        long now() {
            return m.clock.getAsLong();
        }

        /**
         * One statement of the task, run by {@code run}: a {@code measure} starts the counting; a
         * system call is timed and counted — its latency the system call alone if the interpreter
         * said so ({@link #sysDone}), the whole statement otherwise; anything else just runs.
         *
         * @return the statement's result
         */
        long statement(Stmt s, java.util.function.LongSupplier run) {
            if (s instanceof Stmt.Measure) {
                measure();
                return 0;
            }
            if (!isCall(s)) {
                return run.getAsLong();
            }
            sysNs = -1;
            long t0 = now();
            long rc = run.getAsLong();
            call(name(s), sysNs >= 0 ? sysNs : now() - t0, moved(s, rc));
            return rc;
        }

        /** The system call the running statement began at {@code t0} ({@link #now}) has returned. */
        void sysDone(long t0) {
            sysNs = now() - t0;
        }

        /** The task passed a {@code measure} statement (the first one counts). */
        void measure() {
            if (!counting) {
                start();
            }
        }

        /** One system call: its name, its latency and the bytes it moved (0 if none, or it failed). */
        void call(String name, long ns, long moved) {
            if (!counting) {
                return;
            }
            calls++;
            bytes += Math.max(0, moved);
            latency.computeIfAbsent(name, n -> new Histogram(3)).recordValue(Math.max(0, ns));
        }

        /** The task exits. */
        void exit() {
            if (counting) {
                endNs = m.clock.getAsLong();
                readCounters(countersAtEnd);
            }
        }
    }

    private List<TaskMeter> counted() {
        return java.util.Arrays.stream(tasks).filter(t -> t != null && t.startNs >= 0 && t.endNs >= 0).toList();
    }

    /** The window, nanoseconds: the first counting task's start to the last one's exit (0 if none counted). */
    public long windowNs() {
        List<TaskMeter> l = counted();
        if (l.isEmpty()) {
            return 0;
        }
        return l.stream().mapToLong(t -> t.endNs).max().getAsLong() - l.stream().mapToLong(t -> t.startNs).min().getAsLong();
    }

    /** Each counter's growth over the window: its last reading at an exit less its first at a start. */
    public Map<String, Long> counters() {
        Map<String, Long> out = new LinkedHashMap<>();
        List<TaskMeter> l = counted();
        int i = 0;
        for (String name : counters.keySet()) {
            int k = i++;
            out.put(name, l.isEmpty() ? 0L : l.stream().mapToLong(t -> t.countersAtEnd[k]).max().getAsLong()
                    - l.stream().mapToLong(t -> t.countersAtStart[k]).min().getAsLong());
        }
        return out;
    }

    /** Bytes moved by the counted reads, writes, loads and stores. */
    public long bytes() {
        return counted().stream().mapToLong(t -> t.bytes).sum();
    }

    /** System calls counted. */
    public long calls() {
        return counted().stream().mapToLong(t -> t.calls).sum();
    }

    /** Each call's latencies, every task's merged, by name (sorted). */
    public Map<String, Histogram> latency() {
        Map<String, Histogram> all = new TreeMap<>();
        for (TaskMeter t : counted()) {
            t.latency.forEach((name, h) -> all.computeIfAbsent(name, n -> new Histogram(3)).add(h));
        }
        return all;
    }
}

package org.faultline.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.LongFunction;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.Stopwatch;
import org.faultline.kernel.Strategy;
import org.faultline.tools.explore.Explorer;
import org.faultline.tools.explore.Scenario;
import org.faultline.tools.explore.ScheduleFile;
import org.faultline.tools.explore.Scenarios;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code faultline explore SCENARIO}: controlled executions until the first failure or the budget.
 * Prints progress, then "no failure in N schedules" (exit 0) or the failure report with its seed and
 * step, the last trace events and the exact replay command (exit 1, 3 or 4), and saves the schedule.
 */
@Command(name = "explore", mixinStandardHelpOptions = true,
        description = "Explore interleavings of a scenario under the controlled scheduler until a failure or the budget.")
final class ExploreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SCENARIO|WORKLOAD-FILE|CAPTURE-ID",
            description = "a built-in scenario (see 'faultline scenarios'), a workload file (docs/workloads.md), or a "
                    + "capture (its workload on its disk and kernel; with --patch +FIX, to test a fix)")
    String scenarioName;

    @Option(names = "--kernel", paramLabel = "PROFILE", description = "kernel profile (default: the scenario's)")
    String kernel;

    @Option(names = "--patch", paramLabel = "+ID|-ID", split = ",", description = "patch overrides; repeatable")
    List<String> patches = new ArrayList<>();

    @Option(names = "--strategy", paramLabel = "random|pct", defaultValue = Scenario.DEFAULT_STRATEGY,
            description = "default: the workload's 'set strategy', else ${DEFAULT-VALUE} (docs/reproducing.md: it finds "
                    + "all six reference scenarios; random finds two)")
    String strategy;

    /** The deepest PCT bug depth accepted (PCT keeps depth - 1 change points). */
    static final int MAX_DEPTH = 64;
    /** The most scheduling decisions per execution accepted. */
    static final long MAX_STEPS = 1_000_000_000L;

    @Option(names = "--depth", paramLabel = "D", defaultValue = Scenario.DEFAULT_DEPTH,
            description = "PCT bug depth (default: the workload's 'set depth', else ${DEFAULT-VALUE})")
    int depth;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = Scenario.DEFAULT_ITERATIONS,
            description = "schedules to try (default: the workload's 'set iterations', else ${DEFAULT-VALUE})")
    long iterations;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "first seed (default: ${DEFAULT-VALUE})")
    long seed;

    static final long DEFAULT_MAX_STEPS = 200_000;

    @Option(names = "--max-steps", paramLabel = "N", defaultValue = "200000",
            description = "scheduling decisions per execution before a livelock is reported (default: ${DEFAULT-VALUE})")
    long maxSteps;

    @Option(names = "--jobs", paramLabel = "J", defaultValue = "1", description = "parallel executions (default: ${DEFAULT-VALUE})")
    int jobs;

    @Option(names = "--store", paramLabel = "DIR",
            description = "capture store for a failure (default: $FAULTLINE_STORE, else $FAULTLINE_HOME/store, else ~/.faultline/store)")
    Path store;

    @Option(names = "--no-capture", description = "do not capture a failure (only its schedule file is written)")
    boolean noCapture;

    @Option(names = "--minimize", description = "shrink a found schedule to the fewest preemptions that still give "
            + "the same failure (saved and captured instead of the found one)")
    boolean minimize;

    @Option(names = "--keep-going", description = "explore every seed instead of stopping at the first failure; "
            + "failures are bucketed by signature (kind and title), the first of each bucket captured, the rest counted")
    boolean keepGoing;

    @Option(names = "--captures-per-bucket", paramLabel = "N", defaultValue = "1",
            description = "with --keep-going, capture the first N failures of each bucket (default: ${DEFAULT-VALUE})")
    int capturesPerBucket;

    @Option(names = "--shard", paramLabel = "K/N", description = "explore only seeds seed+K, seed+K+N, ... (K from 0)")
    String shard;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = ".", description = "where the schedule file goes (default: .)")
    Path out;

    /** A schedule file's name for the scenario: its name, or a workload file's name without .wl. */
    private static String fileStem(Scenario sc) {
        String n = Path.of(sc.name()).getFileName().toString();
        return n.endsWith(".wl") ? n.substring(0, n.length() - 3) : n;
    }

    /**
     * The search the workload carries ({@code set strategy}, {@code set depth}, {@code set iterations})
     * where the command line does not give one.
     */
    private void searchFromWorkload(Scenario sc) {
        var parsed = spec.commandLine().getParseResult();
        if (!parsed.hasMatchedOption("--strategy")) {
            strategy = sc.strategy();
        }
        if (!parsed.hasMatchedOption("--depth")) {
            depth = sc.depth();
        }
        if (!parsed.hasMatchedOption("--iterations")) {
            iterations = sc.iterations();
        }
    }

    /**
     * {@code --minimize}'s second half: the smallest workload that still fails the same way within a
     * budget of three times the schedules the search took (at least 100, at most --iterations), saved
     * next to the schedule as {@code NAME-min.wl}.
     */
    private void reduceWorkload(PrintWriter o, Scenario sc, KernelProfile prof, LongFunction<Strategy> strategies,
                                long took, String signature) {
        long budget = Math.min(iterations, Math.max(100, 3 * took));
        PrintWriter err = spec.commandLine().getErr();
        var r = org.faultline.tools.explore.WorkloadReducer.reduce(sc, prof, maxSteps, strategies, budget, signature,
                300, line -> {
                    err.println(line);
                    err.flush();
                });
        Path file = out.resolve(fileStem(sc) + "-min.wl");
        for (int i = 2; Files.exists(file); i++) {
            file = out.resolve(fileStem(sc) + "-min-" + i + ".wl");
        }
        try {
            Files.writeString(file, r.text());
        } catch (IOException e) {
            throw new CliError(HostErrors.of(file, e));
        }
        o.printf(Locale.ROOT, "minimal workload: %d lines -> %d (%d candidates, %d schedules each), saved to %s%n",
                r.before(), r.after(), r.candidates(), budget, file);
        o.print(r.text());
    }

    /** Progress on stderr: refreshed in place on a terminal, plain lines otherwise. */
    private ProgressLine progressLine() {
        return new ProgressLine(spec.commandLine().getErr(), System.console() != null, iterations);
    }

    /**
     * Ctrl-C or SIGTERM during a search: where it stopped, and the command that resumes from there
     * (the same options, the seed of the first schedule not run, the rest of the budget).
     */
    private void interrupted(ProgressLine pl, int shardK, int shardN) {
        long from = pl.resumeFrom();
        List<String> all = spec.commandLine().getParseResult().originalArgs();
        List<String> args = new ArrayList<>(all.subList(all.indexOf("explore") + 1, all.size()));
        for (String opt : List.of("--seed", "--iterations")) {
            int i = args.indexOf(opt);
            if (i >= 0) {
                args.subList(i, Math.min(args.size(), i + 2)).clear();
            }
            args.removeIf(a -> a.startsWith(opt + "="));
        }
        args.addAll(List.of("--seed", String.valueOf(seed + from * shardN), "--iterations",
                String.valueOf(iterations - from)));
        PrintWriter err = new PrintWriter(System.err, true); // the signal handler's stream
        err.printf(Locale.ROOT, "interrupted after %d schedules; every seed before %d%s was explored%n", pl.ran(),
                seed + shardK + from * shardN, shardN > 1 ? " in this shard" : "");
        err.println("resume with: faultline explore " + String.join(" ", args));
        err.flush();
    }

    /** A capture's boot disk when exploring a capture ({@code explore ID}), else null. */
    private byte[] capturedDisk;

    /** {@code explore ID}: the captured workload, on its captured disk, on the captured kernel plus --patch. */
    private Scenario fromCapture() throws IOException {
        try (var st = Captures.open(store, spec)) {
            var s = CapturesCommand.find(st, scenarioName);
            var m = s.manifest();
            try {
                capturedDisk = org.faultline.images.capture.CapturedDisk.rebuild(st, m, 0);
            } catch (org.faultline.images.capture.CaptureStoreException e) {
                throw new CliError("capture " + s.shortId() + ": " + e.getMessage());
            }
            if (kernel == null) {
                kernel = m.profile();
            }
            java.util.List<String> all = new java.util.ArrayList<>(m.patches());
            all.addAll(patches);
            patches = all;
            if (maxSteps == DEFAULT_MAX_STEPS && m.maxSteps() > 0) {
                maxSteps = m.maxSteps();
            }
            return Scenarios.fromText(m.scenario(), st.text(m.workload()));
        }
    }

    /** A capture id rather than a scenario or file: 4 to 64 hex digits naming neither. */
    private boolean isCaptureId() {
        return scenarioName.matches("[0-9a-fA-F]{4,64}") && !Scenarios.names().contains(scenarioName)
                && !Files.exists(Path.of(scenarioName));
    }

    @Override
    public Integer call() throws IOException {
        Scenario sc;
        KernelProfile prof;
        try {
            sc = isCaptureId() ? fromCapture() : Scenarios.resolve(scenarioName);
            prof = sc.kernel(kernel, patches);
        } catch (IllegalArgumentException e) {
            throw new CliError(e.getMessage());
        }
        BootCommand.checkRam(sc.ramPages() * 4096L, sc.workload());
        searchFromWorkload(sc);
        if (!strategy.equals("random") && !strategy.equals("pct")) {
            throw new CliError("--strategy " + strategy + ": expected random or pct");
        }
        if (iterations <= 0 || depth < 1 || jobs < 1 || jobs > 64) {
            throw new CliError("--iterations and --depth must be positive, --jobs between 1 and 64");
        }
        if (depth > MAX_DEPTH) {
            throw new CliError("--depth " + depth + ": PCT bug depth must be between 1 and " + MAX_DEPTH
                    + " (the number of ordering constraints a bug needs; 1 to 3 find most)");
        }
        if (maxSteps < 1 || maxSteps > MAX_STEPS) {
            throw new CliError("--max-steps " + maxSteps + ": must be between 1 and " + MAX_STEPS);
        }
        int shardK = 0;
        int shardN = 1;
        if (shard != null) {
            String[] kn = shard.split("/");
            try {
                shardK = Integer.parseInt(kn[0]);
                shardN = Integer.parseInt(kn[1]);
            } catch (RuntimeException e) {
                throw new CliError("--shard " + shard + ": expected K/N, e.g. 0/4");
            }
            if (kn.length != 2 || shardN < 1 || shardK < 0 || shardK >= shardN) {
                throw new CliError("--shard " + shard + ": expected K/N with 0 <= K < N");
            }
        }
        if (!Files.isDirectory(out) || !Files.isWritable(out)) { // before exploring: a found schedule must have somewhere to go
            throw new CliError("--out " + out + ": not a writable directory (the schedule of a failure is saved there); "
                    + "create it or name another");
        }
        if (!noCapture) {
            Captures.open(store, spec).close(); // a store that cannot take the capture is refused before the search
        }
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "explore %s: kernel %s, strategy %s%s, %d seeds from %d%s, %d job%s%n", sc.name(), prof.name(),
                strategy, strategy.equals("pct") ? " depth " + depth : "", iterations, seed,
                shard == null ? "" : " (shard " + shard + ")", jobs, jobs == 1 ? "" : "s");
        o.flush();
        String threads = org.faultline.kernel.Kernel.controlledTaskThreads();
        if (!threads.startsWith("virtual")) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("faultline: note: tasks run on " + threads + "; Java 21 or later with the launcher's flags "
                    + "explores several times faster");
            err.flush();
        }
        Explorer ex = capturedDisk == null ? new Explorer(sc, prof, maxSteps) : new Explorer(sc, prof, maxSteps, capturedDisk);
        long k = strategy.equals("pct") ? ex.pctLength(seed) : 0;
        LongFunction<Strategy> strategies = Explorer.strategies(strategy, depth, k);
        if (strategy.equals("pct")) {
            o.printf(Locale.ROOT, "  PCT over k = %d scheduling decisions (a probe execution's length)%n", k);
        }
        Stopwatch sw = new Stopwatch();
        if (keepGoing) {
            return keepGoing(o, sc, prof, ex, strategies, sw, shardK, shardN);
        }
        ProgressLine pl = progressLine();
        int sk = shardK;
        int sn = shardN;
        Explorer.Found f;
        try (AutoCloseable hook = Faultline.whenInterrupted(() -> interrupted(pl, sk, sn))) {
            f = ex.explore(seed, iterations, jobs, shardK, shardN, strategies, pl::finished);
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        } finally {
            pl.close();
        }
        double secs = sw.elapsedNs() / 1e9;
        if (f == null) {
            o.printf(Locale.ROOT, "no failure in %d schedules (%.1f schedules/s)%n", iterations, iterations / secs);
            o.flush();
            return 0;
        }
        var fatal = f.result().fatal();
        o.printf(Locale.ROOT, "FOUND after %d schedules (%.1f schedules/s): seed %d, step %d%n", f.schedules(),
                f.schedules() / secs, f.seed(), fatal.step());
        o.print(RunReport.reports(f.result()));
        o.println("last trace events:");
        for (String e : f.result().lastEvents().subList(Math.max(0, f.result().lastEvents().size() - 20), f.result().lastEvents().size())) {
            o.println("  " + e);
        }
        String strat = strategy + " seed=" + f.seed() + (strategy.equals("pct") ? " depth=" + depth : "");
        org.faultline.kernel.Schedule kept = f.result().schedule();
        Strategy again = strategies.apply(f.seed());
        if (minimize) {
            var min = org.faultline.tools.explore.Minimizer.minimize(ex, kept, 5000);
            o.printf(Locale.ROOT, "minimized: %d preemptions -> %d (%d executions); the same %s%n", min.before(), min.after(),
                    min.runs(), fatal.kind());
            kept = min.schedule();
            again = new org.faultline.kernel.Replay(kept);
            strat += " minimized";
            reduceWorkload(o, sc, prof, strategies, f.schedules(), fatal.kind() + " " + fatal.title());
        }
        ScheduleFile file = new ScheduleFile(sc.name(), kernel == null ? sc.profile() : kernel, patches, strat,
                fatal.kind().name(), fatal.title(), sc.digest(), kept.withTag(sc.digestValue()));
        Path p = file.writeNew(out, fileStem(sc) + "-seed" + f.seed());
        o.println("schedule saved to " + p);
        o.println("replay with: faultline replay " + p);
        if (!noCapture) {
            try (var st = Captures.open(store, spec)) { // opened before the search too: a bad store fails fast
                String id = Captures.capture(st, sc, new Captures.How("explore", kernel == null ? sc.profile() : kernel,
                        Captures.patches(patches), prof.name(), strategy, f.seed(), strategy.equals("pct") ? depth : 0, maxSteps), ex.record(again));
                o.println(Captures.capturedLine(id));
            } catch (org.faultline.images.capture.CaptureStoreException | CliError e) {
                // the failure's own exit code stands; the capture is secondary
                spec.commandLine().getErr().println("faultline: the failure was found but not captured: "
                        + e.getMessage());
            }
        }
        o.flush();
        return f.result().exitCode();
    }

    /**
     * {@code --keep-going}: every seed of the range; failures are bucketed by signature (kind and
     * title, as syzkaller buckets crashes by title), the first {@code --captures-per-bucket} of each
     * captured (a line each), all counted; the buckets are summarised at the end.
     */
    private int keepGoing(PrintWriter o, Scenario sc, KernelProfile prof, Explorer ex, LongFunction<Strategy> strategies,
                          Stopwatch sw, int shardK, int shardN) {
        if (noCapture) {
            throw new CliError("--keep-going captures a failure of each bucket: it cannot go with --no-capture");
        }
        if (capturesPerBucket < 1) {
            throw new CliError("--captures-per-bucket: at least 1 (got " + capturesPerBucket + ")");
        }
        ProgressLine pl = progressLine();
        try (AutoCloseable hook = Faultline.whenInterrupted(() -> interrupted(pl, shardK, shardN))) {
            return keepGoing(o, sc, prof, ex, strategies, sw, shardK, shardN, pl);
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        } finally {
            pl.close();
        }
    }

    private int keepGoing(PrintWriter o, Scenario sc, KernelProfile prof, Explorer ex, LongFunction<Strategy> strategies,
                          Stopwatch sw, int shardK, int shardN, ProgressLine pl) {
        java.util.Map<String, Bucket> buckets = new java.util.concurrent.ConcurrentHashMap<>(); // never iterated unsorted
        java.util.concurrent.atomic.AtomicInteger worst = new java.util.concurrent.atomic.AtomicInteger();
        try (var st = Captures.open(store, spec)) {
            org.faultline.kernel.ParallelRuns.firstFailure(jobs, iterations, i -> {
                long s = seed + shardK + i * shardN;
                var r = ex.search(strategies.apply(s));
                if (!r.ok()) {
                    String signature = r.fatal().kind() + " " + r.fatal().title();
                    Bucket b = buckets.computeIfAbsent(signature, t -> new Bucket());
                    worst.accumulateAndGet(r.exitCode(), Math::max);
                    if (b.found(s) <= capturesPerBucket) {
                        String id;
                        try {
                            id = Captures.capture(st, sc, new Captures.How("explore", kernel == null ? sc.profile() : kernel,
                                    Captures.patches(patches), prof.name(), strategy, s, strategy.equals("pct") ? depth : 0,
                                    maxSteps), ex.record(strategies.apply(s)));
                        } catch (org.faultline.images.capture.CaptureStoreException e) {
                            throw new CliError("seed " + s + " failed but was not captured: " + e.getMessage());
                        }
                        b.captured(id);
                        o.printf(Locale.ROOT, "seed %d: %s at step %d: captured %s%n", s, signature, r.fatal().step(),
                                id.substring(0, 8)); // one printf: PrintWriter keeps a line whole across jobs
                        o.flush();
                    }
                }
                pl.finished(i, !r.ok());
                return false; // keep going
            });
        }
        double secs = sw.elapsedNs() / 1e9;
        long failing = buckets.values().stream().mapToLong(Bucket::count).sum();
        o.printf(Locale.ROOT, "%d schedules (%.1f schedules/s), %d failing in %d bucket%s%n", iterations, iterations / secs,
                failing, buckets.size(), buckets.size() == 1 ? "" : "s");
        new java.util.TreeMap<>(buckets).forEach((t, b) -> o.printf(Locale.ROOT, "  %5d  %s  (first: seed %d, captured %s)%n",
                b.count(), t, b.firstSeed(), String.join(" ", b.ids())));
        if (failing > 0) {
            o.println("list them: faultline captures");
        }
        o.flush();
        return worst.get();
    }

    /** Failures of one signature under {@code --keep-going}: how many, the smallest seed, the captures. */
    private static final class Bucket {
        private final java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong firstSeed = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
        private final java.util.Queue<String> ids = new java.util.concurrent.ConcurrentLinkedQueue<>();

        /** One more failure of this bucket, at {@code seed}; @return how many so far. */
        long found(long seed) {
            firstSeed.accumulateAndGet(seed, Math::min);
            return count.incrementAndGet();
        }

        void captured(String id) {
            ids.add(id.substring(0, 8));
        }

        long count() {
            return count.get();
        }

        long firstSeed() {
            return firstSeed.get();
        }

        List<String> ids() {
            return List.copyOf(ids);
        }
    }
}

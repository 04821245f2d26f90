package org.faultline.tools;

import java.io.PrintWriter;
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
import org.faultline.tools.explore.Scenarios;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code faultline bench explore}: schedules per second of the reference scenarios, each with the fix
 * of its bug applied so that no failure ends the search early — the speed of the emulator itself under
 * the controlled scheduler (boot, workload, oracle, unmount per execution), as a user's exploration
 * meets it. The same seeds each time, so two builds measure the same executions (bench/explore-speed
 * runs two builds side by side).
 */
@Command(name = "explore",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Measure exploration speed: schedules/s of each reference scenario with its bug's fix applied",
            "(PCT depth 3, seeds from --seed), in one process, scenario after scenario."})
final class BenchExplore implements Callable<Integer> {
    /** A reference scenario and the patch that removes its failure. */
    record Reference(String scenario, String fix) {
    }

    /** The six reference scenarios and their fixes (docs/reproducing.md, ../shared/reference/seed-bugs.md). */
    static final List<Reference> REFERENCES = List.of(
            new Reference("gup-dio-dirty-no-buffers", "+set-page-dirty-lock-simulates-fault"),
            new Reference("gup-dio-redirty-no-reclaim", "+set-page-dirty-lock-simulates-fault"),
            new Reference("mkwrite-not-uptodate-after-eio", "+iomap-mkwrite-eio-on-not-uptodate"),
            new Reference("fault-vs-writepages-memcg-deadlock", "+memcg-prealloc-pte"),
            new Reference("writeback-stale-wake-bug-on", "+wait-on-page-writeback-loops"),
            new Reference("writeback-stale-wake-page-reuse", "+wait-on-page-writeback-loops"));

    @ParentCommand
    BenchCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "3000",
            description = "Schedules per scenario. Default: ${DEFAULT-VALUE}.")
    long iterations;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "First seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--jobs", paramLabel = "J", defaultValue = "1",
            description = "Executions at once. Default: ${DEFAULT-VALUE}.")
    int jobs;

    @Option(names = "--scenario", paramLabel = "NAME", split = ",",
            description = "Only these reference scenarios (default: all six).")
    List<String> only = new ArrayList<>();

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Override
    public Integer call() {
        if (iterations < 1 || jobs < 1 || jobs > 64) {
            throw new CliError("--iterations must be positive, --jobs between 1 and 64");
        }
        for (String n : only) {
            if (REFERENCES.stream().noneMatch(r -> r.scenario().equals(n))) {
                throw new CliError("--scenario " + n + ": not a reference scenario (see 'faultline scenarios')");
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!json) {
            out.printf(Locale.ROOT, "%-36s %10s %10s %12s%n", "scenario", "schedules", "seconds", "schedules/s");
        }
        Json all = new Json().put("iterations", iterations).put("seed", seed).put("jobs", jobs)
                .put("task_threads", org.faultline.kernel.Kernel.controlledTaskThreads());
        for (Reference r : REFERENCES) {
            if (!only.isEmpty() && !only.contains(r.scenario())) {
                continue;
            }
            double secs = measure(r, err);
            double rate = iterations / secs;
            if (json) {
                all.put(r.scenario(), new Json().put("fix", r.fix()).put("seconds", secs, 3).put("schedules_per_s", rate, 1));
            } else {
                out.printf(Locale.ROOT, "%-36s %10d %10.2f %12.1f%n", r.scenario(), iterations, secs, rate);
                out.flush();
            }
        }
        if (json) {
            out.println(all);
        }
        out.flush();
        return 0;
    }

    /** One scenario's search: the seconds its {@code iterations} schedules took; a failure is a usage error. */
    private double measure(Reference r, PrintWriter err) {
        Scenario sc = Scenarios.byName(r.scenario());
        KernelProfile prof = sc.kernel(null, List.of(r.fix()));
        Explorer ex = new Explorer(sc, prof, ExploreCommand.DEFAULT_MAX_STEPS);
        long k = ex.pctLength(seed);
        LongFunction<Strategy> strategies = Explorer.strategies("pct", 3, k);
        Stopwatch sw = new Stopwatch();
        Explorer.Found f = ex.explore(seed, iterations, jobs, 0, 1, strategies, (i, failed) -> { });
        double secs = sw.elapsedNs() / 1e9;
        if (f != null) {
            err.println("faultline: bench explore: " + r.scenario() + " failed with its fix " + r.fix() + " at seed "
                    + f.seed() + ": " + f.result().fatal().title());
            err.flush();
            throw new CliError(r.scenario() + ": a failure with the fix applied; replay it with "
                    + "'faultline explore " + r.scenario() + " --patch " + r.fix() + " --seed " + f.seed() + " --iterations 1'");
        }
        return secs;
    }
}

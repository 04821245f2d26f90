package org.faultline.tools.explore;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.Strategy;

/**
 * Workload minimisation ({@code explore --minimize}), after syz-repro and C-Reduce: from a workload
 * whose exploration fails, the smallest text that still fails with the same signature (kind and
 * title) within a budget of schedules. Passes, repeated until none makes progress: whole tasks
 * dropped; statements dropped in chunks, halving the chunk down to one line (Zeller's ddmin over
 * each task's body); loop counts halved; sizes and offsets halved ({@code 16k} → {@code 8k}, down to
 * 1). Each candidate must still parse; a candidate is kept when its exploration finds the same
 * failure. The machine's settings ({@code set}, {@code memcg}) are kept as they are.
 */
public final class WorkloadReducer {
    private static final Pattern LOOP = Pattern.compile("^(\\s*loop\\s+)(\\d+)(\\s*)$");
    /** A size or offset operand: digits with an optional k/m/g unit, standing alone. */
    private static final Pattern NUMBER = Pattern.compile("(?<=\\s)(\\d+)([kKmMgG]?)(?=\\s|$)");

    private WorkloadReducer() {
    }

    /**
     * The result.
     *
     * @param text       the minimal workload
     * @param before     statements (non-blank, non-comment lines) before
     * @param after      statements after
     * @param candidates workloads explored
     */
    public record Result(String text, int before, int after, int candidates) {
    }

    static int statements(String text) {
        int n = 0;
        for (String l : text.split("\n")) {
            String t = l.strip();
            if (!t.isEmpty() && !t.startsWith("#")) {
                n++;
            }
        }
        return n;
    }

    /** One reduction: the candidate texts it tries, and which it keeps. */
    private static final class Run {
        final Scenario sc;
        final KernelProfile profile;
        final long maxSteps;
        final LongFunction<Strategy> strategies;
        final long budget;
        final String signature;
        final int maxCandidates;
        final Consumer<String> progress;
        List<String> lines;
        int tried;

        Run(Scenario sc, KernelProfile profile, long maxSteps, LongFunction<Strategy> strategies, long budget,
            String signature, int maxCandidates, Consumer<String> progress) {
            this.sc = sc;
            this.profile = profile;
            this.maxSteps = maxSteps;
            this.strategies = strategies;
            this.budget = budget;
            this.signature = signature;
            this.maxCandidates = maxCandidates;
            this.progress = progress;
        }

        boolean exhausted() {
            return tried >= maxCandidates;
        }

        /** Tries {@code cand}; keeps it if it fails the same way. */
        boolean attempt(List<String> cand, String what) {
            if (exhausted()) {
                return false;
            }
            tried++;
            if (!fails(sc, cand, profile, maxSteps, strategies, budget, signature)) {
                return false;
            }
            lines = cand;
            progress.accept(String.format(Locale.ROOT, "  %s: %d lines left", what, statements(String.join("\n", lines))));
            return true;
        }
    }

    /**
     * Reduces {@code sc}'s workload on {@code profile}: each candidate explored with {@code budget}
     * schedules of {@code strategies}; {@code progress} hears each kept step.
     *
     * @param signature the failure to keep ("KIND title")
     */
    public static Result reduce(Scenario sc, KernelProfile profile, long maxSteps, LongFunction<Strategy> strategies,
                                long budget, String signature, int maxCandidates, Consumer<String> progress) {
        Run run = new Run(sc, profile, maxSteps, strategies, budget, signature, maxCandidates, progress);
        run.lines = new ArrayList<>(List.of(sc.text().split("\n", -1)));
        int before = statements(sc.text());
        // comments and blank lines go first: they never matter to the run
        run.lines.removeIf(l -> l.strip().isEmpty() || l.strip().startsWith("#"));
        boolean progressMade = true;
        while (progressMade && !run.exhausted()) {
            progressMade = dropTasks(run);
            progressMade |= dropChunks(run);
            progressMade |= shrinkNumbers(run, true);
            progressMade |= shrinkNumbers(run, false);
        }
        String text = String.join("\n", run.lines) + "\n";
        return new Result(text, before, statements(text), run.tried);
    }

    /** Whole tasks, the last first. */
    private static boolean dropTasks(Run run) {
        boolean any = false;
        for (int i = run.lines.size() - 1; i >= 0 && !run.exhausted(); i--) {
            if (!run.lines.get(i).startsWith("task ")) {
                continue;
            }
            int end = i + 1;
            while (end < run.lines.size() && run.lines.get(end).startsWith(" ")) {
                end++;
            }
            List<String> cand = new ArrayList<>(run.lines);
            cand.subList(i, end).clear();
            any |= run.attempt(cand, "dropped " + run.lines.get(i).strip());
        }
        return any;
    }

    /** ddmin over the statements of each task: chunks of half its body, then a quarter... one line. */
    private static boolean dropChunks(Run run) {
        boolean any = false;
        for (int t = 0; t < run.lines.size() && !run.exhausted(); t++) {
            if (!run.lines.get(t).startsWith("task ")) {
                continue;
            }
            int body = t + 1;
            int end = body;
            while (end < run.lines.size() && run.lines.get(end).startsWith(" ")) {
                end++;
            }
            for (int chunk = Math.max(1, (end - body) / 2); chunk >= 1 && !run.exhausted(); chunk /= 2) {
                for (int from = end - chunk; from >= body && !run.exhausted(); from -= chunk) {
                    List<String> cand = new ArrayList<>(run.lines);
                    cand.subList(from, from + chunk).clear();
                    if (run.attempt(cand, "dropped " + chunk + " line" + (chunk == 1 ? "" : "s") + " of "
                            + run.lines.get(t).strip())) {
                        any = true;
                        end -= chunk;
                    }
                }
                if (chunk == 1) {
                    break;
                }
            }
        }
        return any;
    }

    /** Loop counts ({@code loops}) or sizes and offsets halved, each operand in turn. */
    private static boolean shrinkNumbers(Run run, boolean loops) {
        boolean any = false;
        for (int i = 0; i < run.lines.size() && !run.exhausted(); i++) {
            String l = run.lines.get(i);
            if (!l.startsWith(" ")) {
                continue; // settings, memcg and task headers stay
            }
            Matcher loop = LOOP.matcher(l);
            if (loops) {
                if (loop.matches() && Long.parseLong(loop.group(2)) > 1) {
                    List<String> cand = new ArrayList<>(run.lines);
                    cand.set(i, loop.group(1) + Long.parseLong(loop.group(2)) / 2 + loop.group(3));
                    any |= run.attempt(cand, "halved " + l.strip());
                }
                continue;
            }
            if (loop.matches()) {
                continue;
            }
            for (int k = 0; !run.exhausted(); k++) { // the k-th operand of the line as it is now
                String now = run.lines.get(i);
                Matcher m = NUMBER.matcher(now);
                int found = -1;
                while (found < k && m.find()) {
                    found++;
                }
                if (found < k) {
                    break;
                }
                long v = Long.parseLong(m.group(1));
                if (v <= 1) {
                    continue;
                }
                List<String> cand = new ArrayList<>(run.lines);
                cand.set(i, now.substring(0, m.start(1)) + v / 2 + now.substring(m.end(1)));
                any |= run.attempt(cand, "halved an operand of " + now.strip());
            }
        }
        return any;
    }

    private static boolean fails(Scenario sc, List<String> lines, KernelProfile profile, long maxSteps,
                                 LongFunction<Strategy> strategies, long budget, String signature) {
        Scenario cand;
        try {
            cand = Scenarios.fromText(sc.name() + "-min", String.join("\n", lines) + "\n");
        } catch (IllegalArgumentException e) {
            return false; // does not parse (a statement needed its open, a barrier its peer...)
        }
        Explorer.Found f;
        try {
            f = new Explorer(cand, profile, maxSteps).explore(0, budget, strategies, (i, failed) -> { });
        } catch (RuntimeException e) {
            return false; // e.g. a workload that cannot run at all
        }
        return f != null && (f.result().fatal().kind() + " " + f.result().fatal().title()).equals(signature);
    }
}

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
 * title) within a budget of schedules — lines dropped one at a time (comments first, then statements
 * from the end, whole tasks when their header goes), loop counts halved. Each candidate must still
 * parse; a candidate is kept when its exploration finds the same failure.
 */
public final class WorkloadReducer {
    private static final Pattern LOOP = Pattern.compile("^(\\s*loop\\s+)(\\d+)(\\s*)$");

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

    /**
     * Reduces {@code sc}'s workload on {@code profile}: each candidate explored with {@code budget}
     * schedules of {@code strategies}; {@code progress} hears each kept step.
     *
     * @param signature the failure to keep ("KIND title")
     */
    public static Result reduce(Scenario sc, KernelProfile profile, long maxSteps, LongFunction<Strategy> strategies,
                                long budget, String signature, int maxCandidates, Consumer<String> progress) {
        List<String> lines = new ArrayList<>(List.of(sc.text().split("\n", -1)));
        int before = statements(sc.text());
        int tried = 0;
        // comments and blank lines go first: they never matter to the run
        lines.removeIf(l -> l.strip().isEmpty() || l.strip().startsWith("#"));
        boolean progressMade = true;
        while (progressMade && tried < maxCandidates) {
            progressMade = false;
            for (int i = lines.size() - 1; i >= 0 && tried < maxCandidates; i--) {
                String l = lines.get(i);
                if (l.startsWith("set ") || l.startsWith("memcg ")) {
                    continue; // the machine's settings: kept
                }
                List<String> cand = new ArrayList<>(lines);
                Matcher m = LOOP.matcher(l);
                if (m.matches() && Long.parseLong(m.group(2)) > 1) {
                    cand.set(i, m.group(1) + Long.parseLong(m.group(2)) / 2 + m.group(3));
                } else if (l.startsWith("task ")) {
                    int end = i + 1;
                    while (end < cand.size() && cand.get(end).startsWith(" ")) {
                        end++;
                    }
                    cand.subList(i, end).clear();
                } else {
                    cand.remove(i);
                }
                tried++;
                if (fails(sc, cand, profile, maxSteps, strategies, budget, signature)) {
                    lines = cand;
                    progressMade = true;
                    progress.accept(String.format(Locale.ROOT, "  %d lines left", statements(String.join("\n", lines))));
                    i = Math.min(i, lines.size());
                }
            }
        }
        String text = String.join("\n", lines) + "\n";
        return new Result(text, before, statements(text), tried);
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

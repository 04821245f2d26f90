package org.faultline.tools;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.Patch;
import org.faultline.tools.explore.Explorer;
import org.faultline.tools.explore.Scenario;
import org.faultline.tools.explore.Scenarios;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code faultline bisect WORKLOAD --good P --bad P}: the patch changes between two kernels, in the
 * order upstream made them (a patch's release, then its id), bisected for the first one that brings
 * the failure — or, with {@code --fixed}, the first that removes it; the failure is the failing end's
 * signature (kind and title), so a fix that turns a crash into another failure counts. Each step is an exploration of
 * {@code --budget} schedules with the workload's search; a step without a failure is only "probably
 * good", and the answer says so.
 */
@Command(name = "bisect", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Find the patch between two kernels that brings a failure (or with --fixed removes it).",
            "The changes between --good and --bad in upstream order, bisected; each step explores --budget schedules."})
final class BisectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SCENARIO|WORKLOAD-FILE", description = "the workload that fails on one kernel and not the other")
    String workload;

    @Option(names = "--good", paramLabel = "PROFILE[+ID|-ID...]", required = true,
            description = "the kernel without the failure (with --fixed: the one with it), e.g. 5.10 or '4.20 +memcg-prealloc-pte'")
    String good;

    @Option(names = "--bad", paramLabel = "PROFILE[+ID|-ID...]", required = true,
            description = "the kernel with the failure (with --fixed: the one without it)")
    String bad;

    @Option(names = "--fixed", description = "find the change that removes the failure: --good fails, --bad does not")
    boolean fixed;

    @Option(names = "--budget", paramLabel = "N", description = "schedules explored per step (default: the workload's "
            + "'set iterations', else 2000)")
    Long budget;

    @Option(names = "--strategy", paramLabel = "random|pct",
            description = "each step's search (default: the workload's 'set strategy', else pct), as explore's")
    String strategy;

    @Option(names = "--depth", paramLabel = "D",
            description = "PCT bug depth (default: the workload's 'set depth', else 3), as explore's")
    Integer depth;

    @Option(names = "--jobs", paramLabel = "J", defaultValue = "1", description = "parallel executions (default: ${DEFAULT-VALUE})")
    int jobs;

    @Option(names = "--json", description = "print the answer as one JSON object")
    boolean json;

    /** A change between the kernels: a patch that comes ({@code add}) or goes, at a release. */
    record Change(Patch patch, boolean add, String release) {
        String text() {
            return (add ? "+" : "-") + patch.id();
        }
    }

    private static final Pattern PROFILE = Pattern.compile("^\\s*([0-9][0-9.]*)\\s*(.*)$");

    /** {@code "5.10"}, {@code "5.10 +a,-b"}, {@code "5.10+a+b -c"}: a removal after a space or comma. */
    static KernelProfile profile(String text) {
        Matcher m = PROFILE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "': expected PROFILE[+ID|-ID...], e.g. 5.10 or '4.20 +memcg-prealloc-pte'");
        }
        List<String> overrides = new ArrayList<>();
        Matcher o = Pattern.compile("([+-])([^+\\s,]+)").matcher(m.group(2)); // ids hold '-': a removal starts a word
        while (o.find()) {
            overrides.add(o.group(1) + o.group(2));
        }
        return KernelProfile.byName(m.group(1)).with(overrides);
    }

    /** The changes from {@code g} to {@code b}, in upstream order (release, then id). */
    static List<Change> changes(KernelProfile g, KernelProfile b) {
        List<Change> out = new ArrayList<>();
        for (Patch p : b.patches()) {
            if (!g.has(p)) {
                out.add(new Change(p, true, p.since() == null ? "proposed" : p.since()));
            }
        }
        for (Patch p : g.patches()) {
            if (!b.has(p)) {
                out.add(new Change(p, false, p.until() == null ? "proposed" : p.until()));
            }
        }
        out.sort(Comparator.comparing((Change c) -> c.release(), BisectCommand::compareRelease)
                .thenComparing(c -> c.patch().id()));
        return out;
    }

    /** Release order, a proposal (never merged) last. */
    private static int compareRelease(String a, String b) {
        if (a.equals(b)) {
            return 0;
        }
        if (a.equals("proposed") || b.equals("proposed")) {
            return a.equals("proposed") ? 1 : -1;
        }
        return KernelProfile.compare(a, b);
    }

    /** The good kernel with the first {@code k} changes, or null if that set is impossible. */
    private static KernelProfile step(KernelProfile g, List<Change> changes, int k) {
        List<String> o = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            o.add(changes.get(i).text());
        }
        try {
            return g.with(o);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public Integer call() {
        Scenario sc;
        KernelProfile g;
        KernelProfile b;
        try {
            sc = Scenarios.resolve(workload);
            g = profile(good).with(sc.patches());
            b = profile(bad).with(sc.patches());
        } catch (IllegalArgumentException e) {
            throw new CliError(e.getMessage());
        }
        if (jobs < 1 || jobs > 64) {
            throw new CliError("--jobs " + jobs + ": between 1 and 64");
        }
        var w = sc.workload();
        long n = budget != null ? budget : sc.iterations();
        if (n < 1) {
            throw new CliError("--budget " + n + ": must be positive");
        }
        String strategy = this.strategy != null ? this.strategy : sc.strategy();
        int depth = this.depth != null ? this.depth : sc.depth();
        if (!strategy.equals("pct") && !strategy.equals("random")) {
            throw new CliError("--strategy " + strategy + ": random or pct");
        }
        if (depth < 1 || depth > 64) {
            throw new CliError("--depth " + depth + ": 1 to 64");
        }
        List<Change> changes = changes(g, b);
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "bisect %s: %d change%s from %s to %s, %s%s, %d schedules a step%n", sc.name(), changes.size(),
                changes.size() == 1 ? "" : "s", g.name(), b.name(), strategy, strategy.equals("pct") ? " depth " + depth : "", n);
        if (changes.isEmpty()) {
            throw new CliError(g.name() + " and " + b.name() + " have the same patches: nothing to bisect");
        }
        // the failing end and the passing end: found / not found
        boolean wantFailAtEnd = !fixed;
        Explorer.Found atGood = explore(sc, g, n, strategy, depth, jobs, err, "good");
        Explorer.Found atBad = explore(sc, b, n, strategy, depth, jobs, err, "bad");
        // the failure is the failing end's signature: a step fails if its exploration finds that one first
        Explorer.Found failing = fixed ? atGood : atBad;
        String signature = failing == null ? null : signature(failing);
        boolean goodFails = atGood != null && signature(atGood).equals(signature);
        boolean badFails = atBad != null && signature(atBad).equals(signature);
        if (signature == null || goodFails == wantFailAtEnd || badFails != wantFailAtEnd) {
            throw new CliError("the ends do not differ as asked: " + g.name() + " " + outcome(atGood) + ", " + b.name() + " "
                    + outcome(atBad) + " in " + n + " schedules" + (fixed ? " (--fixed wants --good failing and --bad "
                    + "without that failure)" : " (--good must be without the failure --bad has; --fixed for the other way"
                    + " round)"));
        }
        int lo = 0;
        int hi = changes.size();
        while (hi - lo > 1) {
            int mid = (lo + hi) / 2;
            int k = mid;
            KernelProfile p = step(g, changes, k);
            while (p == null && k < hi - 1) { // an impossible set (a change needs a later one): skip ahead
                p = step(g, changes, ++k);
            }
            if (p == null) {
                break;
            }
            Explorer.Found f = explore(sc, p, n, strategy, depth, jobs, err, "step " + k + "/" + changes.size());
            boolean likeBad = (f != null && signature(f).equals(signature)) == wantFailAtEnd;
            if (likeBad) {
                hi = k;
            } else {
                lo = k;
            }
        }
        Change c = changes.get(hi - 1);
        Patch p = c.patch();
        String what = (fixed ? "first change that removes " : "first change that brings ") + signature;
        String sure = "; each step without a failure in " + n + " schedules is only probably without it";
        if (json) {
            o.println(new Json().put("workload", sc.name()).put("good", g.name()).put("bad", b.name()).put("fixed", fixed)
                    .put("failure", signature)
                    .put("change", c.text()).put("patch", p.id()).put("release", c.release())
                    .put("upstream", p.ref().toString()).put("title", p.title()).put("budget", n));
        } else {
            o.printf(Locale.ROOT, "%s: %s (%s, %s)%n  %s%n  upstream: %s%n  (%s)%n", what, c.text(), c.add() ? "merged " + c.release()
                    : "removed in " + c.release(), p.layer(), p.title(), p.ref(), sure.substring(2));
        }
        o.flush();
        return 0;
    }

    private static String signature(Explorer.Found f) {
        return f.result().fatal().kind() + " " + f.result().fatal().title();
    }

    private static String outcome(Explorer.Found f) {
        return f == null ? "passes" : "fails with " + signature(f);
    }

    private static Explorer.Found explore(Scenario sc, KernelProfile p, long n, String strategy, int depth, int jobs,
                                          PrintWriter err, String label) {
        Explorer ex = new Explorer(sc, p, ExploreCommand.DEFAULT_MAX_STEPS);
        long k = strategy.equals("pct") ? ex.pctLength(0) : 0;
        Explorer.Found f = ex.explore(0, n, jobs, 0, 1, Explorer.strategies(strategy, depth, k), (i, failed) -> { });
        err.printf(Locale.ROOT, "  %-12s %s: %s%n", label, p.name(), f == null ? "no failure in " + n + " schedules"
                : f.result().fatal().kind() + " after " + f.schedules() + " schedules (seed " + f.seed() + ")");
        err.flush();
        return f;
    }
}

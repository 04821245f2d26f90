package org.faultline.tools.fuzz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.faultline.kernel.ParallelRuns;
import org.faultline.kernel.Stopwatch;

/**
 * A differential campaign: sequences {@code seed, seed+1, ...} generated, checked (on {@code jobs}
 * host threads, through {@link ParallelRuns}: each sequence is its own kernel), and the failing ones
 * shrunk to minimal workload files. Which sequence is generated, and what it is checked against, does
 * not depend on the thread timing: sequence i is always seed+i.
 */
public final class Campaign {
    /**
     * @param seed         the first sequence's seed
     * @param count        sequences
     * @param jobs         host threads
     * @param gen          what to generate
     * @param shrinkMax    failing sequences to shrink (chosen across distinct failure titles first)
     * @param shrinkChecks budget of checks per shrink
     * @param out          where minimal workloads go (null: not written)
     */
    public record Options(long seed, int count, int jobs, OpsGenerator.Options gen, int shrinkMax, int shrinkChecks,
                          Path out) {
    }

    /** A failing sequence: its seed and what the checks found. */
    public record Failing(long seed, SequenceChecker.Result result) {
    }

    /** A shrunk failure, written to {@code file} (null if not written). */
    public record Minimal(long fromSeed, int fromOps, Shrinker.Outcome outcome, String text, Path file) {
    }

    /**
     * What a campaign found.
     *
     * @param tolerated sequences with a statement whose near-ENOSPC outcome differed from the host's
     *                  within the documented deviation (not failures; docs/testing.md)
     */
    public record Summary(int sequences, long statements, List<Failing> failing, Map<Finding.Kind, Integer> byKind,
                          List<Minimal> minimal, long elapsedNs, int tolerated) {
    }

    /** Progress reports. */
    public interface Listener {
        /** {@code done} sequences checked, {@code failing} of them failing. */
        void checked(long done, long failing);

        /** A line worth printing (a failure found, a shrink result). */
        void note(String line);
    }

    private final Options opts;
    private final SequenceChecker checker;

    public Campaign(Options opts, SequenceChecker checker) {
        this.opts = opts;
        this.checker = checker;
    }

    public Summary run(Listener l) throws IOException {
        Stopwatch sw = new Stopwatch();
        OpsGenerator gen = new OpsGenerator(opts.gen());
        int n = opts.count();
        AtomicReferenceArray<SequenceChecker.Result> results = new AtomicReferenceArray<>(n);
        AtomicLong done = new AtomicLong();
        AtomicLong bad = new AtomicLong();
        AtomicLong generated = new AtomicLong();
        ParallelRuns.firstFailure(opts.jobs(), n, i -> {
            long seed = opts.seed() + i;
            OpsSequence seq = gen.generate(seed);
            generated.addAndGet(seq.ops().size());
            SequenceChecker.Result r = checker.check(seq);
            results.set((int) i, r);
            if (!r.ok()) {
                bad.incrementAndGet();
                l.note("sequence " + seed + ": " + r.first());
            }
            l.checked(done.incrementAndGet(), bad.get());
            return false; // never stop early: every sequence runs
        });
        long statements = generated.get();
        List<Failing> failing = new ArrayList<>();
        Map<Finding.Kind, Integer> byKind = new EnumMap<>(Finding.Kind.class);
        int tolerated = 0;
        for (int i = 0; i < n; i++) {
            SequenceChecker.Result r = results.get(i);
            tolerated += r.tolerated() > 0 ? 1 : 0;
            if (!r.ok()) {
                failing.add(new Failing(opts.seed() + i, r));
                r.findings().stream().map(Finding::kind).distinct().forEach(k -> byKind.merge(k, 1, Integer::sum));
            }
        }
        List<Minimal> minimal = shrinkAll(gen, failing, l);
        return new Summary(n, statements, failing, byKind, minimal, sw.elapsedNs(), tolerated);
    }

    private static String name(Shrinker.Outcome o, long seed) {
        return o.finding().kind().label + "-seed" + seed + ".wl";
    }

    private String text(Shrinker.Outcome o, long seed, int fromOps) {
        String name = name(o, seed);
        OpsGenerator.Options g = opts.gen();
        OpsGenerator.Options d = OpsGenerator.Options.defaults();
        String args = "--seed " + seed + " --count 1" + (g.ops() != d.ops() ? " --ops " + g.ops() : "")
                + (g.tasks() != 1 ? " --tasks " + g.tasks() : "")
                + (g.fillPercent() != d.fillPercent() ? " --fill-percent " + g.fillPercent() : "")
                + (g.imageBytes() != d.imageBytes() ? " --image-size " + (g.imageBytes() >> 20) + "M" : "");
        return o.minimal().text(List.of(o.finding().kind().label + ": " + o.finding().title(),
                "faultline fuzz ops: sequence " + seed + " (" + args + "), shrunk from "
                        + fromOps + " to " + o.minimal().ops().size() + " statements",
                "reproduce: faultline fuzz ops " + (o.finding().kind() == Finding.Kind.VS_HOST ? "--vs-host " : "")
                        + checker.options().mkfsOption() + "--replay " + name + "  (every check), or",
                "  " + checker.options().mkfsCommand(o.minimal().imageBytes() >> 20) + " && faultline boot --image x.img "
                        + name + "  (Faultline's own checks)"));
    }

    /** Writes one shrunk failure to the output directory, as soon as it is shrunk. */
    private void write(Shrinker.Outcome o, long seed, int fromOps) throws IOException {
        if (opts.out() == null) {
            return;
        }
        Files.createDirectories(opts.out());
        Files.writeString(opts.out().resolve(name(o, seed)), text(o, seed, fromOps), StandardCharsets.UTF_8);
    }

    /** Picks failures to shrink: one per distinct title signature first, then more in seed order. */
    private List<Failing> pick(List<Failing> failing) {
        Map<String, Failing> first = new LinkedHashMap<>();
        for (Failing f : failing) {
            first.putIfAbsent(f.result().first().signature(), f);
        }
        List<Failing> l = new ArrayList<>(first.values());
        for (Failing f : failing) {
            if (l.size() >= opts.shrinkMax()) {
                break;
            }
            if (!l.contains(f)) {
                l.add(f);
            }
        }
        return l.subList(0, Math.min(l.size(), opts.shrinkMax()));
    }

    private List<Minimal> shrinkAll(OpsGenerator gen, List<Failing> failing, Listener l) throws IOException {
        List<Failing> todo = pick(failing);
        AtomicReferenceArray<Shrinker.Outcome> outs = new AtomicReferenceArray<>(todo.size());
        Shrinker sh = new Shrinker(checker, opts.shrinkChecks());
        ParallelRuns.firstFailure(opts.jobs(), todo.size(), i -> {
            Failing f = todo.get((int) i);
            Shrinker.Outcome o = sh.shrink(gen.generate(f.seed()), f.result().first());
            outs.set((int) i, o);
            try {
                write(o, f.seed(), gen.generate(f.seed()).ops().size());
            } catch (IOException e) {
                l.note("cannot write the minimal workload of sequence " + f.seed() + ": " + e.getMessage());
            }
            l.note("shrunk sequence " + f.seed() + " to " + o.minimal().ops().size() + " statements (" + o.checks()
                    + " checks): " + o.finding());
            return false;
        });
        // distinct failures: the same kind and the same statement shape are one
        Map<String, Minimal> distinct = new LinkedHashMap<>();
        for (int i = 0; i < todo.size(); i++) {
            Shrinker.Outcome o = outs.get(i);
            Failing f = todo.get(i);
            String key = o.finding().kind() + " " + o.minimal().shape();
            Minimal prev = distinct.get(key);
            if (prev == null || o.minimal().ops().size() < prev.outcome().minimal().ops().size()) {
                distinct.put(key, new Minimal(f.seed(), gen.generate(f.seed()).ops().size(), o, null, null));
            }
        }
        List<Minimal> out = new ArrayList<>();
        for (Minimal m : distinct.values()) {
            Shrinker.Outcome o = m.outcome();
            out.add(new Minimal(m.fromSeed(), m.fromOps(), o, text(o, m.fromSeed(), m.fromOps()),
                    opts.out() == null ? null : opts.out().resolve(name(o, m.fromSeed()))));
        }
        if (opts.out() != null) { // duplicates (same kind and shape, larger) go again
            for (int i = 0; i < todo.size(); i++) {
                Path p = opts.out().resolve(name(outs.get(i), todo.get(i).seed()));
                if (out.stream().noneMatch(m -> p.equals(m.file()))) {
                    Files.deleteIfExists(p);
                }
            }
        }
        out.sort((a, b) -> Integer.compare(a.outcome().minimal().ops().size(), b.outcome().minimal().ops().size()));
        return out;
    }
}

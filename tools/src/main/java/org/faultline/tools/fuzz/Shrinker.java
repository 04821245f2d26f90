package org.faultline.tools.fuzz;

import java.util.ArrayList;
import java.util.List;

/**
 * Delta debugging of a failing sequence: drop chunks of statements (halves, quarters, ... single
 * statements), keep a candidate if it still fails with a finding of the same kind, until no single
 * statement can go. Every candidate is {@link Model#normalize normalized} first, so it stays a
 * valid workload: dropping an {@code open} or {@code mmap} drops the statements that use it, dropping
 * a write that grew a file drops the accesses beyond the new EOF.
 */
public final class Shrinker {
    /** What shrinking produced: the smallest failing sequence, its finding, and how many checks it took. */
    public record Outcome(OpsSequence minimal, Finding finding, int checks) {
    }

    private final SequenceChecker checker;
    private final int maxChecks;

    /** @param maxChecks a budget of sequence checks (each one a Faultline run and the checks up to the failing one) */
    public Shrinker(SequenceChecker checker, int maxChecks) {
        this.checker = checker;
        this.maxChecks = maxChecks;
    }

    /** Shrinks {@code seq}, which failed with {@code target}: candidates must fail the same way ({@link Finding#sameAs}). */
    public Outcome shrink(OpsSequence seq, Finding target) {
        Finding.Kind kind = target.kind();
        List<Op> ops = Model.normalize(seq.ops());
        Finding best = target;
        int checks = 0;
        int chunk = Math.max(1, ops.size() / 2);
        while (checks < maxChecks) {
            boolean progress = false;
            for (int i = 0; i < ops.size() && checks < maxChecks; ) {
                List<Op> cand = new ArrayList<>(ops.subList(0, i));
                cand.addAll(ops.subList(Math.min(ops.size(), i + chunk), ops.size()));
                cand = Model.normalize(cand);
                if (cand.size() >= ops.size()) {
                    i += chunk;
                    continue;
                }
                checks++;
                SequenceChecker.Result r = checker.check(seq.withOps(cand), kind);
                Finding f = r.findings().stream().filter(target::sameAs).findFirst().orElse(null);
                if (f != null) {
                    ops = cand;
                    best = f;
                    progress = true;
                } else {
                    i += chunk;
                }
            }
            if (!progress) {
                if (chunk == 1) {
                    break;
                }
                chunk = Math.max(1, chunk / 2);
            } else if (chunk > ops.size()) {
                chunk = Math.max(1, ops.size() / 2);
            }
        }
        return new Outcome(seq.withOps(ops), best, checks);
    }
}

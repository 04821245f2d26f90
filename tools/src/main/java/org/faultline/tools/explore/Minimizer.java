package org.faultline.tools.explore;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.faultline.kernel.Failure;
import org.faultline.kernel.Replay;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.Schedule;
import org.faultline.kernel.Strategy;
import org.faultline.kernel.Task;

/**
 * Schedule minimisation ({@code explore --minimize}): from a failing schedule, one with as few
 * preemptions as it takes — switches away from a task that could have kept running — that still ends
 * in the same failure (kind and title), as preemption bounding (CHESS) reasons: few preemptions make a
 * race a human can follow. Greedy, one preemption at a time from the last: a preemption whose removal
 * keeps the failure stays removed.
 *
 * <p>A candidate runs under {@link Guided}: the recorded choice at each decision, except where a
 * dropped preemption was — there the running task keeps the CPU. The candidate's own recorded schedule
 * (which replays exactly) is what is kept.
 */
public final class Minimizer {
    private Minimizer() {
    }

    /**
     * The result.
     *
     * @param schedule the minimal schedule found (replays to the same failure)
     * @param before   preemptions in the schedule given
     * @param after    preemptions in the minimal one
     * @param runs     executions tried
     */
    public record Result(Schedule schedule, int before, int after, int runs) {
    }

    /** Follows recorded choices, keeping the running task at the decisions where a preemption was dropped. */
    static final class Guided implements Strategy {
        private final Schedule recorded;
        private final java.util.Set<Long> dropped;
        private final Replay randoms;
        /** Decision → the preemption taken there (the pid switched to), for {@link #preemptions}. */
        final TreeMap<Long, Integer> preemptions = new TreeMap<>();

        Guided(Schedule recorded, java.util.Set<Long> dropped) {
            this.recorded = recorded;
            this.dropped = dropped;
            this.randoms = new Replay(recorded);
        }

        @Override
        public Task nextTask(List<Task> runnable, Task current, long step) {
            boolean canStay = current != null && runnable.contains(current);
            Task pick = null;
            if (!(canStay && dropped.contains(step)) && step < recorded.choiceCount()) {
                int pid = recorded.choice((int) step);
                for (Task t : runnable) {
                    if (t.pid() == pid) {
                        pick = t;
                    }
                }
            }
            if (pick == null) {
                pick = canStay ? current : runnable.get(0);
            }
            if (canStay && pick != current) {
                preemptions.put(step, pick.pid());
            }
            return pick;
        }

        @Override
        public long nextLong() {
            return randoms.nextLong();
        }

        @Override
        public long seed() {
            return recorded.seed();
        }

        @Override
        public String describe() {
            return "minimize(" + recorded.choiceCount() + " choices, " + dropped.size() + " preemptions dropped)";
        }
    }

    /** A run's failure as the minimiser compares it: kind and title. */
    static String signature(RunResult r) {
        Failure f = r.fatal();
        return f == null ? null : f.kind() + " " + f.title();
    }

    /**
     * Minimises {@code failing}, a schedule of {@code ex}'s workload ending in a failure.
     *
     * @param budget most executions to try
     */
    public static Result minimize(Explorer ex, Schedule failing, int budget) {
        Guided all = new Guided(failing, java.util.Set.of());
        RunResult first = ex.search(all); // untraced: only the signature and the schedule are read
        String want = signature(first);
        if (want == null) {
            throw new IllegalArgumentException("the schedule does not fail when replayed");
        }
        int before = all.preemptions.size();
        Schedule best = first.schedule();
        int after = before;
        int runs = 1;
        // to a fixpoint: drop one preemption of the current best (from the last); on success, start over
        // from the schedule that run recorded, whose decisions are numbered afresh
        boolean progress = true;
        while (progress && runs < budget) {
            progress = false;
            Guided probe = new Guided(best, java.util.Set.of());
            ex.search(probe);
            runs++;
            for (long s : new ArrayList<>(probe.preemptions.descendingKeySet())) {
                if (runs >= budget) {
                    break;
                }
                Guided g = new Guided(best, java.util.Set.of(s));
                RunResult r = ex.search(g);
                runs++;
                if (want.equals(signature(r)) && g.preemptions.size() < after) {
                    best = r.schedule();
                    after = g.preemptions.size();
                    progress = true;
                    break;
                }
            }
        }
        return new Result(best, before, after, runs);
    }
}

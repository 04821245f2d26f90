package org.faultline.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * Wraps a strategy and checks a second run against the first (shuttle's
 * {@code UncontrolledNondeterminismCheckScheduler}): in {@link #record} mode it passes the inner
 * strategy's choices through and remembers every runnable set; {@link #checking()} returns a strategy
 * that replays the same choices and fails if any runnable set differs — so code that depends on the
 * host (wall clock, identity hash order, real thread timing) is caught, not silently explored.
 */
public final class NondeterminismCheck implements Strategy {
    private final Strategy inner;
    private final List<int[]> sets = new ArrayList<>();
    private final List<Integer> picks = new ArrayList<>();
    private final List<Long> randoms = new ArrayList<>();

    private NondeterminismCheck(Strategy inner) {
        this.inner = inner;
    }

    /** Records a first run driven by {@code inner}. */
    public static NondeterminismCheck record(Strategy inner) {
        return new NondeterminismCheck(inner);
    }

    @Override
    public Task nextTask(List<Task> runnable, Task current, long step) {
        sets.add(pids(runnable));
        Task t = inner.nextTask(runnable, current, step);
        picks.add(t.pid());
        return t;
    }

    @Override
    public long nextLong() {
        long v = inner.nextLong();
        randoms.add(v);
        return v;
    }

    @Override
    public void onSpawn(Task t) {
        inner.onSpawn(t);
    }

    @Override
    public long seed() {
        return inner.seed();
    }

    @Override
    public String describe() {
        return "check(" + inner.describe() + ")";
    }

    /** A strategy that replays the recorded run and fails on the first differing runnable set. */
    public Strategy checking() {
        return new Strategy() {
            private int i;
            private int r;

            @Override
            public Task nextTask(List<Task> runnable, Task current, long step) {
                int[] now = pids(runnable);
                if (i >= sets.size() || !java.util.Arrays.equals(sets.get(i), now)) {
                    throw new Replay.NondeterminismException("possible nondeterminism: set of runnable tasks is "
                            + "different than expected at decision " + i + ": expected "
                            + (i < sets.size() ? java.util.Arrays.toString(sets.get(i)) : "end of run")
                            + ", got " + java.util.Arrays.toString(now));
                }
                int pid = picks.get(i++);
                for (Task t : runnable) {
                    if (t.pid() == pid) {
                        return t;
                    }
                }
                throw new IllegalStateException("unreachable: recorded pick not in identical set");
            }

            @Override
            public long nextLong() {
                return r < randoms.size() ? randoms.get(r++) : 0;
            }

            @Override
            public long seed() {
                return inner.seed();
            }

            @Override
            public String describe() {
                return "nondeterminism-check(" + inner.describe() + ")";
            }
        };
    }

    private static int[] pids(List<Task> ts) {
        int[] p = new int[ts.size()];
        for (int j = 0; j < p.length; j++) {
            p[j] = ts.get(j).pid();
        }
        return p;
    }
}

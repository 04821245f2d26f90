package org.faultline.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * Probabilistic Concurrency Testing: Burckhardt, Kothari, Musuvathi, Nagarakatte, "A Randomized
 * Scheduler with Probabilistic Guarantees of Finding Bugs", ASPLOS 2010.
 *
 * <p>Each task gets a distinct random priority at creation (all above {@code depth}); the highest
 * priority runnable task always runs. {@code depth - 1} change points are drawn uniformly in
 * {@code [0, maxSteps)}; at the i-th one the running task's priority drops to {@code depth - 1 - i},
 * below every initial priority. A bug of depth d among n tasks and k steps is found with probability
 * at least {@code 1 / (n * k^(d-1))} per execution.
 */
public final class Pct implements Strategy {
    private final long seed;
    private final int depth;
    private final Prng rng;
    // invariant: length is depth - 1, sorted ascending
    private final long[] changePoints;
    private int[] priority = new int[16]; // by pid; 0 for a task spawned before this strategy
    private final List<Integer> used = new ArrayList<>();

    /**
     * @param seed     seed of every choice
     * @param depth    bug depth d to target (1 = no change points)
     * @param maxSteps estimate k of decision points per execution
     */
    public Pct(long seed, int depth, long maxSteps) {
        if (depth < 1 || maxSteps < 1) {
            throw new IllegalArgumentException("pct needs depth >= 1 and maxSteps >= 1");
        }
        this.seed = seed;
        this.depth = depth;
        this.rng = new Prng(seed);
        this.changePoints = new long[depth - 1];
        for (int i = 0; i < changePoints.length; i++) {
            changePoints[i] = rng.nextLong(maxSteps);
        }
        java.util.Arrays.sort(changePoints);
    }

    @Override
    public void onSpawn(Task t) {
        // A random distinct priority above every change-point priority: insert at a random rank.
        int p;
        do {
            p = depth + rng.nextInt(1 << 20);
        } while (used.contains(p));
        used.add(p);
        setPriority(t.pid(), p);
    }

    @Override
    public Task nextTask(List<Task> runnable, Task current, long step) {
        for (int i = 0; i < changePoints.length; i++) {
            if (changePoints[i] == step && current != null) {
                setPriority(current.pid(), depth - 1 - i);
            }
        }
        Task best = null;
        int bestPrio = Integer.MIN_VALUE;
        for (int i = 0, n = runnable.size(); i < n; i++) { // indexed: no iterator per decision
            Task t = runnable.get(i);
            int p = t.pid() < priority.length ? priority[t.pid()] : 0;
            if (p > bestPrio) {
                best = t;
                bestPrio = p;
            }
        }
        return best;
    }

    private void setPriority(int pid, int p) {
        if (pid >= priority.length) {
            priority = java.util.Arrays.copyOf(priority, Math.max(pid + 1, priority.length * 2));
        }
        priority[pid] = p;
    }

    @Override
    public long nextLong() {
        return rng.nextLong();
    }

    @Override
    public long seed() {
        return seed;
    }

    @Override
    public String describe() {
        return "pct(seed=" + seed + ", depth=" + depth + ")";
    }
}

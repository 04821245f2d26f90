package org.faultline.kernel;

import java.util.List;

/** Picks uniformly among the runnable tasks at every decision point. */
public final class RandomWalk implements Strategy {
    private final long seed;
    private final Prng rng;

    public RandomWalk(long seed) {
        this.seed = seed;
        this.rng = new Prng(seed);
    }

    @Override
    public Task nextTask(List<Task> runnable, Task current, long step) {
        return runnable.get(rng.nextInt(runnable.size()));
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
        return "random(seed=" + seed + ")";
    }
}

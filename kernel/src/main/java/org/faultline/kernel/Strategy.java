package org.faultline.kernel;

import java.util.List;

/**
 * A scheduling oracle for the controlled scheduler: it answers "which task next" and "which random
 * value", and nothing else (shuttle's {@code Scheduler}, Fray's {@code Scheduler}). The runtime never
 * draws randomness itself, so a run is a pure function of the strategy's answers, which the scheduler
 * records as a {@link Schedule}.
 */
public interface Strategy {
    /**
     * Picks the next task to run at a decision point.
     *
     * @param runnable the runnable tasks, in ascending pid order; at least two. A read-only view valid
     *                 only during the call: a strategy that keeps it must copy it
     * @param current  the task that reached the point, or null if it can no longer run
     * @param step     the number of decisions taken before this one in this execution
     * @return one of {@code runnable}
     */
    Task nextTask(List<Task> runnable, Task current, long step);

    /** A random value for kernel code that asks for one (fault injection, randomized choices). */
    long nextLong();

    /** Tells the strategy a task was created (PCT assigns its priority here). */
    default void onSpawn(Task t) {
    }

    /** The seed recorded in schedules made with this strategy. */
    long seed();

    /** A one-line description for reports, e.g. {@code "pct(seed=7, depth=3)"}. */
    String describe();
}

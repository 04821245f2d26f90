package org.faultline.kernel;

import java.util.List;

/**
 * Replays a recorded {@link Schedule}: at each decision point it picks the recorded pid, and hands
 * out the recorded random values. If the recorded pid is not runnable, the run has diverged from the
 * one that was recorded — uncontrolled nondeterminism — and the run stops with a
 * {@link Failure.Kind#NONDETERMINISM} failure. Past the end of the recording it keeps the current
 * task running if it can, else the lowest pid (a deterministic tail, for schedules replayed on a
 * kernel where the recorded failure no longer happens).
 */
public final class Replay implements Strategy {
    private final Schedule schedule;
    private int nextChoice;
    private int nextRandom;

    public Replay(Schedule schedule) {
        this.schedule = schedule;
    }

    @Override
    public Task nextTask(List<Task> runnable, Task current, long step) {
        if (nextChoice < schedule.choiceCount()) {
            int pid = schedule.choice(nextChoice++);
            for (Task t : runnable) {
                if (t.pid() == pid) {
                    return t;
                }
            }
            throw new NondeterminismException("possible nondeterminism: schedule step " + (nextChoice - 1)
                    + " chose pid " + pid + ", but the runnable tasks are " + runnable);
        }
        return current != null && runnable.contains(current) ? current : runnable.get(0);
    }

    @Override
    public long nextLong() {
        if (nextRandom < schedule.randomCount()) {
            return schedule.random(nextRandom++);
        }
        return 0;
    }

    @Override
    public long seed() {
        return schedule.seed();
    }

    @Override
    public String describe() {
        return "replay(" + schedule.choiceCount() + " choices, seed=" + schedule.seed() + ")";
    }

    /** Thrown into the scheduler when a replay diverges. */
    public static final class NondeterminismException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NondeterminismException(String msg) {
            super(msg);
        }
    }
}

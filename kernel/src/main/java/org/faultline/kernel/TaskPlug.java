package org.faultline.kernel;

/**
 * What the scheduler needs of a task's block plug ({@code struct blk_plug}): the block layer's
 * {@code Plug} implements it. Before a task sleeps, {@link Scheduler#schedule()} flushes it with
 * {@code fromSchedule = true} — {@code sched_submit_work()} → {@code blk_schedule_flush_plug()}.
 */
public interface TaskPlug {
    /**
     * Submits what the plug holds and runs its {@code blk_check_plugged} callbacks.
     *
     * @param fromSchedule true when called because the owning task is about to sleep
     */
    void flush(boolean fromSchedule);
}

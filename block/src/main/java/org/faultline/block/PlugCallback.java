package org.faultline.block;

/**
 * A callback hung on a task's plug ({@code struct blk_plug_cb}): run when the plug is flushed —
 * at {@code blk_finish_plug}, or when the task sleeps ({@code fromSchedule = true}). A driver or
 * filesystem uses it to submit I/O it has been holding back (md/raid1's deferred bios; one proposed
 * fix for bug 3 holds ext4's private {@code io_bio} this way).
 */
public interface PlugCallback {
    /** The object that registered the callback: {@link Plug#blkCheckPlugged} finds it by this. */
    Object owner();

    /** Runs the callback; it is then removed from the plug. */
    void unplug(boolean fromSchedule);
}

package org.faultline.kernel;

/** What kind of execution context a {@link Task} is. */
public enum TaskKind {
    /** A user task running a workload: its system calls run kernel code in process context. */
    USER,
    /** A kernel thread (flusher, kswapd): runs until asked to stop once user tasks are done. */
    KTHREAD,
    /** Interrupt/softirq context (bio completion): sleeping here is a bug. */
    SOFTIRQ
}

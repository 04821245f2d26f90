/**
 * The emulated CPU world — kernel/sched, kernel/locking, the page-wait table of mm/filemap.c, and
 * the failure detectors.
 *
 * <p>Files:
 * <ul>
 *   <li>{@link org.faultline.kernel.Kernel} — one booted kernel: scheduler, profile, log, trace, failures.</li>
 *   <li>{@link org.faultline.kernel.Scheduler}, {@link org.faultline.kernel.ControlledScheduler},
 *       {@link org.faultline.kernel.FreeScheduler} — kernel/sched/core.c: tasks, sleep/wake, points.
 *       {@code Cpu} (host-side) runs a controlled execution's tasks as virtual threads on the one
 *       host thread in {@code ControlledScheduler.run} (Java 21+; platform threads otherwise).</li>
 *   <li>{@link org.faultline.kernel.Strategy} and {@link org.faultline.kernel.RandomWalk},
 *       {@link org.faultline.kernel.Pct}, {@link org.faultline.kernel.Replay},
 *       {@link org.faultline.kernel.NondeterminismCheck}; {@link org.faultline.kernel.Schedule}.</li>
 *   <li>{@link org.faultline.kernel.WaitQueue} (kernel/sched/wait.c), {@link org.faultline.kernel.BitWait}
 *       (page wait table), {@link org.faultline.kernel.Mutex}, {@link org.faultline.kernel.RwSemaphore},
 *       {@link org.faultline.kernel.SpinLock}, {@link org.faultline.kernel.Completion}.</li>
 *   <li>{@link org.faultline.kernel.HostGate} — system calls from host threads (a FUSE daemon's) run by the
 *       user task standing for each calling process, in a free-running kernel; an oops kills only the
 *       serving task when {@link org.faultline.kernel.BootParams#panicOnOops} is off.</li>
 *   <li>{@link org.faultline.kernel.Taint} (kernel/panic.c's taint mask), {@link org.faultline.kernel.Lkdtm}
 *       (drivers/misc/lkdtm: crash points), {@link org.faultline.kernel.Cred} (a task's fsuid/fsgid),
 *       {@link org.faultline.kernel.FaultInject} (lib/fault-inject.c).</li>
 *   <li>{@link org.faultline.kernel.WaitForGraph} — deadlock and hung-task detection;
 *       {@link org.faultline.kernel.CallTrace} — kernel-style traces from Java stacks.</li>
 *   <li>{@link org.faultline.kernel.Patch}, {@link org.faultline.kernel.Patches}, {@link org.faultline.kernel.KernelProfile} — switchable behaviour: the interface, the registry of every layer's patches (declared where they act, found as {@link org.faultline.kernel.PatchProvider} services) and the eras.</li>
 * </ul>
 *
 * <p>Lock ordering (Java monitors, all leaf-level: nothing blocks or switches tasks under them):
 * <pre>
 *   WaitQueue monitor            (a primitive's internal state: owner, count, entries)
 *     Scheduler monitor          (the task list; spawn)
 *     BitWord owners             (per-bit owner table)
 *   HostGate monitor             (its callers' tasks and queues, closed; spawns under it)
 *     Scheduler monitor
 *   Kernel.failures              (report; the first fatal failure, the first oops that killed one task)
 *     KernelLog ring, Trace ring
 *   (Taint and Lkdtm counts are atomics, taken under nothing)
 *   Cpu queue                    (continuations waiting for the carrier; taken alone)
 * </pre>
 *
 * <p>Emulated locks ({@link org.faultline.kernel.Mutex} and friends) are ordered by their users;
 * a task's held locks are listed in {@code Task.held} for reports.
 *
 * <p>This is the only package that may use host threads, {@code synchronized},
 * {@code java.util.concurrent} or the host clock: everything else goes through it.
 */
package org.faultline.kernel;

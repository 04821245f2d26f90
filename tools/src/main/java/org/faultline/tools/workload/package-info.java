/**
 * The workload format ({@code docs/workloads.md}): parser ({@link org.faultline.tools.workload.Workload},
 * {@link org.faultline.tools.workload.Parser}), statements and expressions, the runner that spawns one
 * user task per {@code task} plus an epilogue ({@link org.faultline.tools.workload.WorkloadRunner}),
 * the per-task interpreter making the system calls, and the fsx-style data oracle
 * ({@link org.faultline.tools.workload.Oracle}, {@link org.faultline.tools.workload.Shadow}) that checks
 * every read, load and stat, and the image after unmount.
 *
 * <p>Settings the runner interprets itself: {@code final-check}, and {@code fail-write}
 * ({@link org.faultline.tools.workload.FailWrite}), armed on the inode a task first opens under the
 * named path through ext4's block-mapping fault injection, and {@code lkdtm} (the kernel's crash
 * point, armed before the tasks run). The boot layer (boot, explore) reads the others.
 *
 * <p>Locks: the oracle's state is guarded by a host lock ({@code kernel/HostLock}) held only for short,
 * non-blocking sections, never across a system call, so it adds no preemption point. Barriers are
 * kernel wait queues, visible to the deadlock detector.
 */
package org.faultline.tools.workload;

/**
 * Reproduction: scenarios, controlled exploration and schedule files.
 *
 * <p>A {@link org.faultline.tools.explore.Scenario} is a workload in the public format
 * ({@code docs/workloads.md}) whose {@code set} lines describe the machine; the built-in ones are
 * resources under {@code /scenarios/} ({@link org.faultline.tools.explore.Scenarios}), and any workload
 * file is one too. The {@link org.faultline.tools.explore.Explorer} boots a controlled kernel per
 * execution on a fresh copy of an in-memory ext4 image ({@link org.faultline.tools.explore.MemImage}),
 * runs the workload with its data oracle under a strategy, and searches seeds for the first failure
 * (optionally on several host threads, or a shard of the seeds). A
 * {@link org.faultline.tools.explore.ScheduleFile} saves a failing execution — scenario, profile and
 * patches, the workload's digest, the failure, the schedule — for {@code faultline replay}.
 *
 * <p>Nothing here knows what a bug looks like: failures come from the kernel's generic detectors
 * (BUG_ON, WARN, the wait-for graph, CONFIG_DEBUG_VM invariants) and the workload's oracle.
 *
 * <p>Concurrency: executions share nothing but the read-only image template and the parsed workload;
 * {@code ParallelRuns} (kernel/) runs them on host threads.
 */
package org.faultline.tools.explore;

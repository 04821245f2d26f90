/**
 * Randomised differential testing (docs/testing.md). {@code fuzz ops}: random system-call sequences
 * ({@link org.faultline.tools.fuzz.OpsGenerator} over a {@link org.faultline.tools.fuzz.Model} of the
 * files, {@link org.faultline.tools.fuzz.OpsSequence}), each run and judged by
 * {@link org.faultline.tools.fuzz.SequenceChecker} — the oracle, the unmounted image, the host kernel's
 * loop mount, e2fsck, and with {@code --vs-host} the same calls on the host kernel
 * ({@link org.faultline.tools.fuzz.HostInterp}, {@link org.faultline.tools.fuzz.FileTracker},
 * {@link org.faultline.tools.fuzz.TreeMeta}); failures ({@link org.faultline.tools.fuzz.Finding})
 * shrunk to minimal workloads ({@link org.faultline.tools.fuzz.Shrinker}); {@link org.faultline.tools.fuzz.Campaign}
 * runs many. {@code fuzz images}: corrupt images through every command
 * ({@link org.faultline.tools.fuzz.ImageFuzz}, {@link org.faultline.tools.fuzz.Mutation}).
 * {@link org.faultline.tools.fuzz.HostChecks} probes and drives the host's tools (mount, mkfs.ext4, e2fsck).
 *
 * <p>Concurrency: a campaign runs its sequences on {@code --jobs} host threads through
 * {@code kernel/ParallelRuns}; each sequence boots its own kernel on its own image and scratch
 * directory, so sequences share nothing but the campaign's result slots and counters (atomics).
 * Everything is seeded: the same seed gives the same sequences.
 */
package org.faultline.tools.fuzz;

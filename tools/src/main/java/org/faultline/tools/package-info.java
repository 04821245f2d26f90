/**
 * The {@code faultline} command line (picocli), packaged as the fat jar
 * {@code tools/target/faultline.jar} that the {@code ./faultline} launcher runs.
 *
 * <p>Commands:
 * <ul>
 *   <li>{@link org.faultline.tools.BootCommand boot} — boots a free-running kernel with a profile and
 *       patch overrides on an image ({@link org.faultline.fs.Machine}) and runs a workload file, a
 *       scenario, or the default workload ({@code workloads/default.wl}, {@link org.faultline.tools.DefaultWorkload});</li>
 *   <li>{@link org.faultline.tools.ImageCommands ls, cat, stat, cp, mkdir, rm} — e2tools-like image
 *       tools, each one boot ({@link org.faultline.tools.ImageSession}) doing real system calls on the
 *       mounted image; the reading ones mount read-only on an O_RDONLY image;</li>
 *   <li>{@link org.faultline.tools.BenchBlock bench block} — fio-psync-shaped synchronous I/O through
 *       the emulated block layer, optionally compared with fio itself ({@code --vs-fio});</li>
 *   <li>{@link org.faultline.tools.BenchFs bench fs} — a benchmark workload ({@link
 *       org.faultline.tools.BenchWorkload}: shipped in {@code resources/bench}, or any workload file) on
 *       a fresh ext4 scratch image through the whole stack, on any profile and patch set; kernels
 *       compared in alternating runs with verdicts ({@link org.faultline.tools.BenchCompare}), the host
 *       kernel running the same statements beside the image, JSON, CSV, a plot and a report page
 *       ({@link org.faultline.tools.BenchHtml});</li>
 *   <li>{@link org.faultline.tools.ScenariosCommand scenarios}, {@link org.faultline.tools.ExploreCommand
 *       explore}, {@link org.faultline.tools.ReplayCommand replay} — the reference-bug scenarios
 *       (workload files), controlled exploration of a scenario or any workload file until a failure,
 *       and bit-for-bit replay of a saved schedule (package {@link org.faultline.tools.explore});</li>
 *   <li>{@link org.faultline.tools.PatchesCommand patches}, {@link org.faultline.tools.ProfilesCommand
 *       profiles} — the switchable patches of every layer and the built-in kernel eras;</li>
 *   <li>{@link org.faultline.tools.MkfsCommand mkfs}, {@link org.faultline.tools.FsckCommand fsck} — make and
 *       check images offline;</li>
 *   <li>{@link org.faultline.tools.FuzzCommand fuzz ops, fuzz images} — the differential oracle against
 *       the host kernel and the corrupt-image campaign (docs/testing.md; package
 *       {@link org.faultline.tools.fuzz}).</li>
 * </ul>
 *
 * <p>Conventions: {@link org.faultline.tools.Faultline#run} runs a command line in-process and returns
 * its exit code — 0 ok, 1 oops/BUG, 2 bad usage or input, 3 deadlock/hang, 4 corruption/invariant
 * (a kernel run's code is {@code RunResult.exitCode()}). A user-fixable problem is one line on stderr,
 * {@code faultline: <message>} ({@link org.faultline.tools.CliError}), never a stack trace; usage
 * errors add a {@code Try '... --help'} hint. The only host file a command creates or writes is the
 * image the user named (or the default image under {@code $FAULTLINE_HOME}, else
 * {@code ~/.faultline}), or the copy {@code cp IMAGE:/path HOST} was asked for (opened only once the
 * source opened, never the image itself); an image that is refused is left untouched.
 *
 * <p>Like everything outside kernel/, this package never uses host threads, monitors or the host
 * clock: time is {@code k.sched().clockNs()}, and state a task records is written only by that task
 * and read after {@code Kernel.run()} has joined it. It starts outside programs only as child processes
 * (fio; mount, umount and e2fsck for the fuzzers), through {@link org.faultline.kernel.ForkGuard}
 * where other host threads hold files open. JSON output is written by hand ({@link org.faultline.tools.Json}) and
 * fio's JSON is read with a minimal scanner ({@link org.faultline.tools.Fio}).
 */
package org.faultline.tools;

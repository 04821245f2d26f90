package org.faultline.tools.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.faultline.block.HostFileDriver;
import org.faultline.fs.Machine;
import org.faultline.fs.ext4.Ext4Super;
import org.faultline.images.ext4.Fsck;
import org.faultline.images.ext4.Mkfs;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Failure;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RunResult;
import org.faultline.tools.workload.Oracle;
import org.faultline.tools.workload.StepResult;
import org.faultline.tools.workload.Workload;
import org.faultline.tools.workload.WorkloadException;
import org.faultline.tools.workload.WorkloadRunner;

/**
 * Runs one sequence through every check: Faultline (free-running, as {@code faultline boot} runs a
 * workload file) on a fresh ext4 image file, with the oracle checking every read and the final
 * read-back; then, on the unmounted image, Faultline's fsck, {@link Oracle#verifyImage}, the host
 * kernel's read-only loop mount against {@link Oracle#expectedFiles()}, {@code e2fsck -fn}, and
 * (optionally) the same system calls on the host kernel ({@link HostInterp}).
 */
public final class SequenceChecker {

    /**
     * @param profile    kernel profile Faultline boots
     * @param hostMount  loop-mount the image and compare (needs root and a loop device)
     * @param e2fsck     run e2fsck -fn on the image
     * @param vsHost     run the same system calls on the host kernel and compare
     * @param scratch    directory for images and mount points
     * @param hungTaskTimeoutMs a task blocked this long (host time) is reported hung (a DEADLOCK finding)
     * @param hostMkfs   make each image with the host's mkfs.ext4 and its default features instead of
     *                   Faultline's mkfs
     * @param mkfsBlockSize the block size either mkfs gives the image: 1024, 2048 or 4096
     */
    public record Options(KernelProfile profile, boolean hostMount, boolean e2fsck, boolean vsHost, Path scratch,
                          long hungTaskTimeoutMs, boolean hostMkfs, int mkfsBlockSize) {
        /** The default hung-task timeout: a sequence runs well under a second, a task blocked this long is hung. */
        public static final long HUNG_TASK_TIMEOUT_MS = 10_000;

        public Options(KernelProfile profile, boolean hostMount, boolean e2fsck, boolean vsHost, Path scratch) {
            this(profile, hostMount, e2fsck, vsHost, scratch, HUNG_TASK_TIMEOUT_MS, false, 4096);
        }

        /** @return the {@code --mkfs} option of {@code fuzz ops} that makes these images, with a space; "" for the default */
        String mkfsOption() {
            return hostMkfs ? "--mkfs host" + (mkfsBlockSize == 4096 ? " " : ":" + mkfsBlockSize + " ")
                    : mkfsBlockSize == 4096 ? "" : "--mkfs faultline:" + mkfsBlockSize + " ";
        }

        /** @return the shell command that makes such an image of {@code mib} MiB at x.img */
        String mkfsCommand(long mib) {
            return hostMkfs ? "mkfs.ext4 -F -q -b " + mkfsBlockSize + " x.img " + mib + "M"
                    : "faultline mkfs x.img --size " + mib + "M" + (mkfsBlockSize == 4096 ? "" : " --block-size " + mkfsBlockSize);
        }

        /** Makes the image of a sequence, as {@link #hostMkfs} and {@link #mkfsBlockSize} say. */
        void makeImage(Path img, long bytes, long seed) throws IOException {
            if (hostMkfs) {
                HostChecks.mkfsExt4(img, bytes, seed, mkfsBlockSize);
            } else {
                Mkfs.createImage(img, bytes, Mkfs.Options.seeded(seed).withBlockSize(mkfsBlockSize));
            }
        }
    }

    /** What checking one sequence found. */
    /**
     * @param tolerated statements whose outcome near ENOSPC differed from the host's within the
     *                  documented deviation ({@link HostInterp#spaceOutcomes})
     */
    public record Result(List<Finding> findings, long statements, int tolerated) {
        public boolean ok() {
            return findings.isEmpty();
        }

        public Finding first() {
            return findings.isEmpty() ? null : findings.get(0);
        }

        public boolean has(Finding.Kind k) {
            return findings.stream().anyMatch(f -> f.kind() == k);
        }
    }

    private final Options opts;

    public SequenceChecker(Options opts) {
        this.opts = opts;
    }

    /** @return the options it checks with */
    Options options() {
        return opts;
    }

    /** Every check; all findings. */
    public Result check(OpsSequence seq) {
        return check(seq, null);
    }

    /**
     * The checks, in order; with {@code until} non-null, stops as soon as a finding of that kind is
     * made, and skips the checks after the one that makes such findings (the shrinker's predicate).
     */
    public Result check(OpsSequence seq, Finding.Kind until) {
        return check(new Input(seq.text(), "fuzz-" + seq.seed() + ".wl", seq.seed(), seq.ramBytes(), seq.imageBytes()), until);
    }

    /**
     * A workload to check: its text and name, the seed of the image and scheduler, RAM and image size.
     */
    public record Input(String text, String name, long seed, long ramBytes, long imageBytes) {
        /** A workload file's text: RAM and image size from its {@code set ram} and {@code set image-size}. */
        public static Input ofFile(String text, String name) throws WorkloadException {
            Workload w = Workload.parse(text, name);
            return new Input(text, name, w.longSetting("seed", 0), w.sizeSetting("ram", 64L << 20),
                    w.sizeSetting("image-size", 32L << 20));
        }
    }

    /** The checks of {@code in}, as {@link #check(OpsSequence, Finding.Kind)}. */
    public Result check(Input seq, Finding.Kind until) {
        List<Finding> out = new ArrayList<>();
        long[] stmts = {0, 0}; // statements executed, near-ENOSPC differences tolerated
        Path img = null;
        try {
            Files.createDirectories(opts.scratch());
            img = Files.createTempFile(opts.scratch(), "seq" + seq.seed() + "-", ".img");
            Files.delete(img);
            run(seq, img, until, out, stmts);
        } catch (IOException | RuntimeException e) {
            out.add(new Finding(Finding.Kind.INTERNAL, "checker error: " + HostChecks.oneLine(String.valueOf(e)), ""));
        } finally {
            if (img != null) {
                try {
                    Files.deleteIfExists(img);
                } catch (IOException e) {
                    // left in the scratch directory
                }
            }
        }
        return new Result(List.copyOf(out), stmts[0], (int) stmts[1]);
    }

    private static boolean stop(List<Finding> out, Finding.Kind until) {
        return until != null && out.stream().anyMatch(f -> f.kind() == until);
    }

    private static boolean after(Finding.Kind until, Finding.Kind stage) {
        return until != null && stage.ordinal() > until.ordinal();
    }

    private void run(Input seq, Path img, Finding.Kind until, List<Finding> out, long[] stmts) throws IOException {
        Workload w;
        try {
            w = Workload.parse(seq.text(), seq.name());
        } catch (WorkloadException e) {
            out.add(new Finding(Finding.Kind.INTERNAL, "generated workload does not parse: " + e.getMessage(), seq.text()));
            return;
        }
        opts.makeImage(img, seq.imageBytes(), seq.seed());
        Oracle oracle = new Oracle();
        List<StepResult> steps = HostInterp.list();
        RunResult r;
        try {
            r = boot(w, seq, img, oracle, stmts, steps);
        } catch (RuntimeException | Error e) {
            out.add(new Finding(Finding.Kind.INTERNAL, "Faultline threw " + HostChecks.oneLine(String.valueOf(e)), ""));
            return;
        }
        if (!r.ok()) {
            Failure f = r.fatal();
            String details = f.report() == null ? "" : f.report();
            Finding.Kind k = switch (f.kind()) {
                case CORRUPTION -> f.title().startsWith("workload error") ? Finding.Kind.WORKLOAD_ERROR
                        : Finding.Kind.DATA_CORRUPTION;
                case DEADLOCK, HANG -> Finding.Kind.DEADLOCK;
                case INVARIANT -> Finding.Kind.INVARIANT;
                default -> Finding.Kind.KERNEL_BUG;
            };
            out.add(new Finding(k, f.title(), details));
            return; // the image was not unmounted: nothing more to compare
        }
        if (stop(out, until) || after(until, Finding.Kind.FSCK)) {
            return;
        }
        Fsck.Report fsck = Fsck.checkImage(img);
        if (fsck.exitCode() != 0) {
            out.add(new Finding(Finding.Kind.FSCK, "fsck: image inconsistent: "
                    + (fsck.problems().isEmpty() ? "exit " + fsck.exitCode() : fsck.problems().get(0)),
                    String.join("\n", fsck.problems())));
        }
        if (stop(out, until) || after(until, Finding.Kind.IMAGE)) {
            return;
        }
        List<String> bad = oracle.verifyImage(img);
        if (!bad.isEmpty()) {
            out.add(new Finding(Finding.Kind.IMAGE, bad.get(0), String.join("\n", bad)));
        }
        if (stop(out, until) || after(until, Finding.Kind.HOST_MOUNT)) {
            return;
        }
        Map<String, Oracle.ExpectedFile> expected = oracle.expectedFiles();
        if (opts.hostMount()) {
            List<String> diffs = HostChecks.compareMounted(img, expected, opts.scratch());
            if (!diffs.isEmpty()) {
                out.add(new Finding(Finding.Kind.HOST_MOUNT, diffs.get(0), String.join("\n", diffs)));
            }
        }
        if (stop(out, until) || after(until, Finding.Kind.E2FSCK)) {
            return;
        }
        if (opts.e2fsck()) {
            String e = HostChecks.e2fsck(img);
            if (e != null) {
                out.add(new Finding(Finding.Kind.E2FSCK, e, ""));
            }
        }
        if (stop(out, until) || !opts.vsHost()) {
            return;
        }
        HostInterp.Comparison v = HostInterp.compare(w, seq, img, opts, List.copyOf(steps), expected);
        stmts[1] = v.tolerated();
        if (v.finding() != null) {
            out.add(v.finding());
        }
    }

    private RunResult boot(Workload w, Input seq, Path img, Oracle oracle, long[] stmts, List<StepResult> steps)
            throws IOException {
        BootParams bp = BootParams.free().withProfile(opts.profile()).withSeed(seq.seed()).withDebugVm(false)
                .withHungTaskTimeoutMs(opts.hungTaskTimeoutMs());
        HostFileDriver driver;
        try {
            driver = HostFileDriver.open(img, false, false);
        } catch (org.faultline.nativeio.ErrnoException e) {
            throw new IOException(img + ": " + e.getMessage(), e);
        }
        Machine m;
        try {
            m = Machine.boot(Machine.Spec.of(bp, seq.ramBytes(), driver));
        } catch (org.faultline.fs.ext4.Ext4Exception e) {
            throw new IOException("the fresh image does not mount: " + e.getMessage(), e);
        }
        try (m) {
            WorkloadRunner runner = opts.vsHost() && w.tasks().size() == 1
                    ? WorkloadRunner.spawn(m.kernel(), w, oracle, WorkloadRunner.Options.of(w), steps::add)
                    : WorkloadRunner.spawn(m.kernel(), w, oracle);
            RunResult r = m.run();
            stmts[0] = runner.statements();
            return r;
        }
    }
}

package org.faultline.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.faultline.fs.ext4.Ext4Features;
import org.faultline.kernel.KernelProfile;
import org.faultline.tools.crash.CrashRun;
import org.faultline.tools.explore.Scenario;
import org.faultline.tools.explore.Scenarios;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code faultline crash WORKLOAD}: runs a workload once under the controlled scheduler on a RAM copy
 * of a journaled image, logging every write, and checks the crash states at every persistence point
 * ({@link CrashRun}; docs/crash.md). Exit 0 when every state mounts, keeps every promise and checks
 * clean; 4 with the first violations described and their crash images written to {@code --out}.
 */
@Command(name = "crash", mixinStandardHelpOptions = true,
        description = "Check crash consistency: run a workload, then mount and check the disk a power cut could "
                + "leave at every flush (journal recovery, what fsync/fdatasync/sync promised, fsck).")
final class CrashCommand implements Callable<Integer> {
    /** The largest image held in memory. */
    static final long MAX_IMAGE = 1L << 30;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "WORKLOAD", description = "a workload file (docs/workloads.md) or a scenario name")
    String workloadName;

    /** The default image's size. */
    static final long DEFAULT_IMAGE = 64L << 20;

    @Option(names = "--image", paramLabel = "PATH",
            description = "a journaled ext4 image (read, never written: the run and every state are copies in memory); "
                    + "default: a 64 MiB one made by 'faultline mkfs'")
    Path image;

    @Option(names = "--kernel", paramLabel = "PROFILE", description = "kernel profile (default: the workload's, else 6.6)")
    String kernel;

    @Option(names = "--patch", paramLabel = "+ID|-ID", split = ",", description = "patch overrides; repeatable")
    List<String> patches = new ArrayList<>();

    @Option(names = "--states", paramLabel = "N", defaultValue = "1000",
            description = "crash states to check at most, spread over the persistence points (default: ${DEFAULT-VALUE})")
    int states;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "the run's schedule and the choice of in-flight subsets (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = ".",
            description = "where the first violating crash images go (default: the current directory)")
    Path out;

    @Option(names = "--json", description = "one JSON object with the result")
    boolean json;

    @Option(names = "--store", paramLabel = "DIR",
            description = "capture store for the first violation (default: $FAULTLINE_STORE, else $FAULTLINE_HOME/store, "
                    + "else ~/.faultline/store)")
    Path store;

    @Option(names = "--no-capture", description = "Do not capture the first violation.")
    boolean noCapture;

    @Override
    public Integer call() {
        Scenario sc;
        KernelProfile prof;
        try {
            sc = Scenarios.resolve(workloadName);
            prof = sc.kernel(kernel, patches);
        } catch (IllegalArgumentException e) {
            throw new CliError(e.getMessage());
        }
        if (states < 1) {
            throw new CliError("--states " + states + ": must be at least 1");
        }
        byte[] img = image == null ? new org.faultline.tools.explore.MemImage(DEFAULT_IMAGE,
                org.faultline.images.ext4.Mkfs.Options.seeded(seed).withJournal(
                        org.faultline.images.ext4.Mkfs.Options.DEFAULT_JOURNAL).withMetadataCsum(true)).template()
                : readImage();
        if (!Files.isDirectory(out) || !Files.isWritable(out)) {
            throw new CliError("--out " + out + ": not a writable directory (violating crash images are written there)");
        }
        if (!noCapture) {
            Captures.open(store, spec).close(); // a store that cannot take the capture is refused before the run
        }
        org.faultline.kernel.Stopwatch clock = new org.faultline.kernel.Stopwatch();
        CrashRun run = new CrashRun(img);
        CrashRun.Recording rec;
        CrashRun.Result r;
        try {
            rec = run.record(sc.workload(), sc.ramPages(), prof, seed);
            r = run.check(rec, new CrashRun.Options(states, seed, false));
        } catch (IllegalArgumentException e) {
            throw new CliError((image == null ? "the default image" : image) + ": " + e.getMessage());
        }
        double secs = clock.elapsedNs() / 1e9;
        List<Path> written = writeImages(r);
        String captured = r.violations().isEmpty() || noCapture ? null : capture(sc, prof, img, rec, r.violations().get(0));
        PrintWriter o = spec.commandLine().getOut();
        if (json) {
            Json j = new Json().put("workload", workloadName).put("image", image == null ? null : image.toString()).put("kernel", prof.name())
                    .put("seed", seed).put("run", r.run().ok() ? "ok" : r.run().failures().get(0).title())
                    .put("log_entries", r.entries()).put("persistence_points", r.points()).put("states", r.states())
                    .put("promises", r.promises()).put("files_checked", r.checkedFiles())
                    .put("states_per_second", r.states() / Math.max(secs, 1e-9), 1)
                    .put("violations", r.violations().size());
            if (!r.violations().isEmpty()) {
                j.put("first_violation", r.violations().get(0).describe())
                        .put("first_image", written.isEmpty() ? null : written.get(0).toString())
                        .put("capture", captured);
            }
            o.println(j);
            o.flush();
            return exitCode(r);
        }
        o.printf(Locale.ROOT, "faultline crash: %s on %s, kernel %s, seed %d%n", workloadName,
                image == null ? "a 64 MiB journaled, checksummed image" : image, prof.name(), seed);
        if (!r.run().ok()) {
            o.println("run        FAILED before any crash was simulated:");
            RunReport.printFailure(o, r.run());
            o.flush();
            return r.run().exitCode();
        }
        o.printf(Locale.ROOT, "log        %d writes and flushes (one a bio), %d persistence points, %d promises (fsync, fdatasync, sync)%n",
                r.entries(), r.points(), r.promises());
        o.printf(Locale.ROOT, "states     %d checked in %.1f s (%.0f/s), %d promised files read back%n", r.states(), secs,
                r.states() / Math.max(secs, 1e-9), r.checkedFiles());
        if (r.violations().isEmpty()) {
            o.println("result     ok: every crash state recovers, keeps its promises and checks clean");
        } else {
            o.printf(Locale.ROOT, "result     %d VIOLATIONS%n", r.violations().size());
            for (int i = 0; i < Math.min(5, r.violations().size()); i++) {
                o.println("  " + r.violations().get(i).describe());
            }
            for (Path p : written) {
                o.println("image      " + p + " (the crash state before recovery: 'debugfs " + p
                        + "', 'faultline fsck', or mount it)");
            }
            if (captured != null) {
                o.println(Captures.capturedLine(captured));
            }
        }
        o.flush();
        return exitCode(r);
    }

    private static int exitCode(CrashRun.Result r) {
        if (!r.run().ok()) {
            return r.run().exitCode();
        }
        return r.violations().isEmpty() ? 0 : 4;
    }

    /** The image, whole, after checking it is a journaled ext4 image of a sensible size. */
    private byte[] readImage() {
        HostErrors.requireRegularFile(image, "an ext4 image");
        byte[] img;
        try {
            long size = Files.size(image);
            if (size > MAX_IMAGE || size % 4096 != 0 || size < 64 * 1024) {
                throw new CliError(image + ": " + size + " bytes: crash needs an image of 64 KiB to 1 GiB, a multiple of 4 KiB");
            }
            img = Files.readAllBytes(image);
        } catch (IOException e) {
            throw new CliError(HostErrors.of(image, e));
        }
        int magic = (img[1024 + 56] & 0xFF) | (img[1024 + 57] & 0xFF) << 8;
        if (magic != 0xEF53) {
            throw new CliError(image + ": not an ext4 image (no superblock magic)");
        }
        int compat = (img[1024 + 92] & 0xFF) | (img[1024 + 93] & 0xFF) << 8;
        if ((compat & Ext4Features.EXT4_FEATURE_COMPAT_HAS_JOURNAL) == 0) {
            throw new CliError(image + ": has no journal: a crash would leave what only e2fsck can mend (make one with "
                    + "'faultline mkfs' or mkfs.ext4, which journal by default)");
        }
        return img;
    }

    /**
     * Captures the first violation: the workload, kernel and seed, the disk at boot, the write log up to
     * the crash, and the crash image (before recovery) as the disk at the failure; {@code captures show}
     * describes it, {@code captures export ID --image F} gives the crash image. Its schedule is the run's:
     * {@code replay} of it re-runs the workload, which fails only once crashed (run {@code crash} again).
     *
     * @return the capture id, or null if the store could not take it (said on stderr)
     */
    private String capture(Scenario sc, KernelProfile prof, byte[] img, CrashRun.Recording rec, CrashRun.Violation v) {
        if (v.image() == null) {
            return null;
        }
        String report = "faultline crash " + workloadName + " --seed " + seed + (patches.isEmpty() ? ""
                : " --patch " + String.join(",", patches)) + "\n" + v.describe() + "\n";
        try (var st = Captures.open(store, spec); var b = st.batch()) {
            String wl = b.putText(sc.text());
            String base = org.faultline.images.capture.CapturedDisk.putDisk(b, img);
            String fin = org.faultline.images.capture.CapturedDisk.putDisk(b, v.image());
            List<org.faultline.block.WriteLogDriver.Entry> prefix = rec.log().subList(0, v.entry() + 1);
            String log = org.faultline.images.capture.CapturedDisk.putWriteLog(b, prefix, wl + "/writelog");
            var m = new org.faultline.images.capture.Manifest(org.faultline.images.capture.Manifest.FORMAT,
                    Faultline.Version.version(), org.faultline.kernel.Stopwatch.wallClockMs(), "crash", "CORRUPTION", 4,
                    v.describe(), sc.name(), wl, prof.name(), Captures.patches(patches), kernel == null ? prof.name() : kernel,
                    "crash", seed, 0, "", 0, v.entry() + 1, b.putText(report, wl + "/report"),
                    b.putText(rec.run().dmesg(), wl + "/log"), Long.toHexString(rec.run().traceDigest()), 0,
                    img.length, base, fin, log, prefix.size(), false);
            String id = b.putCapture(m);
            b.commit();
            return id;
        } catch (RuntimeException e) { // CliError, or the store refusing the batch
            spec.commandLine().getErr().println("faultline: the violation was not captured: " + e.getMessage());
            return null;
        }
    }

    /** Writes the first violating crash images (at most 3) to --out. */
    private List<Path> writeImages(CrashRun.Result r) {
        List<Path> written = new ArrayList<>();
        for (int i = 0; i < Math.min(CrashRun.KEPT_IMAGES, r.violations().size()); i++) {
            CrashRun.Violation v = r.violations().get(i);
            if (v.image() == null) {
                break; // not kept (a large image)
            }
            Path p = out.resolve(String.format(Locale.ROOT, "crash-seed%d-entry%d-%d.img", seed, v.entry() + 1, i));
            try {
                Files.write(p, v.image());
                written.add(p);
            } catch (IOException e) {
                spec.commandLine().getErr().println("faultline: " + HostErrors.of(p, e));
            }
        }
        return written;
    }
}

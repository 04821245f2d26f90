package org.faultline.tools;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.faultline.images.ext4.Fsck;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RunResult;
import org.faultline.tools.mount.FuseFs;
import org.faultline.tools.mount.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code faultline mount IMAGE DIR}: boots a free-running kernel on the image and serves its ext4 at
 * DIR through FUSE, in direct-I/O mode (every read and write reaches the emulated page cache; the
 * host's stays out of the way) with no attribute or entry caching (every lookup reaches the emulated
 * kernel). Each request is a system call of the emulated task standing for the calling process
 * ({@link FuseFs}). It runs in the foreground until {@code umount DIR} ({@code fusermount -u DIR}) or
 * Ctrl-C; then the emulated kernel syncs and unmounts the filesystem, and the image is checked.
 *
 * <p>The machine runs without panic_on_oops, as distributions do: an oops fails the request that met
 * it (EIO), taints the kernel and leaves the mount read-only ({@link FuseFs}). When the mount ends, the
 * failure is captured as a failing {@code boot} is: the image as it was at the mount, the image at the
 * end, the report and log, and what the programs did as a workload (the recording, with the crash
 * point armed if {@code --lkdtm} was), so {@code faultline explore ID} can search it.
 */
@Command(name = "mount",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Serve an ext4 image's files at DIR through the emulated kernel (FUSE), until 'umount DIR' or Ctrl-C;",
            "then sync, unmount and check the image. Needs /dev/fuse and fusermount (Debian: fuse, libfuse2)."})
final class MountCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The ext4 image.")
    Path image;

    @Parameters(index = "1", paramLabel = "DIR", description = "An empty directory to mount it on.")
    Path dir;

    @Option(names = "--kernel", paramLabel = "PROFILE", defaultValue = "6.6",
            description = "Kernel profile (see 'faultline profiles'). Default: ${DEFAULT-VALUE}.")
    String kernel;

    @Option(names = "--patch", paramLabel = "+ID|-ID", split = ",",
            description = "Add (+ID) or remove (-ID) a patch on top of the profile; repeatable.")
    List<String> patches = new ArrayList<>();

    @Option(names = "--ram", paramLabel = "SIZE", defaultValue = "256M", converter = Sizes.Converter.class,
            description = "Memory of the emulated machine. Default: ${DEFAULT-VALUE}.")
    long ram;

    @Option(names = "--direct", description = "Open the image with O_DIRECT (bypass the host page cache).")
    boolean direct;

    @Option(names = "--fail-write", paramLabel = "'PATH [nth=N] [count=C] [ERRNO]'",
            description = "Make writeback of PATH fail (ext4's block mapping, as the workload setting fail-write): armed "
                    + "on the file's first open; a program's fsync then sees the error. Repeatable.")
    List<String> failWrite = new ArrayList<>();

    @Option(names = "--lkdtm", paramLabel = "POINT:TYPE[:COUNT]",
            description = "Provoke a crash, as the kernel's lkdtm module: every COUNTth time (default 10) the crash point "
                    + "is reached. Points: FS_SUBMIT_BH (submit_bh), VFS_WRITE (a write entering the filesystem); types: "
                    + "BUG, WARNING.")
    String lkdtm;

    @picocli.CommandLine.Mixin
    ImageCaptureOptions captureOptions = new ImageCaptureOptions();

    @Option(names = "--record", paramLabel = "FILE.wl",
            description = "Write what the programs did as a workload file when the mount ends: a task per calling thread, "
                    + "its system calls in order, the data as patterns (faultline boot FILE.wl --image COPY repeats it).")
    Path record;

    @Option(names = "--record-data",
            description = "With --record: keep what each write wrote, in FILE.wl.data beside the workload (its writes "
                    + "then say data=OFFSET), instead of patterns of the same shape.")
    boolean recordData;

    @Override
    public Integer call() throws Exception {
        KernelProfile profile;
        try {
            profile = KernelProfile.byName(kernel).with(patches);
        } catch (IllegalArgumentException e) {
            throw new CliError(e.getMessage());
        }
        BootCommand.checkRam(ram, null);
        org.faultline.kernel.Lkdtm.Spec crash = null;
        if (lkdtm != null) {
            try {
                crash = org.faultline.kernel.Lkdtm.parse(lkdtm);
            } catch (IllegalArgumentException e) {
                throw new CliError("--lkdtm " + e.getMessage());
            }
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new CliError(dir + ": not a directory (mount needs an empty directory)");
        }
        try (var s = Files.list(dir)) {
            if (s.findAny().isPresent()) {
                throw new CliError(dir + ": not empty (mount needs an empty directory)");
            }
        }
        if (!Files.exists(Path.of("/dev/fuse"))) {
            throw new CliError("/dev/fuse: No such file or directory: this machine cannot serve FUSE mounts");
        }
        if (!Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
            throw new CliError(image + ": No such file or directory (ENOENT)");
        }
        if (recordData && record == null) {
            throw new CliError("--record-data keeps the bytes of a recording: it needs --record FILE.wl");
        }
        if (record != null) {
            Path parent = record.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
                throw new CliError("--record " + record + ": its directory is not a writable directory");
            }
        }
        try (ImageLock lock = ImageLock.acquire(image, true)) {
            return serve(profile, crash);
        }
    }

    /** FILE.wl.data, beside the recording. */
    private Path dataFile() {
        return record.resolveSibling(record.getFileName() + ".data");
    }

    /** The recorder: of patterns, or keeping the bytes in {@link #dataFile} ({@code --record-data}). */
    private Recorder recorder() {
        if (!recordData) {
            return new Recorder();
        }
        try {
            return new Recorder(dataFile(), dataFile().getFileName().toString());
        } catch (java.io.IOException e) {
            throw new CliError(HostErrors.of(dataFile(), e));
        }
    }

    private int serve(KernelProfile profile, org.faultline.kernel.Lkdtm.Spec crash) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Recorder rec = record == null && captureOptions.noCapture ? null : recorder(); // a capture's workload is the recording
        List<org.faultline.tools.workload.FailWrite> fails = new ArrayList<>();
        for (String f : failWrite) {
            try {
                fails.add(org.faultline.tools.workload.FailWrite.parse(f));
            } catch (IllegalArgumentException e) {
                throw new CliError("--fail-write " + f + ": " + e.getMessage());
            }
        }
        String lkdtmLine = crash == null ? null : crash.toString();
        FuseMount.Capture capture = captureOptions.noCapture ? null : new FuseMount.Capture() {
            @Override
            public BootCapture start(org.faultline.block.HostFileDriver d) {
                return captureOptions.start(d, spec);
            }

            @Override
            public String take(BootCapture cap, RunResult r) {
                try {
                    return Captures.capturedLine(cap.capture("mount", "mount-" + image.getFileName(),
                            rec.text(kernel, patches, image.toString(), lkdtmLine, false), kernel, patches, profile.name(), 0, r));
                } catch (CliError e) { // the mount's own result stands; the capture is secondary
                    err.println("faultline: " + e.getMessage());
                    return null;
                }
            }
        };
        java.util.function.Consumer<String> console = line -> {
            err.println(line);
            err.flush();
        };
        AutoCloseable[] onInt = new AutoCloseable[1];
        FuseMount.Spec ms = new FuseMount.Spec(profile, ram, direct, rec, fails, crash, console, capture);
        FuseMount.Ended end = FuseMount.run(image, dir, ms, live -> {
            out.printf(Locale.ROOT, "faultline mount: %s on %s, kernel %s, RAM %s; unmount with 'umount %s' (or Ctrl-C)%n",
                    image, dir, profile.name(), Sizes.format(ram), dir);
            out.flush();
            onInt[0] = Faultline.whenInterrupted(() -> {
                err.println("faultline mount: unmounting " + dir);
                err.flush();
                live.unmount();
                if (!live.gate().awaitStopped(60_000)) {
                    err.println("faultline mount: the emulated kernel did not finish unmounting in 60 s; the image "
                            + "may need its journal replayed (faultline fsck)");
                }
            });
        });
        try {
            if (onInt[0] != null) {
                onInt[0].close();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        RunResult r = end.run();
        if (end.hostError() != null) {
            throw new CliError(end.hostError());
        }
        if (record != null) {
            try (rec) {
                if (rec.dataError() != null) {
                    throw new CliError(HostErrors.of(dataFile(), rec.dataError()));
                }
                Files.writeString(record, rec.text(kernel, patches, image.toString(), lkdtmLine, true));
            } catch (java.io.IOException e) {
                throw new CliError(HostErrors.of(record, e));
            }
            out.println("faultline mount: recorded " + rec.summary() + " in " + record
                    + (recordData ? " (the bytes written in " + dataFile() + ")" : ""));
        }
        if (!r.ok()) {
            RunReport.printFailure(out, r);
            if (end.captured() != null) {
                out.println(end.captured());
            }
        }
        Fsck.Report fsck = Fsck.checkImage(image);
        String how = end.umountRc() == Integer.MIN_VALUE ? "the emulated kernel stopped before unmounting"
                : "unmounted (" + (end.umountRc() == 0 ? "clean" : "umount returned " + end.umountRc()) + ")";
        out.println("faultline mount: " + how + "; fsck " + (fsck.exitCode() == 0 ? "clean (" + fsck.summary() + ")" : "INCONSISTENT"));
        for (String p : fsck.problems()) {
            out.println("  " + p);
        }
        out.flush();
        return !r.ok() ? r.exitCode() : fsck.exitCode() == 0 ? 0 : Faultline.EXIT_CORRUPTION;
    }
}

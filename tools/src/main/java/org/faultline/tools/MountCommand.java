package org.faultline.tools;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.faultline.block.HostFileDriver;
import org.faultline.fs.Machine;
import org.faultline.fs.Syscalls;
import org.faultline.fs.Vfs;
import org.faultline.images.ext4.Fsck;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.HostGate;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
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

    @Option(names = "--record", paramLabel = "FILE.wl",
            description = "Write what the programs did as a workload file when the mount ends: a task per calling thread, "
                    + "its system calls in order, the data as patterns (faultline boot FILE.wl --image COPY repeats it).")
    Path record;

    @Override
    public Integer call() throws Exception {
        KernelProfile profile;
        try {
            profile = KernelProfile.byName(kernel).with(patches);
        } catch (IllegalArgumentException e) {
            throw new CliError(e.getMessage());
        }
        BootCommand.checkRam(ram, null);
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
        if (record != null) {
            Path parent = record.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
                throw new CliError("--record " + record + ": its directory is not a writable directory");
            }
        }
        try (ImageLock lock = ImageLock.acquire(image, true)) {
            return serve(profile);
        }
    }

    private int serve(KernelProfile profile) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        HostFileDriver driver = Images.open(image, 0, direct, false, "--image", true);
        RunResult r;
        int[] umountRc = {Integer.MIN_VALUE};
        Recorder[] recorder = new Recorder[1];
        try (Machine m = BootCommand.boot(Machine.Spec.of(BootParams.free().withProfile(profile), ram, driver))) {
            Kernel k = m.kernel();
            HostGate gate = new HostGate(k);
            k.spawn("faultline-mount", TaskKind.USER, () -> { // the machine's init: up while the host may call
                gate.awaitClosed();
                Syscalls.exit();
                Syscalls.sync();
                umountRc[0] = Vfs.of(k).umountRoot();
                gate.stopped();
            });
            Recorder rec = record == null ? null : new Recorder();
            recorder[0] = rec;
            FuseFs fs = new FuseFs(gate, rec);
            try {
                fs.mount(dir, false, false, new String[] {"-o",
                    "direct_io,attr_timeout=0,entry_timeout=0,negative_timeout=0,fsname=faultline,subtype=ext4"});
            } catch (RuntimeException e) { // ru.serce.jnrfuse.FuseException, a missing libfuse
                gate.close();
                m.run();
                throw new CliError(dir + ": cannot mount through FUSE: " + e.getMessage());
            }
            out.printf(Locale.ROOT, "faultline mount: %s on %s, kernel %s, RAM %s; unmount with 'umount %s' (or Ctrl-C)%n",
                    image, dir, profile.name(), Sizes.format(ram), dir);
            out.flush();
            try (AutoCloseable onInt = Faultline.whenInterrupted(() -> {
                err.println("faultline mount: unmounting " + dir);
                err.flush();
                fs.umount(); // the host's unmount: destroy() closes the gate; the machine syncs and stops
                gate.close();
                if (!gate.awaitStopped(60_000)) {
                    err.println("faultline mount: the emulated kernel did not finish unmounting in 60 s; the image "
                            + "may need its journal replayed (faultline fsck)");
                }
            })) {
                r = m.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        String hostError = Images.hostError(image, driver);
        if (hostError != null) {
            throw new CliError(hostError);
        }
        if (recorder[0] != null) {
            try {
                Files.writeString(record, recorder[0].text(profile.name(), image.toString()));
            } catch (java.io.IOException e) {
                throw new CliError(HostErrors.of(record, e));
            }
            out.println("faultline mount: recorded " + recorder[0].summary() + " in " + record);
        }
        if (!r.ok()) {
            RunReport.printFailure(out, r);
            out.flush();
            return r.exitCode();
        }
        Fsck.Report fsck = Fsck.checkImage(image);
        out.println("faultline mount: unmounted (" + (umountRc[0] == 0 ? "clean" : "umount returned " + umountRc[0])
                + "); fsck " + (fsck.exitCode() == 0 ? "clean (" + fsck.summary() + ")" : "INCONSISTENT"));
        for (String p : fsck.problems()) {
            out.println("  " + p);
        }
        out.flush();
        return fsck.exitCode() == 0 ? 0 : Faultline.EXIT_CORRUPTION;
    }
}

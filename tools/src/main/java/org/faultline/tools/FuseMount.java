package org.faultline.tools;

import java.nio.file.Path;
import java.util.function.Consumer;
import org.faultline.block.HostFileDriver;
import org.faultline.fs.Machine;
import org.faultline.fs.Syscalls;
import org.faultline.fs.Vfs;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.HostGate;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
import org.faultline.tools.mount.FuseFs;
import org.faultline.tools.mount.Recorder;

/**
 * One life of a FUSE-served machine ({@code mount}, {@code bench fio}): boot a free-running kernel on
 * the image, keep it up with an init task until the host unmounts, mount FUSE at the directory, hand
 * the live mount to the caller, run the kernel to its end (the init syncs and unmounts the emulated
 * filesystem after the host's unmount), and say how it ended.
 */
final class FuseMount {
    /** How the life ended: the kernel's result, the emulated unmount's, a host I/O error (or null). */
    record Ended(RunResult run, int umountRc, String hostError) {
    }

    /** The live mount, for the caller: its FUSE filesystem, its gate and where it is. */
    record Live(FuseFs fs, HostGate gate, Path dir) {
        /**
         * The host's unmount: FUSE's destroy closes the gate, the machine syncs, unmounts and stops.
         * {@code fusermount -u} first, so the directory is free when it returns; lazily ({@code -z},
         * jnr-fuse's own) if something still holds the mount.
         */
        void unmount() {
            boolean done;
            try {
                Process p = new ProcessBuilder("fusermount", "-u", dir.toString()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                done = p.waitFor() == 0;
            } catch (java.io.IOException e) {
                done = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done = false;
            }
            if (!done) {
                fs.umount();
            }
            gate.close();
        }
    }

    private FuseMount() {
    }

    /**
     * @param live called once the mount is live (FUSE_INIT answered), on the calling thread, before the
     *             kernel runs to its end there; it arranges for the unmount (a signal, a process's exit)
     * @throws CliError if FUSE cannot mount, or the mount never comes up
     */
    static Ended run(Path image, Path dir, KernelProfile profile, long ram, boolean direct, Recorder rec,
                     java.util.List<org.faultline.tools.workload.FailWrite> failWrites, Consumer<Live> live) {
        HostFileDriver driver = Images.open(image, 0, direct, false, "--image", true);
        RunResult r;
        int[] umountRc = {Integer.MIN_VALUE};
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
            FuseFs fs = new FuseFs(gate, rec, failWrites);
            String why = null;
            try {
                fs.mount(dir, false, false, new String[] {"-o",
                    "direct_io,attr_timeout=0,entry_timeout=0,negative_timeout=0,fsname=faultline,subtype=ext4"});
                if (!gate.awaitOpened(10_000)) {
                    why = "the mount did not come up in 10 s";
                    fs.umount();
                }
            } catch (RuntimeException e) { // ru.serce.jnrfuse.FuseException, a missing libfuse
                why = e.getMessage();
            }
            if (why != null) {
                gate.close();
                m.run();
                throw new CliError(dir + ": cannot mount through FUSE: " + why);
            }
            live.accept(new Live(fs, gate, dir));
            r = m.run();
        }
        return new Ended(r, umountRc[0], Images.hostError(image, driver));
    }
}

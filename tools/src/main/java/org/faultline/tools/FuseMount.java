package org.faultline.tools;

import java.nio.file.Files;
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
    /**
     * How the life ended: the kernel's result, the emulated unmount's, a host I/O error (or null), the
     * line naming the capture of a failure (or null).
     */
    record Ended(RunResult run, int umountRc, String hostError, String captured) {
    }

    /**
     * What the machine is, besides its image and directory.
     *
     * @param rec        where the programs' calls are recorded (the capture's workload), or null
     * @param failWrites writeback failures to inject ({@code --fail-write})
     * @param lkdtm      the crash point to arm ({@code --lkdtm}), or null
     * @param console    where an oops is said as it happens
     * @param capture    how a failure is captured, or null (no capture)
     */
    record Spec(KernelProfile profile, long ram, boolean direct, Recorder rec,
                java.util.List<org.faultline.tools.workload.FailWrite> failWrites, org.faultline.kernel.Lkdtm.Spec lkdtm,
                Consumer<String> console, Capture capture) {
    }

    /** A failing life's capture: started on the image's driver at boot, taken before the machine closes. */
    interface Capture {
        /** @return the capture under way for {@code image}, or null if it cannot be (said by the implementation) */
        BootCapture start(HostFileDriver image);

        /** @return the "captured ID: ..." line, or null if it could not be stored (said by the implementation) */
        String take(BootCapture cap, RunResult r);
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
     * FUSE mount options: direct I/O and no attribute, entry or negative caching (every request reaches
     * the emulated kernel), and default_permissions (the host kernel checks permission bits against
     * the owners and modes the emulated ext4 reports, as for any local filesystem). A root mount is
     * open to every user (allow_other), so programs run as other users reach it too.
     */
    private static final String OPTIONS =
            "direct_io,attr_timeout=0,entry_timeout=0,negative_timeout=0,default_permissions,fsname=faultline,subtype=ext4";

    private static boolean root() {
        try {
            return "0".equals(Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).findFirst().map(l -> l.split("\\s+")[2]).orElse(""));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * Boots the machine without panic_on_oops: an oops in a program's request kills only the task
     * serving it ({@link FuseFs}), and the failure is captured when the mount ends.
     *
     * @param live called once the mount is live (FUSE_INIT answered), on the calling thread, before the
     *             kernel runs to its end there; it arranges for the unmount (a signal, a process's exit)
     * @throws CliError if FUSE cannot mount, or the mount never comes up
     */
    static Ended run(Path image, Path dir, Spec spec, Consumer<Live> live) {
        HostFileDriver driver = Images.open(image, 0, spec.direct(), false, "--image", true);
        BootCapture cap = spec.capture() == null ? null : spec.capture().start(driver);
        RunResult r;
        String captured = null;
        int[] umountRc = {Integer.MIN_VALUE};
        BootParams bp = BootParams.free().withProfile(spec.profile()).withPanicOnOops(false);
        try (cap; Machine m = BootCommand.boot(Machine.Spec.of(bp, spec.ram(), cap == null ? driver : cap.disk()))) {
            Kernel k = m.kernel();
            if (spec.lkdtm() != null) {
                k.lkdtm().arm(spec.lkdtm());
            }
            HostGate gate = new HostGate(k, Syscalls::exit); // do_exit: a task's files are closed
            k.spawn("faultline-mount", TaskKind.USER, () -> { // the machine's init: up while the host may call
                gate.awaitClosed();
                Syscalls.exit();
                Syscalls.sync();
                umountRc[0] = Vfs.of(k).umountRoot();
                gate.stopped();
            });
            FuseFs fs = new FuseFs(gate, k, spec.console(), spec.rec(), spec.failWrites());
            String why = null;
            try {
                fs.mount(dir, false, false, new String[] {"-o", OPTIONS + (root() ? ",allow_other" : "")});
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
            if (cap != null && !r.ok() && Images.hostError(image, driver) == null) {
                captured = spec.capture().take(cap, r);
            }
        }
        return new Ended(r, umountRc[0], Images.hostError(image, driver), captured);
    }
}

package org.faultline.tools;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.faultline.block.BlockDevice;
import org.faultline.block.HostFileDriver;
import org.faultline.fs.Machine;
import org.faultline.fs.Syscalls;
import org.faultline.fs.Vfs;
import org.faultline.fs.ext4.Ext4Super;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Errno;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.TaskKind;
import org.faultline.mm.Mm;

/**
 * One boot of the emulated kernel for an image tool ({@code faultline ls|cat|stat|cp|mkdir|rm}): a
 * free-running kernel with the image as {@code sda}, ext4 mounted as root (read-only when the tool
 * only reads), one user task running the tool's body through the system calls, then {@code sync}
 * and {@code umount} in that same task. So every tool exercises the page cache, writeback and block
 * layer exactly as a workload does, and leaves the image consistent.
 *
 * <p>The body reports an errno as a tool does ({@code ls: cannot access '/x': No such file or
 * directory}) with {@link Ctx#fail}; the tool then exits 2 (bad input: the user named something the
 * image does not have). A kernel failure (oops, hang, corruption) exits with its own code.
 */
final class ImageSession {
    /** Emulated RAM for the tools: enough for readahead and writeback batches, small enough to reclaim. */
    static final long DEFAULT_RAM = 64L << 20;

    private ImageSession() {
    }

    /** An {@code IMAGE:/path} operand. */
    record Operand(Path image, String path) {
        /** True if {@code s} names a path inside an image ({@code IMAGE:/path} or {@code IMAGE:}). */
        static boolean is(String s) {
            int i = s.indexOf(':');
            return i > 0 && (i == s.length() - 1 || s.charAt(i + 1) == '/');
        }

        /** Parses {@code IMAGE:/path}; {@code IMAGE:} is the root. */
        static Operand parse(String s) {
            if (!is(s)) {
                throw new CliError(s + ": expected IMAGE:/path (an ext4 image, a colon, an absolute path in it)");
            }
            int i = s.indexOf(':');
            String p = s.substring(i + 1);
            return new Operand(Path.of(s.substring(0, i)), p.isEmpty() ? "/" : p);
        }

        @Override
        public String toString() {
            return image + ":" + path;
        }
    }

    /** What the tool's body can use besides the system calls. */
    static final class Ctx {
        private final String tool;
        private final PrintWriter err;
        private String failure;
        /** The booted machine, for tools that report on it ({@code bench fs}). */
        Kernel kernel;
        Mm mm;
        BlockDevice bdev;

        Ctx(String tool, PrintWriter err) {
            this.tool = tool;
            this.err = err;
        }

        /** Reports {@code what: strerror (ENAME)} for a negative errno and remembers the tool failed. */
        void fail(String what, long errno) {
            fail(what + ": " + Errno.describe(errno));
        }

        /** Reports one line and remembers the tool failed; the body decides whether to go on. */
        void fail(String line) {
            err.println("faultline " + tool + ": " + line);
            if (failure == null) {
                failure = line;
            }
        }

        boolean failed() {
            return failure != null;
        }
    }

    /**
     * Boots, mounts {@code image}, runs {@code body} in a user task, syncs and unmounts.
     *
     * @param write mount read-write (and refuse an image the host is using); otherwise read-only,
     *              with the image opened O_RDONLY so nothing can reach it
     * @return the exit code: the kernel's if it failed, 2 if the body reported a failure, else 0
     */
    static int run(String tool, Path image, boolean write, long ram, PrintWriter out, PrintWriter err,
                   Consumer<Ctx> body) {
        return run(tool, image, write, false, KernelProfile.byName("6.6"), ram, out, err, body);
    }

    /**
     * {@link #run(String, Path, boolean, long, PrintWriter, PrintWriter, Consumer)} on kernel
     * {@code profile}, the image opened O_DIRECT if {@code direct}.
     */
    static int run(String tool, Path image, boolean write, boolean direct, KernelProfile profile, long ram,
                   PrintWriter out, PrintWriter err, Consumer<Ctx> body) {
        return run(tool, image, null, write, direct, profile, ram, out, err, body);
    }

    /**
     * {@link #run(String, Path, boolean, boolean, KernelProfile, long, PrintWriter, PrintWriter, Consumer)}
     * under {@code held}, a lock on {@code image} the caller already holds (exclusive if {@code write});
     * if null, the image is locked here (exclusive to write, shared to read) for the session and
     * released after it.
     *
     * @throws CliError (exit 2) if the image is not one, or another process holds a conflicting lock
     */
    static int run(String tool, Path image, ImageLock held, boolean write, boolean direct, KernelProfile profile,
                   long ram, PrintWriter out, PrintWriter err, Consumer<Ctx> body) {
        if (!Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
            throw new CliError(image + ": No such file or directory (ENOENT)");
        }
        BootCommand.checkRam(ram, null);
        if (held != null) {
            return runLocked(tool, image, write, direct, profile, ram, out, err, body);
        }
        try (ImageLock lock = ImageLock.acquire(image, write)) {
            return runLocked(tool, image, write, direct, profile, ram, out, err, body);
        }
    }

    private static int runLocked(String tool, Path image, boolean write, boolean direct, KernelProfile profile,
                                 long ram, PrintWriter out, PrintWriter err, Consumer<Ctx> body) {
        BootParams bp = BootParams.free().withProfile(profile);
        HostFileDriver driver = Images.open(image, 0, direct, false, "--image", write);
        Ctx ctx = new Ctx(tool, err);
        RunResult r;
        try (Machine m = BootCommand.boot(Machine.Spec.of(bp, ram, driver).withReadOnly(!write))) {
            Kernel k = m.kernel();
            ctx.kernel = k;
            ctx.mm = m.mm();
            ctx.bdev = m.bdev();
            k.spawn(tool, TaskKind.USER, () -> {
                body.accept(ctx);
                Syscalls.exit();
                if (write) {
                    long ret = Syscalls.sync();
                    if (ret < 0) {
                        ctx.fail("sync", ret);
                    }
                }
                long ret = Vfs.of(k).umountRoot();
                if (ret < 0) {
                    ctx.fail("umount", ret);
                }
            });
            r = m.run();
        }
        out.flush();
        String hostError = Images.hostError(image, driver);
        if (hostError != null) {
            throw new CliError(hostError);
        }
        if (!r.ok()) {
            RunReport.printFailure(err, r);
            return r.exitCode();
        }
        printExt4Errors(err, r.dmesg());
        for (var w : r.warnings()) {
            err.println("faultline " + tool + ": kernel warning: " + w.title());
        }
        return ctx.failed() ? Faultline.EXIT_USAGE : 0;
    }

    /**
     * The kernel log's {@code EXT4-fs error} lines, on stderr as a console shows them: what the
     * filesystem said about the corruption behind a tool's "Structure needs cleaning".
     */
    static void printExt4Errors(PrintWriter err, String dmesg) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        dmesg.lines().filter(l -> l.contains("EXT4-fs error") || l.contains("EXT4-fs warning"))
                .filter(l -> seen.add(l.replaceFirst("^\\[[^]]*\\] ", "").replaceFirst("comm [^:]*: ", "")))
                .limit(20).forEach(err::println); // a message repeated by each retry is shown once
    }
}

package org.faultline.tools;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.faultline.block.BlockStats;
import org.faultline.block.HostFileDriver;
import org.faultline.fs.File;
import org.faultline.fs.SuperBlock;
import org.faultline.fs.Syscalls;
import org.faultline.fs.Machine;
import org.faultline.fs.Vfs;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.fs.ext4.Ext4Super;
import org.faultline.fs.ext4.Ext4Volume;
import org.faultline.fs.ext4.Fsck;
import org.faultline.fs.ext4.Mkfs;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Completion;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.Prng;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.Task;
import org.faultline.kernel.TaskKind;
import org.faultline.mm.MemCgroup;
import org.faultline.mm.Mm;
import org.faultline.mm.Page;
import org.faultline.tools.explore.Scenarios;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import org.faultline.tools.workload.Oracle;
import org.faultline.tools.workload.Workload;
import org.faultline.tools.workload.WorkloadException;
import org.faultline.tools.workload.WorkloadRunner;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code faultline boot}: boots a free-running kernel, mounts the ext4 image, runs the default mixed
 * workload through the system calls — buffered writes with fsync, stores through a shared mapping,
 * O_DIRECT writes and a direct read into a shared mapping, anonymous memory pressure — verifying
 * every read, unmounts, then checks the image with Faultline's fsck and reads every file back from
 * the image offline.
 */
@Command(name = "boot",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Boot a free-running kernel on an ext4 image and run the default workload.",
            "Tasks: writer (buffered writes, fsync), mapper (MAP_SHARED stores, msync), dio (O_DIRECT writes, a direct",
            "read into a shared mapping), hog (anonymous memory pressure). Every read is verified; after unmount the",
            "image is checked (fsck) and every file read back."})
final class BootCommand implements Callable<Integer> {
    static final long DEFAULT_IMAGE_BYTES = 64L << 20;
    static final long MAX_RAM = 4L << 30;
    /** The least RAM a machine boots with: what the built-in scenarios set (and explore runs them on). */
    static final long MIN_RAM = org.faultline.tools.explore.Scenario.DEFAULT_RAM;

    @ParentCommand
    Faultline root;

    @Spec
    CommandSpec spec;

    @Option(names = "--image", paramLabel = "PATH",
            description = "An ext4 image (see 'faultline mkfs'). Default: $FAULTLINE_HOME/default.img or "
                    + "~/.faultline/default.img, made with mkfs (64 MiB) if missing.")
    Path image;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "16M", converter = Sizes.Converter.class,
            description = "Bytes the workload writes, spread over its files; a multiple of 64k. Default: ${DEFAULT-VALUE}.")
    long size;

    @Option(names = "--ram", paramLabel = "SIZE", defaultValue = "64M", converter = Sizes.Converter.class,
            description = "Memory of the emulated machine. Default: ${DEFAULT-VALUE}.")
    long ram;

    @Option(names = "--memcg-limit", paramLabel = "SIZE", converter = Sizes.Converter.class,
            description = "Run the workload's tasks in a (v1) memory cgroup with this limit.")
    Long memcgLimit;

    @Option(names = "--kernel", paramLabel = "PROFILE", defaultValue = "6.6",
            description = "Kernel profile (see 'faultline profiles'). Default: ${DEFAULT-VALUE}.")
    String kernel;

    @Option(names = "--patch", paramLabel = "+ID|-ID", split = ",",
            description = "Add (+ID) or remove (-ID) a patch on top of the profile; repeatable (see 'faultline patches').")
    List<String> patches = new ArrayList<>();

    @Option(names = "--direct", description = "Open the image with O_DIRECT (bypass the host page cache).")
    boolean direct;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seed of the data patterns and of the scheduler's random values. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--debug-vm", description = "CONFIG_DEBUG_VM: run the invariant checks (e.g. a page dirtied "
            + "without page_mkwrite since it was cleaned); a violation makes the run fail with exit code 4.")
    boolean debugVm;

    @Option(names = "--dmesg", description = "Print the kernel log after the summary even when the run is clean.")
    boolean dmesg;

    @Parameters(index = "0", arity = "0..1", paramLabel = "WORKLOAD",
            description = "A workload file (docs/workloads.md) to run instead of the default workload. Its 'set' lines "
                    + "(ram, memcg-limit, kernel, patch, seed, iomap) apply unless the command line gives them.")
    Path workloadFile;

    /**
     * One workload task's account: what its files must contain (each file is written by one task, so
     * the expectation is unambiguous), bytes written and verified, and when it ran. Each record is
     * written only by its own task and read after {@code k.run()} has joined them.
     */
    private static final class TaskLog {
        final Map<String, byte[]> files = new LinkedHashMap<>();
        long written;
        long verified;
        long t0;
        long t1;
    }

    private final TaskLog[] logs = {new TaskLog(), new TaskLog(), new TaskLog(), new TaskLog()};

    @Override
    public Integer call() {
        Workload workload = null;
        if (workloadFile != null) {
            String name = workloadFile.toString();
            if (!Files.exists(workloadFile) && Scenarios.names().contains(name)) {
                workload = Scenarios.byName(name).workload(); // a built-in scenario, as 'faultline scenarios' lists it
            } else {
                HostErrors.requireRegularFile(workloadFile, "a workload file (docs/workloads.md) or a scenario name "
                        + "(faultline scenarios)");
                try {
                    workload = Workload.load(workloadFile);
                } catch (WorkloadException e) {
                    throw new CliError(e.getMessage());
                } catch (java.io.IOException e) {
                    throw new CliError(HostErrors.of(workloadFile, e));
                }
            }
            applySettings(workload);
        }
        KernelProfile profile;
        try {
            profile = KernelProfile.byName(kernel);
        } catch (IllegalArgumentException e) {
            throw settingError(workload, "kernel", e.getMessage());
        }
        try {
            profile = profile.with(patches);
        } catch (IllegalArgumentException e) {
            throw settingError(workload, "patch", e.getMessage());
        }
        if (size % (64 << 10) != 0 || size < (256 << 10)) {
            throw new CliError("--size " + size + ": must be a multiple of 64k and at least 256k");
        }
        checkRam(ram, fromFile.contains("ram") ? workload : null);
        long writes = workload == null ? checkWorkloadFits() : 0;
        Path img = image;
        ImageLock lock;
        if (img == null) {
            img = defaultImage(root.env());
            if (!Files.exists(img, LinkOption.NOFOLLOW_LINKS)) {
                Images.checkHostSpace("--size", size, writes + (64L << 20), "the default workload", img);
            }
            lock = lockDefaultImage(img);
        } else if (!Files.exists(img, LinkOption.NOFOLLOW_LINKS)) {
            throw new CliError(img + ": No such file or directory (ENOENT)");
        } else {
            lock = ImageLock.acquire(img, true);
        }
        try (lock) {
            return boot(img, workload, profile, writes);
        }
    }

    /**
     * Locks the default image (shared by every {@code boot} without {@code --image}) exclusively,
     * making it first if it is missing or empty: the file is created empty, locked, and only then
     * formatted, so two first boots never format it at once.
     */
    private ImageLock lockDefaultImage(Path img) {
        if (!Files.exists(img, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectories(img.toAbsolutePath().getParent());
                org.faultline.nativeio.HostFile.open(img, org.faultline.nativeio.LibC.O_RDWR
                        | org.faultline.nativeio.LibC.O_CREAT, 0644).close();
            } catch (org.faultline.nativeio.ErrnoException e) {
                throw new CliError(Images.describe(img, e));
            } catch (java.io.IOException e) {
                throw new CliError(HostErrors.of(img, e));
            }
        }
        ImageLock lock = ImageLock.acquire(img, true);
        try {
            if (Files.size(img) == 0) { // new, or left empty by a first boot that failed
                Mkfs.createImage(img, Math.max(DEFAULT_IMAGE_BYTES, size * 3), Mkfs.Options.seeded(seed));
            }
            return lock;
        } catch (Ext4Exception e) {
            lock.close();
            throw new CliError(e.getMessage());
        } catch (java.io.IOException e) {
            lock.close();
            throw new CliError(HostErrors.of(img, e));
        }
    }

    private Integer boot(Path img, Workload workload, KernelProfile profile, long writes) {
        // the run is judged by fsck afterwards, so it starts from a clean image: damage found now is the
        // image's, not the emulated kernel's (a filesystem with errors is refused, as e2fsck would first fix it)
        Fsck.Report pre = Fsck.checkImage(img);
        if (pre.exitCode() == Fsck.FSCK_UNCORRECTED && !pre.problems().isEmpty()) {
            throw new CliError(img + ": the image is inconsistent before the run (" + pre.problems().size()
                    + " problem" + (pre.problems().size() == 1 ? "" : "s") + "; first: " + pre.problems().get(0)
                    + "); boot needs a clean image: see 'faultline fsck " + img + "', repair it with e2fsck -fy, "
                    + "or make one with 'faultline mkfs'");
        }
        if (writes > 0) {
            Images.checkFreeSpace("--size", size, writes + writes / 16, "the default workload", img);
        }
        PrintWriter out = spec.commandLine().getOut();
        BootParams base = BootParams.free();
        BootParams bp = base.withProfile(profile).withSeed(seed).withDebugVm(debugVm);
        HostFileDriver driver = Images.open(img, 0, direct, false, "--image", true);
        RunResult r;
        BlockStats st;
        SuperBlock sb;
        Kernel k;
        Mm mm;
        Oracle oracle = null;
        WorkloadRunner runner = null;
        Machine.Spec spec = Machine.Spec.of(bp, ram, driver).withIomap(iomap)
                .withHwQueues(workload == null ? 2 : (int) workload.longSetting("hw-queues", 2));
        try (Machine m = boot(spec)) {
            k = m.kernel();
            mm = m.mm();
            sb = m.root();
            if (workload != null) {
                oracle = new Oracle();
                runner = WorkloadRunner.spawn(k, workload, oracle);
            } else {
                MemCgroup cg = memcgLimit == null ? null : mm.createMemcg("workload", memcgLimit / Page.PAGE_SIZE, false);
                spawnWorkload(k, mm, cg);
            }
            r = m.run();
            st = m.bdev().stats();
        }
        Map<String, byte[]> expected = new LinkedHashMap<>();
        long written = 0;
        long verified = 0;
        long t0 = Long.MAX_VALUE;
        long t1 = 0;
        for (TaskLog l : logs) {
            expected.putAll(l.files);
            written += l.written;
            verified += l.verified;
            t0 = Math.min(t0, l.t0);
            t1 = Math.max(t1, l.t1);
        }
        long ns = Math.max(1, t1 - t0);
        out.printf(Locale.ROOT, "faultline boot: kernel %s, image %s (%s), RAM %s%s, seed %d%n", profile.name(), img,
                direct ? "O_DIRECT" : "buffered", Sizes.format(ram),
                memcgLimit == null ? "" : ", memcg limit " + Sizes.format(memcgLimit), seed);
        if (workload != null) {
            out.printf(Locale.ROOT, "workload   %s: %d tasks, %.1f MiB verified by the oracle%n", workloadFile,
                    workload.tasks().size(), oracle.verifiedBytes() / 1048576.0);
        } else {
            out.printf(Locale.ROOT, "workload   writer (buffered, fsync), mapper (MAP_SHARED stores, msync), "
                    + "dio (O_DIRECT, direct read into a mapping), hog (anonymous %s)%n", Sizes.format(ram * 7 / 8));
        }
        if (workload == null) {
            out.printf(Locale.ROOT, "written    %.1f MiB by system calls in %.3f s (%.1f MB/s), %.1f MiB read back and verified%n",
                    written / 1048576.0, ns / 1e9, RunReport.mibPerS(written, ns), verified / 1048576.0);
        }
        out.printf(Locale.ROOT, "writeback  %d pages by the flusher, %d by reclaim; dirtied %d, written %d%n",
                sb.writeback().pagesWritten(), mm.vmscan().pageouts(), mm.dirtyLimits().dirtied(),
                mm.dirtyLimits().written());
        out.printf(Locale.ROOT, "reclaim    scanned %d, reclaimed %d, waits on writeback %d, OOM %d%n",
                mm.vmscan().pgscan(), mm.vmscan().pgsteal(), mm.vmscan().writebackWaits(), mm.allocator().oomCount());
        out.printf(Locale.ROOT, "block      bios %d, requests %d, merges %d, flushes %d, errors %d%n", st.bios(),
                st.requests(), st.merges(), st.flushes(), st.errors());
        String hostError = Images.hostError(img, driver);
        if (hostError != null) { // the host's fault, not the emulated kernel's: whatever the run made of it
            out.println("result     HOST I/O ERROR (not judged: the host failed writes to the image)");
            if (dmesg) {
                out.println();
                out.println("dmesg:");
                out.print(r.dmesg());
            }
            out.flush();
            throw new CliError(hostError);
        }
        if (!r.ok()) {
            RunReport.printFailure(out, r);
            out.flush();
            return r.exitCode();
        }
        Fsck.Report fsck = Fsck.checkImage(img);
        out.println("fsck       " + (fsck.exitCode() == 0 ? "clean (" + fsck.summary() + ")" : "INCONSISTENT"));
        for (String p : fsck.problems()) {
            out.println("  " + p);
        }
        String mismatch;
        if (oracle != null) {
            try {
                List<String> bad = oracle.verifyImage(img);
                mismatch = bad.isEmpty() ? null : String.join("; ", bad);
            } catch (java.io.IOException e) {
                mismatch = "cannot read the image back: " + e.getMessage();
            }
        } else {
            mismatch = verifyImage(img, expected);
        }
        out.println("image      " + (mismatch == null ? (oracle != null ? "every file" : expected.size() + " files")
                + " read back from the image match" : mismatch));
        boolean bad = fsck.exitCode() != 0 || mismatch != null;
        out.println("result     " + (bad ? "DATA CORRUPTION" : "ok")
                + (r.warnings().isEmpty() ? "" : " (" + r.warnings().size() + " warnings, see dmesg)"));
        if (dmesg || bad || !r.warnings().isEmpty()) {
            out.println();
            out.println("dmesg:");
            out.print(r.dmesg());
        }
        out.flush();
        return bad ? 4 : 0;
    }

    private boolean iomap;

    /**
     * Refuses RAM outside {@link #MIN_RAM}..{@link #MAX_RAM}: as {@code --ram}, or as the 'set ram'
     * line of {@code from} ({@code file:line:}) when the workload gave it.
     */
    static void checkRam(long ram, Workload from) {
        if (ram >= MIN_RAM && ram <= MAX_RAM) {
            return;
        }
        String why = Sizes.format(ram) + ": must be between " + Sizes.format(MIN_RAM) + " and " + Sizes.format(MAX_RAM);
        if (from != null && from.settingLine("ram") > 0) {
            throw new CliError(from.settingError("ram", "set ram " + why).getMessage());
        }
        throw new CliError("--ram " + why);
    }

    /** The settings whose value came from the workload's 'set' lines (not the command line). */
    private final java.util.Set<String> fromFile = new java.util.HashSet<>();

    /**
     * An error about a value: {@code file:line: reason} when the workload's 'set KEY' line gave it
     * (Workload#settingError), else the reason alone (the command line gave it).
     */
    private CliError settingError(Workload w, String key, String reason) {
        if (w != null && fromFile.contains(key) && w.settingLine(key) > 0) {
            return new CliError(w.settingError(key, reason).getMessage());
        }
        return new CliError(reason);
    }

    /**
     * Refuses a {@code --size} the default workload cannot run with, before anything is touched:
     * its writer, mapper and dio tasks write six files of {@code size/8} (3/4 of it) and keep each
     * file's expected bytes in the JVM heap to verify the image afterwards.
     *
     * @return the bytes it writes
     */
    private long checkWorkloadFits() {
        long writes = size / 8 * 6;
        long heap = Runtime.getRuntime().maxMemory();
        long max = Math.min((long) (Integer.MAX_VALUE - 8) * 8, heap / 2 / 6 * 8) & ~((64L << 10) - 1);
        if (size > max) {
            throw new CliError("--size " + Sizes.format(size) + " does not fit: the default workload writes "
                    + Sizes.format(writes) + " and keeps a copy in memory to verify the image, and this JVM's heap is "
                    + Sizes.format(heap) + "; use --size " + Sizes.option(max) + " or less");
        }
        return writes;
    }

    /** The workload's 'set' lines fill in what the command line left at its defaults. */
    private void applySettings(Workload w) {
        var cl = spec.commandLine().getParseResult();
        for (String[] kv : new String[][] {{"ram", "--ram"}, {"memcg-limit", "--memcg-limit"}, {"kernel", "--kernel"},
            {"patch", "--patch"}, {"seed", "--seed"}, {"debug-vm", "--debug-vm"}}) {
            if (!cl.hasMatchedOption(kv[1]) && !w.settingValues(kv[0]).isEmpty()) {
                fromFile.add(kv[0]);
            }
        }
        if (!cl.hasMatchedOption("--ram")) {
            ram = w.sizeSetting("ram", ram);
        }
        if (!cl.hasMatchedOption("--memcg-limit") && w.settings().containsKey("memcg-limit")) {
            memcgLimit = w.sizeSetting("memcg-limit", 0);
        }
        if (!cl.hasMatchedOption("--kernel")) {
            kernel = w.stringSetting("kernel", kernel);
        }
        if (!cl.hasMatchedOption("--patch")) {
            patches = new ArrayList<>(w.settingValues("patch"));
        }
        if (!cl.hasMatchedOption("--seed")) {
            seed = w.longSetting("seed", seed);
        }
        iomap = w.boolSetting("iomap", false);
        if (!cl.hasMatchedOption("--debug-vm")) {
            debugVm = w.boolSetting("debug-vm", false);
        }
    }

    /** $FAULTLINE_HOME/default.img, or ~/.faultline/default.img. */
    static Path defaultImage(Map<String, String> env) {
        String home = env.get("FAULTLINE_HOME");
        if (home != null && !home.isEmpty()) {
            return Path.of(home, "default.img");
        }
        return Path.of(System.getProperty("user.home"), ".faultline", "default.img");
    }

    // ---------------------------------------------------------------- the default workload

    private void spawnWorkload(Kernel k, Mm mm, MemCgroup cg) {
        int tasks = 4;
        Completion done = new Completion(k, "workload tasks done");
        long part = size / 8;
        spawn(k, cg, "writer", done, logs[0], () -> writer(k, part, logs[0]));
        spawn(k, cg, "mapper", done, logs[1], () -> mapper(k, part, logs[1]));
        spawn(k, cg, "dio", done, logs[2], () -> dio(k, part, logs[2]));
        spawn(k, cg, "hog", done, logs[3], () -> hog(k));
        k.spawn("umount", TaskKind.USER, () -> {
            for (int i = 0; i < tasks; i++) {
                done.waitForCompletion();
            }
            check(k, "sync", Syscalls.sync());
            check(k, "umount", Vfs.of(k).umountRoot());
        });
    }

    private void spawn(Kernel k, MemCgroup cg, String comm, Completion done, TaskLog log, Runnable body) {
        k.spawn(comm, TaskKind.USER, () -> {
            if (cg != null) {
                cg.attach(Task.current());
            }
            log.t0 = k.sched().clockNs();
            body.run();
            Syscalls.exit();
            log.t1 = k.sched().clockNs();
            done.complete();
        });
    }

    /** Bytes of a deterministic pattern for (file, offset). */
    private byte[] pattern(String path, long off, int len) {
        Prng p = new Prng(seed * 1_000_003L + path.hashCode() * 31L + off);
        byte[] b = new byte[len];
        for (int i = 0; i < len; i += 8) {
            long v = p.nextLong();
            for (int j = 0; j < 8 && i + j < len; j++) {
                b[i + j] = (byte) (v >>> (8 * j));
            }
        }
        return b;
    }

    private static void record(TaskLog log, String path, byte[] data) {
        log.files.put(path, data);
        log.written += data.length;
    }

    private static void verify(Kernel k, TaskLog log, String path, int fd, byte[] want) {
        byte[] got = new byte[want.length];
        long n = Syscalls.pread(fd, got, 0, got.length, 0);
        if (n != want.length || !Arrays.equals(got, want)) {
            int at = mismatch(got, want);
            k.corruption("data corruption: " + path + " offset " + at + ": expected 0x"
                    + Integer.toHexString(want[at] & 0xff) + " got 0x" + Integer.toHexString(got[at] & 0xff),
                    "read " + n + " of " + want.length + " bytes");
        }
        log.verified += want.length;
    }

    private static int mismatch(byte[] a, byte[] b) {
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            if (a[i] != b[i]) {
                return i;
            }
        }
        return Math.min(a.length, b.length) - 1;
    }

    private static void check(Kernel k, String what, long ret) {
        if (ret < 0) {
            k.corruption("workload error: " + what + " failed with " + org.faultline.fs.Errno.name(ret),
                    "the default workload expects every call to succeed");
        }
    }

    private void writer(Kernel k, long part, TaskLog log) {
        ensureDir(k);
        for (int f = 0; f < 4; f++) {
            String path = "/w/file" + f;
            int fd = Syscalls.open(path, File.O_CREAT | File.O_RDWR | File.O_TRUNC, 0644);
            check(k, "open " + path, fd);
            byte[] data = pattern(path, 0, (int) part);
            for (int off = 0; off < data.length; off += 65536) {
                check(k, "write " + path, Syscalls.write(fd, data, off, Math.min(65536, data.length - off)));
            }
            if (f % 2 == 0) {
                check(k, "fsync " + path, Syscalls.fsync(fd));
            }
            verify(k, log, path, fd, data);
            record(log, path, data);
            Syscalls.close(fd);
        }
    }

    private void mapper(Kernel k, long part, TaskLog log) {
        ensureDir(k);
        String path = "/w/mapped";
        int fd = Syscalls.open(path, File.O_CREAT | File.O_RDWR | File.O_TRUNC, 0644);
        check(k, "open " + path, fd);
        check(k, "ftruncate " + path, Syscalls.ftruncate(fd, part));
        long addr = Syscalls.mmap(part, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_SHARED, fd, 0);
        check(k, "mmap " + path, addr);
        byte[] data = pattern(path, 0, (int) part);
        for (int off = 0; off < data.length; off += 4096) {
            check(k, "store", Syscalls.store(addr + off, data, off, Math.min(4096, data.length - off)));
        }
        check(k, "msync " + path, Syscalls.msync(addr, true));
        check(k, "munmap " + path, Syscalls.munmap(addr));
        verify(k, log, path, fd, data);
        record(log, path, data);
        Syscalls.close(fd);
    }

    private void dio(Kernel k, long part, TaskLog log) {
        ensureDir(k);
        String path = "/w/direct";
        int fd = Syscalls.open(path, File.O_CREAT | File.O_RDWR | File.O_TRUNC | File.O_DIRECT, 0644);
        check(k, "open " + path, fd);
        byte[] data = pattern(path, 0, (int) part);
        for (int off = 0; off < data.length; off += 262144) {
            check(k, "pwrite O_DIRECT " + path, Syscalls.pwrite(fd, data, off, Math.min(262144, data.length - off), off));
        }
        verify(k, log, path, fd, data);
        record(log, path, data);
        // a direct read into a shared mapping of another file (bug 1's access pattern)
        String target = "/w/dio-target";
        int t = Syscalls.open(target, File.O_CREAT | File.O_RDWR | File.O_TRUNC, 0644);
        check(k, "open " + target, t);
        int len = (int) Math.min(part, 1 << 20);
        check(k, "ftruncate " + target, Syscalls.ftruncate(t, len));
        long addr = Syscalls.mmap(len, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_SHARED, t, 0);
        check(k, "mmap " + target, addr);
        check(k, "read O_DIRECT into a mapping", Syscalls.preadUser(fd, addr, len, 0));
        check(k, "msync " + target, Syscalls.msync(addr, true));
        check(k, "munmap " + target, Syscalls.munmap(addr));
        byte[] want = Arrays.copyOf(data, len);
        verify(k, log, target, t, want);
        record(log, target, want);
        Syscalls.close(t);
        Syscalls.close(fd);
    }

    /** mkdir /w, by whichever task gets there first. */
    private static void ensureDir(Kernel k) {
        int r = Syscalls.mkdir("/w", 0755);
        if (r != -org.faultline.fs.Errno.EEXIST) {
            check(k, "mkdir /w", r);
        }
    }

    private void hog(Kernel k) {
        long len = ram * 7 / 8;
        long addr = Syscalls.mmap(len, Syscalls.PROT_READ | Syscalls.PROT_WRITE, Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS, -1, 0);
        check(k, "mmap anonymous", addr);
        byte[] one = {1};
        for (long off = 0; off < len; off += Page.PAGE_SIZE) {
            if (Syscalls.store(addr + off, one, 0, 1) < 0) {
                break; // out of memory: the pressure is the point
            }
        }
        check(k, "munmap anonymous", Syscalls.munmap(addr));
    }

    /** Reads every file back from the image with the offline format layer; null if all match. */
    private static String verifyImage(Path img, Map<String, byte[]> expected) {
        try (Ext4Volume v = Ext4Volume.openImage(img, Ext4Volume.Options.readOnlyMode())) {
            for (Map.Entry<String, byte[]> e : expected.entrySet()) {
                byte[] got = v.readAll(e.getKey());
                if (!Arrays.equals(got, e.getValue())) {
                    return "DATA CORRUPTION: " + e.getKey() + " on the image differs from what was written ("
                            + got.length + " vs " + e.getValue().length + " bytes)";
                }
            }
            return null;
        } catch (java.io.IOException e) {
            return "cannot read the image back: " + e.getMessage();
        }
    }

    /** Boots the machine; a root file system that does not mount is the user's image's problem (exit 2). */
    static Machine boot(Machine.Spec spec) {
        try {
            return Machine.boot(spec);
        } catch (Ext4Exception e) {
            throw new CliError(e.getMessage());
        }
    }
}

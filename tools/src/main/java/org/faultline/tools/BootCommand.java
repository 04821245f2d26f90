package org.faultline.tools;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.faultline.block.BlockStats;
import org.faultline.block.HostFileDriver;
import org.faultline.fs.SuperBlock;
import org.faultline.fs.Machine;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.fs.ext4.Ext4Super;
import org.faultline.fs.ext4.Ext4Volume;
import org.faultline.images.ext4.Fsck;
import org.faultline.images.ext4.Mkfs;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RunResult;
import org.faultline.mm.Mm;
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
            "Boot a free-running kernel on an ext4 image and run a workload file, a built-in scenario, or the default",
            "workload (a workload file too: 'boot --show' prints it): writer (buffered writes, fsync), mapper",
            "(MAP_SHARED stores, msync), dio (O_DIRECT writes, a direct read into a shared mapping), hog (anonymous",
            "memory pressure). Every read is checked by the oracle; after unmount the image is checked (fsck) and",
            "every file read back."})
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

    @Option(names = "--show", description = "Print the workload that would run (the default one with this --size, "
            + "--ram and --memcg-limit filled in) and exit.")
    boolean show;

    @picocli.CommandLine.Mixin
    ImageCaptureOptions capture = new ImageCaptureOptions();

    @Option(names = "--dmesg", description = "Print the kernel log after the summary even when the run is clean.")
    boolean dmesg;

    @Parameters(index = "0", arity = "0..1", paramLabel = "WORKLOAD",
            description = "A workload file (docs/workloads.md) to run instead of the default workload. Its 'set' lines "
                    + "(ram, memcg-limit, kernel, patch, seed, iomap) apply unless the command line gives them.")
    Path workloadFile;

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
        if (workload == null) {
            workload = DefaultWorkload.of(size, ram, memcgLimit);
        }
        if (show) {
            PrintWriter out = spec.commandLine().getOut();
            out.print(workloadFile == null ? DefaultWorkload.text(size, ram, memcgLimit) : workloadText());
            out.flush();
            return 0;
        }
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
        Oracle oracle = new Oracle();
        BootCapture cap = capture.start(driver, this.spec);
        Machine.Spec spec = Machine.Spec.of(bp, ram, cap == null ? driver : cap.disk()).withIomap(iomap)
                .withHwQueues((int) workload.longSetting("hw-queues", 2));
        String capturedLine = null;
        try (cap; Machine m = boot(spec)) {
            k = m.kernel();
            mm = m.mm();
            sb = m.root();
            WorkloadRunner.spawn(k, workload, oracle);
            r = m.run();
            st = m.bdev().stats();
            if (cap != null && !r.ok() && Images.hostError(img, driver) == null) { // the disk as it is at the failure
                String text = workloadFile == null ? DefaultWorkload.text(size, ram, memcgLimit) : workloadText();
                String name = workloadFile == null ? "default workload" : workloadFile.toString();
                try {
                    capturedLine = Captures.capturedLine(cap.capture("boot", name, text, kernel, patches, profile.name(), seed, r));
                } catch (CliError e) { // the run's own result stands; the capture is secondary
                    this.spec.commandLine().getErr().println("faultline: " + e.getMessage());
                }
            }
        }
        out.printf(Locale.ROOT, "faultline boot: kernel %s, image %s (%s), RAM %s%s, seed %d%n", profile.name(), img,
                direct ? "O_DIRECT" : "buffered", Sizes.format(ram),
                memcgLimit == null ? "" : ", memcg limit " + Sizes.format(memcgLimit), seed);
        out.printf(Locale.ROOT, "workload   %s: %d tasks (%s), %.1f MiB verified by the oracle%n",
                workloadFile == null ? "the default workload (boot --show)" : workloadFile, workload.tasks().size(),
                String.join(", ", workload.tasks().stream().map(t -> t.name()).toList()),
                oracle.verifiedBytes() / 1048576.0);
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
            if (capturedLine != null) {
                out.println(capturedLine);
            }
            out.flush();
            return r.exitCode();
        }
        Fsck.Report fsck = Fsck.checkImage(img);
        out.println("fsck       " + (fsck.exitCode() == 0 ? "clean (" + fsck.summary() + ")" : "INCONSISTENT"));
        for (String p : fsck.problems()) {
            out.println("  " + p);
        }
        String mismatch;
        try {
            List<String> bad = oracle.verifyImage(img);
            mismatch = bad.isEmpty() ? null : String.join("; ", bad);
        } catch (java.io.IOException e) {
            mismatch = "cannot read the image back: " + e.getMessage();
        }
        int files = oracle.expectedFiles().size();
        out.println("image      " + (mismatch == null ? "every file read back from the image matches (" + files + " file"
                + (files == 1 ? "" : "s") + ")" : mismatch));
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
     * its writer, mapper and dio tasks write six files of {@code size/8} (3/4 of it) and the oracle
     * keeps each file's expected bytes in the JVM heap to verify the image afterwards.
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

    /** The text of the workload file or built-in scenario named on the command line. */
    private String workloadText() {
        String name = workloadFile.toString();
        if (!Files.exists(workloadFile) && Scenarios.names().contains(name)) {
            return Scenarios.byName(name).text();
        }
        try {
            return org.faultline.tools.workload.TextFiles.read(workloadFile, "workload",
                    org.faultline.tools.workload.TextFiles.MAX_WORKLOAD_BYTES);
        } catch (java.io.IOException e) {
            throw new CliError(HostErrors.of(workloadFile, e));
        }
    }

    /** Boots the machine; a root file system that does not mount is the user's image's problem (exit 2). */
    static Machine boot(Machine.Spec spec) {
        try {
            return Machine.boot(spec);
        } catch (Ext4Exception e) {
            // a mount that failed because the host failed a write (a journal replayed onto a full host
            // file system) is the host's problem, said as every host I/O error is
            HostFileDriver h = spec.disk().hostFile();
            if (h != null && h.hostError() != null) {
                throw new CliError(Images.hostError(h.file().path(), h));
            }
            throw new CliError(e.getMessage());
        }
    }
}

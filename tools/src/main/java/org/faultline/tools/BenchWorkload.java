package org.faultline.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.faultline.block.BlockDevice;
import org.faultline.block.HostFileDriver;
import org.faultline.fs.Machine;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.images.ext4.Mkfs;
import org.faultline.kernel.BootParams;
import org.faultline.kernel.Kernel;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.Stopwatch;
import org.faultline.tools.bench.Figures;
import org.faultline.tools.workload.HostInterp;
import org.faultline.tools.workload.Meter;
import org.faultline.tools.workload.Oracle;
import org.faultline.tools.workload.TextFiles;
import org.faultline.tools.workload.Workload;
import org.faultline.tools.workload.WorkloadException;
import org.faultline.tools.workload.WorkloadRunner;

/**
 * A benchmark workload ({@code bench fs WORKLOAD}): one of the workload files shipped in
 * {@code resources/bench} or the user's own, with its parameters set, run on a fresh ext4 image by
 * a free-running kernel, or on the host kernel in a directory beside the image, each run giving its
 * {@link Figures} ({@link Meter}).
 */
final class BenchWorkload {
    /** The shipped workloads, in the order {@code bench fs --list} shows them. */
    static final List<String> NAMES = List.of("seq-write", "rand-write", "small-files", "mmap-write", "cold-read",
            "memcg-mixed");

    /** The fio job that does what a shipped workload does ({@code --vs-fio}), by name: its --rw. */
    static final Map<String, String> FIO_RW = Map.of("seq-write", "write", "rand-write", "randwrite");

    final String name;
    final String text;
    final Workload w;
    /** Bytes the image is made with: the workload's {@code set image-size}, else 64M + 3 × its largest size parameter. */
    final long imageBytes;

    private BenchWorkload(String name, String text, Workload w, long imageBytes) {
        this.name = name;
        this.text = text;
        this.w = w;
        this.imageBytes = imageBytes;
    }

    /** A shipped workload's text, or null if there is none of that name. */
    static String shipped(String name) {
        if (!NAMES.contains(name)) {
            return null;
        }
        try (var in = BenchWorkload.class.getResourceAsStream("/bench/" + name + ".wl")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("bench workload " + name + " missing from the jar", e);
        }
    }

    /**
     * Loads a shipped workload by name, or a workload file, with {@code params} (name → expression)
     * replacing its defaults. Errors are one line ({@link CliError}).
     */
    static BenchWorkload load(String nameOrFile, Map<String, String> params) {
        String text = shipped(nameOrFile);
        String fileName = nameOrFile + ".wl";
        String name = nameOrFile;
        if (text == null) {
            Path p = Path.of(nameOrFile);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new CliError(nameOrFile + ": neither a benchmark workload (" + String.join(", ", NAMES)
                        + "; bench fs --list) nor a workload file");
            }
            try {
                text = TextFiles.read(p, "workload", TextFiles.MAX_WORKLOAD_BYTES);
            } catch (IOException e) {
                throw new CliError(HostErrors.of(p, e));
            }
            fileName = p.toString();
            name = p.getFileName() == null ? fileName : p.getFileName().toString();
        }
        Workload w;
        try {
            w = Workload.parse(text, fileName, params);
        } catch (WorkloadException e) {
            throw new CliError(e.getMessage());
        }
        long image = w.settingLine("image-size") > 0 ? w.longSetting("image-size", 0)
                : (64L << 20) + 3 * w.params().values().stream().mapToLong(Long::longValue).max().orElse(0);
        return new BenchWorkload(name, text, w, image);
    }

    /** The first sentence of the comment the file starts with: what the workload does. */
    String summary() {
        StringBuilder b = new StringBuilder();
        for (String l : text.split("\n")) {
            if (!l.startsWith("#")) {
                break;
            }
            b.append(b.length() == 0 ? "" : " ").append(l.substring(1).trim());
        }
        String s = b.toString();
        int end = s.length();
        for (String stop : new String[] {". ", ": "}) {
            int i = s.indexOf(stop);
            if (i > 0 && i < end) {
                end = i;
            }
        }
        return end == 0 ? name : s.substring(0, end).replaceAll("\\.$", "");
    }

    /** "size=1G bs=1M", the parameters as run. */
    String params() {
        StringBuilder b = new StringBuilder();
        w.params().forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(compact(v)));
        return b.toString();
    }

    /** 1G, 256M, 4k for whole binary sizes from 4k up; a plain number otherwise (a count). */
    static String compact(long v) {
        String[] units = {"T", "G", "M", "k"};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << (40 - 10 * i);
            if (v >= 4096 && v % unit == 0) {
                return (v / unit) + units[i];
            }
        }
        return Long.toString(v);
    }

    /** The RAM the workload asks for ({@code set ram}), else {@code dflt}. */
    long ram(long dflt) {
        return w.settingLine("ram") > 0 ? w.longSetting("ram", dflt) : dflt;
    }

    /** A benchmark run ended with a kernel failure: reported, and the command exits with its code. */
    static final class Failed extends RuntimeException {
        final int code;

        Failed(int code) {
            super(null, null, false, false);
            this.code = code;
        }
    }

    /**
     * Makes the image fresh and runs the workload on it under a free-running kernel; the final check
     * is skipped (the oracle still checks every read), the filesystem unmounted at the end.
     *
     * @throws Failed when the run ends with an oops, a deadlock or corruption (already reported on {@code err})
     */
    Figures runFaultline(Path image, KernelProfile profile, boolean journal, long ram, boolean direct, PrintWriter err) {
        try {
            Mkfs.createImage(image, imageBytes, Mkfs.Options.seeded(0).withJournal(journal ? Mkfs.Options.DEFAULT_JOURNAL : 0));
        } catch (Ext4Exception e) {
            throw new CliError(e.getMessage());
        }
        BootCommand.checkRam(ram, w);
        HostFileDriver driver = Images.open(image, 0, direct, false, "--image", true);
        RunResult r;
        Meter meter;
        try (Machine m = BootCommand.boot(Machine.Spec.of(BootParams.free().withProfile(profile), ram, driver)
                .withHwQueues((int) w.longSetting("hw-queues", 2)))) {
            Kernel k = m.kernel();
            BlockDevice bdev = m.bdev();
            Map<String, LongSupplier> counters = new LinkedHashMap<>();
            counters.put(Figures.CPU_NS, Stopwatch::processCpuNs);
            counters.put("bios", () -> bdev.stats().bios());
            counters.put("requests", () -> bdev.stats().requests());
            counters.put("merges", () -> bdev.stats().merges());
            counters.put("flushes", () -> bdev.stats().flushes());
            counters.put("bytes_read", () -> bdev.stats().bytesRead());
            counters.put("bytes_written", () -> bdev.stats().bytesWritten());
            meter = new Meter(() -> k.sched().clockNs(), counters, w.tasks().size());
            WorkloadRunner.spawn(k, w, new Oracle(), new WorkloadRunner.Options(false, true).metered(meter));
            r = m.run();
        }
        String hostError = Images.hostError(image, driver);
        if (hostError != null) {
            throw new CliError(hostError);
        }
        if (!r.ok()) {
            RunReport.printFailure(err, r);
            err.flush();
            throw new Failed(r.exitCode());
        }
        return figures(meter);
    }

    /** Whether the host can run it: one task (the host interpreter's limit). */
    String hostRefusal() {
        return w.tasks().size() == 1 ? null : name + " has " + w.tasks().size()
                + " tasks; the host side runs single-task workloads only";
    }

    /**
     * Runs the workload's system calls on the host kernel in {@code dir} (made fresh, removed after):
     * a directory beside the image, so on the same device.
     */
    Figures runHost(Path dir) {
        Meter meter = new Meter(Stopwatch::monotonicNs, Map.of(Figures.CPU_NS, Stopwatch::processCpuNs), 1);
        try {
            Files.createDirectory(dir); // fails if it exists: only what this run made is removed after it
        } catch (IOException e) {
            throw new CliError(HostErrors.of(dir, e));
        }
        try {
            HostInterp.Result res = HostInterp.run(w, dir, meter);
            for (org.faultline.tools.workload.StepResult st : res.steps()) {
                if (st.rc() < 0 && !st.text().startsWith("expect-error")) {
                    throw new CliError("the host kernel: " + name + " line " + st.line() + ": " + st.text()
                            + " failed with " + org.faultline.kernel.Errno.name(st.rc()) + " (in " + dir + ")");
                }
            }
            return figures(meter);
        } catch (IOException e) {
            throw new CliError(HostErrors.of(dir, e));
        } finally {
            try {
                Images.deleteTree(dir);
            } catch (IOException e) {
                // a leftover beside the scratch image: the next --vs-host run refuses it, naming it
            }
        }
    }

    private static Figures figures(Meter m) {
        return new Figures(m.windowNs(), m.bytes(), m.calls(), m.counters(), m.latency());
    }
}

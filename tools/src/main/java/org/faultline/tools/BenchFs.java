package org.faultline.tools;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.faultline.block.BlockStats;
import org.faultline.fs.File;
import org.faultline.fs.Syscalls;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.images.ext4.Mkfs;
import org.faultline.kernel.Errno;
import org.faultline.kernel.KernelProfile;
import org.faultline.mm.Page;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code faultline bench fs}: a sequential buffered write of one file followed by {@code fsync}, on
 * a fresh ext4 image, through the whole stack — {@code write(2)}, {@code ext4_da_write_begin},
 * dirty throttling, the flusher and {@code ext4_writepages}, the block layer, the host file — timed on
 * the kernel clock from the first {@code write} to {@code fsync}'s return.
 *
 * <p>The timed pass is the second: the first writes the same file once (warming the JIT, and making
 * the host allocate the image's blocks), then {@code O_TRUNC} frees them and the timed pass writes
 * them again, so that it and fio (run afterwards on the same file with {@code --direct=1}) both
 * overwrite allocated host blocks.
 */
@Command(name = "fs",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Measure a sequential buffered write + fsync of one file on a fresh ext4 image, through the whole stack.",
            "The image is scratch: it is made fresh (an existing file is refused without --force), and with --vs-fio",
            "fio then overwrites it (--direct=1) for the comparison."})
final class BenchFs implements Callable<Integer> {
    @ParentCommand
    BenchCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--image", required = true, paramLabel = "PATH", description = "The scratch image to make.")
    Path image;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "1G", converter = Sizes.Converter.class,
            description = "Bytes written to the file. Default: ${DEFAULT-VALUE}.")
    long size;

    @Option(names = "--bs", paramLabel = "SIZE", defaultValue = "1M", converter = Sizes.Converter.class,
            description = "Bytes per write(2). Default: ${DEFAULT-VALUE}.")
    long bs;

    @Option(names = "--ram", paramLabel = "SIZE", defaultValue = "256M", converter = Sizes.Converter.class,
            description = "Memory of the emulated machine (dirty limits follow from it). Default: ${DEFAULT-VALUE}.")
    long ram;

    @Option(names = "--direct", description = "Open the image with O_DIRECT (bypass the host page cache).")
    boolean direct;

    @Option(names = "--vs-fio", description = "Then run fio --rw=write --direct=1 with the same --size and --bs on the same file.")
    boolean vsFio;

    @Option(names = "--kernel", paramLabel = "PROFILE", defaultValue = "6.6",
            description = "Kernel profile (see 'faultline profiles'). Default: ${DEFAULT-VALUE}.")
    String kernel;

    @Option(names = "--patch", paramLabel = "+ID|-ID", split = ",",
            description = "Add (+ID) or remove (-ID) a patch on top of the profile, to measure a fix; repeatable.")
    List<String> patches = new ArrayList<>();

    @Option(names = {"-F", "--force"}, description = "Overwrite an existing file at --image.")
    boolean force;

    @Option(names = "--journal", paramLabel = "on|off|both", defaultValue = "on",
            description = "Make the image with a journal (on, as 'faultline mkfs'), without one (off), or measure both "
                    + "in alternating rounds and report the ratio (both). Default: ${DEFAULT-VALUE}.")
    String journal;

    @Option(names = "--compare", paramLabel = "KERNEL", arity = "1..*",
            description = "Measure two or more kernels, each a profile with patches (4.20, 4.20+ext4-bio-per-page, "
                    + "6.6-ext4-fdatasync-after-fallocate), in alternating rounds after a discarded warm-up; prints "
                    + "medians, min-max and each one's verdict against the first (Mann-Whitney, bootstrap 95% CI).")
    List<String> compare;

    @Option(names = "--runs", paramLabel = "R", defaultValue = "5",
            description = "With --compare: measured runs of each kernel. Default: ${DEFAULT-VALUE}.")
    int runs;

    @Option(names = "--json", description = "With --compare: one JSON object with every run's figure and the verdicts.")
    boolean json;

    @Option(names = "--vs-host", description = "With --compare: the host kernel runs the same system calls (write(2) of --bs "
            + "up to --size, fsync) on a file beside the image, in the same alternation; each kernel's median is "
            + "also given as a fraction of the host's.")
    boolean vsHost;

    @Option(names = "--csv", paramLabel = "FILE.csv",
            description = "With --compare: every run's figure, one line each (kernel,run,mb_s), the host's too.")
    Path csv;

    @Option(names = "--plot", paramLabel = "FILE.png",
            description = "With --compare: draw each kernel's runs as a box (median, quartiles, extremes) with the verdicts.")
    Path plot;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
            description = "With --journal both: alternating rounds; medians reported. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Override
    public Integer call() {
        if (bs % Page.PAGE_SIZE != 0 || bs > (64L << 20) || size % bs != 0 || size <= 0) {
            throw new CliError("--bs must be a multiple of 4k up to 64M and divide --size (got --bs " + bs
                    + ", --size " + size + ")");
        }
        KernelProfile profile;
        try {
            profile = KernelProfile.byName(kernel).with(patches);
        } catch (IllegalArgumentException e) {
            throw new CliError(e.getMessage());
        }
        Images.checkImageSize("--size", size + size / 4 + (64L << 20), image);
        Images.checkHostSpace("--size", size, size + (64L << 20), "bench fs", image);
        if (Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
            Images.refuseToOverwrite(image, force, true, "bench fs makes a fresh scratch image");
            if (!force) { // an empty file: bench fs still never formats what it did not make without --force
                throw new CliError(image + ": exists; bench fs makes a fresh scratch image: use --force to overwrite it");
            }
            Images.refuseToFormat(image);
        }
        if (!journal.equals("on") && !journal.equals("off") && !journal.equals("both")) {
            throw new CliError("--journal " + journal + ": on, off or both");
        }
        if (rounds < 1 || rounds > 99) {
            throw new CliError("--rounds " + rounds + ": 1 to 99");
        }
        if (compare != null) {
            if (runs < 2 || runs > 99) {
                throw new CliError("--runs " + runs + ": 2 to 99 (a comparison needs two runs of each)");
            }
            if (plot != null && !plot.toString().endsWith(".png")) {
                throw new CliError("--plot " + plot + ": a .png file");
            }
            if (journal.equals("both") || vsFio) {
                throw new CliError("--compare measures kernels: use --journal on or off, and no --vs-fio");
            }
            if (compare.size() < 2 && !vsHost) {
                throw new CliError("--compare needs two kernels or more (or one with --vs-host)");
            }
            for (String k : compare) {
                parseKernel(k); // a bad kernel is refused before anything is made
            }
        }
        Path fio = null;
        if (vsFio) {
            fio = Fio.require(parent.root.env());
        }
        if (!Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
            Images.createSparse(image, 0);
        }
        try (ImageLock lock = ImageLock.acquire(image, true)) {
            return run(lock, profile, fio);
        }
    }

    private int run(ImageLock lock, KernelProfile profile, Path fio) {
        PrintWriter out = spec.commandLine().getOut();
        if (compare != null) {
            return runCompare(lock, out);
        }
        if (!journal.equals("both")) {
            return measure(lock, profile, journal.equals("on"), out, fio);
        }
        // alternating rounds, the order swapped every round: medians of each, and their ratio
        List<Double> with = new ArrayList<>();
        List<Double> without = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                boolean j = (r + k) % 2 == 0;
                int code = measure(lock, profile, j, out, null);
                if (code != 0) {
                    return code;
                }
                (j ? with : without).add(lastMbps);
            }
        }
        double mWith = median(with);
        double mWithout = median(without);
        out.printf(Locale.ROOT, "  journal    %10.1f MB/s  median of %d (%s)%n", mWith, rounds, list(with));
        out.printf(Locale.ROOT, "  no journal %10.1f MB/s  median of %d (%s)%n", mWithout, rounds, list(without));
        out.printf(Locale.ROOT, "  ratio      %10.2f  (journal / no journal)%n", mWith / mWithout);
        if (fio != null) {
            List<String> cmd = Fio.command(fio, image, size, bs, "write", true, 1);
            Fio.Result fr = Fio.run(cmd, "write");
            out.printf(Locale.ROOT, "  fio        %10.1f MB/s  (%s)%n", fr.mbPerS(), String.join(" ", cmd.subList(1, cmd.size())));
            out.printf(Locale.ROOT, "  ratio      %10.2f  (journal / fio), %.2f (no journal / fio); fio overwrote the image%n",
                    mWith / fr.mbPerS(), mWithout / fr.mbPerS());
        }
        out.flush();
        return 0;
    }

    /**
     * {@code --compare}: a warm-up run discarded, then {@code runs} rounds measuring each kernel in
     * turn (ABAB...), so drift on a noisy machine falls on every kernel alike; then each kernel's
     * median and range, and its verdict against the first ({@link org.faultline.tools.bench.Stats}).
     */
    private int runCompare(ImageLock lock, PrintWriter out) {
        List<KernelProfile> kernels = new ArrayList<>();
        for (String k : compare) {
            kernels.add(parseKernel(k));
        }
        boolean withJournal = !journal.equals("off");
        java.io.PrintWriter progress = spec.commandLine().getErr();
        java.io.PrintWriter quiet = new java.io.PrintWriter(java.io.Writer.nullWriter());
        int code = measure(lock, kernels.get(0), withJournal, quiet, null); // warm-up: JIT, host blocks
        if (code != 0) {
            return code;
        }
        double[][] mbps = new double[kernels.size()][runs];
        double[] host = new double[runs];
        Path hostFile = image.resolveSibling(image.getFileName() + ".host");
        try {
            for (int r = 0; r < runs; r++) {
                for (int i = 0; i < kernels.size(); i++) {
                    code = measure(lock, kernels.get(i), withJournal, quiet, null);
                    if (code != 0) {
                        return code;
                    }
                    mbps[i][r] = lastMbps;
                    progress.printf(Locale.ROOT, "bench fs: run %d of %d, %s: %.1f MB/s%n", r + 1, runs, compare.get(i), lastMbps);
                    progress.flush();
                }
                if (vsHost) {
                    host[r] = hostRun(hostFile);
                    progress.printf(Locale.ROOT, "bench fs: run %d of %d, the host kernel: %.1f MB/s%n", r + 1, runs, host[r]);
                    progress.flush();
                }
            }
        } finally {
            try {
                java.nio.file.Files.deleteIfExists(hostFile);
            } catch (java.io.IOException e) {
                // a leftover beside the scratch image
            }
        }
        List<Json> rows = new ArrayList<>();
        List<Json> verdicts = new ArrayList<>();
        List<String> verdictTexts = new ArrayList<>();
        double hostMedian = vsHost ? org.faultline.tools.bench.Stats.median(host) : Double.NaN;
        if (!json) {
            out.printf(Locale.ROOT, "bench fs --compare: %s of buffered write(2) of %s + fsync on ext4 (%s), RAM %s, "
                    + "%d runs each after a warm-up, alternating%n", Sizes.format(size), Sizes.format(bs),
                    withJournal ? "journaled" : "no journal", Sizes.format(ram), runs);
            out.printf(Locale.ROOT, "  %-44s %10s %21s%n", "kernel", "median", "min - max (MB/s)");
        }
        for (int i = 0; i < kernels.size(); i++) {
            double[] v = mbps[i];
            double min = Arrays.stream(v).min().orElse(0);
            double max = Arrays.stream(v).max().orElse(0);
            double med = org.faultline.tools.bench.Stats.median(v);
            Json row = new Json().put("kernel", compare.get(i)).put("median_mb_s", med, 1).putNumbers("runs_mb_s", v, 1);
            if (vsHost) {
                row.put("of_host", med / hostMedian, 3);
            }
            rows.add(row);
            if (!json) {
                out.printf(Locale.ROOT, "  %-44s %10.1f %10.1f - %8.1f%s%n", compare.get(i), med, min, max, vsHost
                        ? String.format(Locale.ROOT, "   %.2fx the host", med / hostMedian) : "");
            }
        }
        if (vsHost) {
            rows.add(new Json().put("kernel", "host").put("median_mb_s", hostMedian, 1).putNumbers("runs_mb_s", host, 1));
            if (!json) {
                out.printf(Locale.ROOT, "  %-44s %10.1f %10.1f - %8.1f%n", "the host kernel (" + System.getProperty("os.version")
                        + ")", hostMedian, Arrays.stream(host).min().orElse(0), Arrays.stream(host).max().orElse(0));
            }
        }
        for (int i = 1; i < kernels.size(); i++) {
            org.faultline.tools.bench.Stats.Verdict v = org.faultline.tools.bench.Stats.compare(mbps[0], mbps[i], 1);
            String text = v.text(compare.get(0), compare.get(i));
            verdictTexts.add(text);
            verdicts.add(new Json().put("a", compare.get(0)).put("b", compare.get(i)).put("ratio", v.ratio(), 4)
                    .put("ci_low", v.ciLow(), 4).put("ci_high", v.ciHigh(), 4).put("p", v.p(), 4)
                    .put("differ", v.differ()).put("verdict", text));
            if (!json) {
                out.println("  " + text);
            }
        }
        if (csv != null) {
            StringBuilder c = new StringBuilder("kernel,run,mb_s\n");
            for (int i = 0; i < kernels.size(); i++) {
                for (int r = 0; r < runs; r++) {
                    c.append(compare.get(i)).append(',').append(r + 1).append(',')
                            .append(String.format(Locale.ROOT, "%.1f", mbps[i][r])).append('\n');
                }
            }
            for (int r = 0; vsHost && r < runs; r++) {
                c.append("host,").append(r + 1).append(',').append(String.format(Locale.ROOT, "%.1f", host[r])).append('\n');
            }
            try {
                java.nio.file.Files.writeString(csv, c);
            } catch (java.io.IOException e) {
                throw new CliError(HostErrors.of(csv, e));
            }
        }
        if (plot != null) {
            try {
                org.faultline.tools.bench.Plot.boxes(plot, "bench fs: " + Sizes.format(size) + " buffered write + fsync, "
                        + runs + " runs each", compare, mbps, "MB/s", String.join("; ", verdictTexts));
            } catch (java.io.IOException e) {
                throw new CliError(HostErrors.of(plot, e));
            }
            if (!json) {
                out.println("  plot: " + plot);
            }
        }
        if (json) {
            out.println(new Json().put("benchmark", "fs").put("size", size).put("bs", bs).put("runs", runs)
                    .put("journal", withJournal).putObjects("kernels", rows).putObjects("verdicts", verdicts));
        }
        out.flush();
        return 0;
    }

    /** One host pass ({@link org.faultline.tools.bench.HostWrite}); a host error is the user's to see. */
    private double hostRun(Path file) {
        try {
            return org.faultline.tools.bench.HostWrite.seqWriteFsync(file, size, bs);
        } catch (org.faultline.nativeio.ErrnoException e) {
            throw new CliError(HostErrors.of(file, e));
        }
    }

    /** A kernel of {@code --compare}: a profile name, then +ID or -ID patches (the longest known id each time). */
    static KernelProfile parseKernel(String spec) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^([0-9]+(?:\\.[0-9]+)*)(.*)$").matcher(spec);
        if (!m.matches()) {
            throw new CliError("--compare " + spec + ": expected PROFILE[+ID|-ID...], e.g. 4.20+ext4-bio-per-page");
        }
        List<String> ids = new ArrayList<>();
        for (org.faultline.kernel.Patch p : org.faultline.kernel.Patches.all()) {
            ids.add(p.id());
        }
        List<String> patches = new ArrayList<>();
        String rest = m.group(2);
        while (!rest.isEmpty()) {
            char sign = rest.charAt(0);
            String best = null;
            for (String id : ids) {
                if ((sign == '+' || sign == '-') && rest.startsWith(id, 1)
                        && (rest.length() == 1 + id.length() || "+-".indexOf(rest.charAt(1 + id.length())) >= 0)
                        && (best == null || id.length() > best.length())) {
                    best = id;
                }
            }
            if (best == null) {
                throw new CliError("--compare " + spec + ": '" + rest + "' does not start with +ID or -ID of a known patch "
                        + "(faultline patches)");
            }
            patches.add(sign + best);
            rest = rest.substring(1 + best.length());
        }
        try {
            return KernelProfile.byName(m.group(1)).with(patches);
        } catch (IllegalArgumentException e) {
            throw new CliError("--compare " + spec + ": " + e.getMessage());
        }
    }

    private static double median(List<Double> v) {
        return org.faultline.tools.bench.Stats.median(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static String list(List<Double> v) {
        StringBuilder b = new StringBuilder();
        for (double d : v) {
            b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", d));
        }
        return b.toString();
    }

    /** The last measured rate, MB/s. */
    private double lastMbps;

    /** Makes the image fresh, with or without a journal, and measures one timed pass; fio after it if given. */
    private int measure(ImageLock lock, KernelProfile profile, boolean withJournal, PrintWriter out, Path fio) {
        try {
            Mkfs.createImage(image, size + size / 4 + (64L << 20), Mkfs.Options.seeded(0)
                    .withJournal(withJournal ? Mkfs.Options.DEFAULT_JOURNAL : 0));
        } catch (Ext4Exception e) {
            throw new CliError(e.getMessage());
        }
        long[] ns = new long[1];
        long[] before = new long[2];
        BlockStats[] st = new BlockStats[1];
        org.HdrHistogram.Histogram writeLat = new org.HdrHistogram.Histogram(3); // ns, 3 significant digits
        long[] fsyncNs = new long[1];
        int code = ImageSession.run("bench fs", image, lock, true, direct, profile, ram, out, spec.commandLine().getErr(), ctx -> {
            byte[] buf = org.faultline.tools.bench.HostWrite.pattern((int) bs);
            if (pass(ctx, buf, null, null) < 0) {
                return;
            }
            BlockStats s0 = ctx.bdev.stats();
            before[0] = s0.bios();
            before[1] = s0.requests();
            long t0 = ctx.kernel.sched().clockNs();
            if (pass(ctx, buf, writeLat, fsyncNs) < 0) {
                return;
            }
            ns[0] = ctx.kernel.sched().clockNs() - t0;
            st[0] = ctx.bdev.stats();
        });
        if (code != 0 || st[0] == null) {
            return code != 0 ? code : Faultline.EXIT_BUG;
        }
        double secs = ns[0] / 1e9;
        double mbps = RunReport.mibPerS(size, ns[0]);
        lastMbps = mbps;
        out.printf(Locale.ROOT, "bench fs: %s of buffered write(2) of %s + fsync on ext4 (%s, %s), RAM %s, kernel %s%n",
                Sizes.format(size), Sizes.format(bs), withJournal ? "journaled" : "no journal",
                direct ? "image O_DIRECT" : "image buffered", Sizes.format(ram), profile.name());
        out.printf(Locale.ROOT, "  faultline  %10.1f MB/s  (%.3f s, second pass; bios %d, requests %d)%n", mbps, secs,
                st[0].bios() - before[0], st[0].requests() - before[1]);
        out.printf(Locale.ROOT, "  latency    write(2) p50 %s, p99 %s, max %s (%d calls); fsync %s%n",
                RunReport.latency(writeLat.getValueAtPercentile(50)), RunReport.latency(writeLat.getValueAtPercentile(99)),
                RunReport.latency(writeLat.getMaxValue()), writeLat.getTotalCount(), RunReport.latency(fsyncNs[0]));
        if (fio != null) {
            List<String> cmd = Fio.command(fio, image, size, bs, "write", true, 1);
            Fio.Result fr = Fio.run(cmd, "write");
            out.printf(Locale.ROOT, "  fio        %10.1f MB/s  (%s)%n", fr.mbPerS(), String.join(" ", cmd.subList(1, cmd.size())));
            out.printf(Locale.ROOT, "  ratio      %10.2f  (faultline MB/s / fio MB/s); fio overwrote the image%n",
                    mbps / fr.mbPerS());
        }
        out.flush();
        return 0;
    }

    /**
     * open(O_TRUNC), write the whole file, fsync, close; negative errno on failure (reported). With
     * {@code writeLat}, each write(2)'s latency on the kernel clock goes into it, and fsync's into
     * {@code fsyncNs[0]}.
     */
    private long pass(ImageSession.Ctx ctx, byte[] buf, org.HdrHistogram.Histogram writeLat, long[] fsyncNs) {
        int fd = Syscalls.open("/bench.dat", File.O_CREAT | File.O_WRONLY | File.O_TRUNC, 0644);
        if (fd < 0) {
            ctx.fail("open /bench.dat", fd);
            return fd;
        }
        for (long off = 0; off < size; off += buf.length) {
            long t = ctx.kernel.sched().clockNs();
            long n = Syscalls.write(fd, buf, 0, buf.length);
            if (writeLat != null) {
                writeLat.recordValue(Math.max(0, ctx.kernel.sched().clockNs() - t));
            }
            if (n != buf.length) {
                ctx.fail("write /bench.dat at " + off, n < 0 ? n : -Errno.EIO);
                Syscalls.close(fd);
                return -1;
            }
        }
        long t = ctx.kernel.sched().clockNs();
        long ret = Syscalls.fsync(fd);
        if (fsyncNs != null) {
            fsyncNs[0] = ctx.kernel.sched().clockNs() - t;
        }
        Syscalls.close(fd);
        if (ret < 0) {
            ctx.fail("fsync /bench.dat", ret);
        }
        return ret;
    }
}

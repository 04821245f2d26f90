package org.faultline.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.Stopwatch;
import org.faultline.tools.bench.Figures;
import org.faultline.tools.bench.Stats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code faultline bench fs [WORKLOAD]}: a benchmark workload ({@link BenchWorkload}: one shipped,
 * {@code --list}, or a workload file) on a fresh ext4 image through the whole stack — system calls,
 * the page cache, writeback, ext4 and its journal, the block layer, the host file — timed on the
 * kernel clock; with {@code --compare}, several kernels in alternating runs with the statistics of
 * {@link Stats}; with {@code --vs-host}, the host kernel running the same system calls beside the
 * image in the same alternation.
 */
@Command(name = "fs",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Measure a benchmark workload on a fresh ext4 image through the whole stack: throughput, system calls/s,",
            "each call's latency (p50, p99, max), CPU seconds per GiB and the block layer's work. WORKLOAD is one of",
            "--list (default seq-write) or a workload file. The image is scratch: made fresh for every run (an existing",
            "file is refused without --force)."})
final class BenchFs implements Callable<Integer> {
    @ParentCommand
    BenchCommand parent;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "WORKLOAD", defaultValue = "seq-write",
            description = "A benchmark workload (bench fs --list) or a workload file. Default: ${DEFAULT-VALUE}.")
    String workload;

    @Option(names = "--list", description = "List the benchmark workloads with their parameters and exit.")
    boolean list;

    @Option(names = "--image", paramLabel = "PATH", description = "The scratch image to make (required to measure).")
    Path image;

    @Option(names = "--size", paramLabel = "SIZE", converter = Sizes.Converter.class,
            description = "The workload's 'size' parameter (bytes of its file). Default: the workload's.")
    Long size;

    @Option(names = "--bs", paramLabel = "SIZE", converter = Sizes.Converter.class,
            description = "The workload's 'bs' parameter (bytes per call). Default: the workload's.")
    Long bs;

    @Option(names = "--param", paramLabel = "NAME=VALUE",
            description = "Set any parameter of the workload (--param files=5000); repeatable.")
    List<String> params = new ArrayList<>();

    @Option(names = "--ram", paramLabel = "SIZE", converter = Sizes.Converter.class,
            description = "Memory of the emulated machine (dirty limits follow from it). Default: the workload's 'set ram', else 256M.")
    Long ram;

    @Option(names = "--direct", description = "Open the image with O_DIRECT (bypass the host page cache).")
    boolean direct;

    @Option(names = "--vs-fio", description = "Then run the fio job that does the same (seq-write: --rw=write, rand-write: "
            + "--rw=randwrite) with --direct=1 on the image file.")
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
                    + "each metric's medians, min-max and verdict against the first (Mann-Whitney, bootstrap 95%% CI).")
    List<String> compare;

    @Option(names = "--runs", paramLabel = "R", defaultValue = "5",
            description = "With --compare: measured runs of each kernel. Default: ${DEFAULT-VALUE}.")
    int runs;

    @Option(names = "--json", description = "One JSON object: every run's figures, the medians and the verdicts.")
    boolean json;

    @Option(names = "--vs-host", description = "The host kernel runs the same system calls in a directory beside the "
            + "image (the same device), in the same alternation; every figure is also given as a ratio to the host's.")
    boolean vsHost;

    @Option(names = "--csv", paramLabel = "FILE.csv",
            description = "With --compare: every run's figures, one line each, the host's too.")
    Path csv;

    @Option(names = "--plot", paramLabel = "FILE.png|FILE.svg",
            description = "With --compare: throughput as a box per kernel, and the main call's latency CDF per kernel.")
    Path plot;

    @Option(names = "--html", paramLabel = "DIR",
            description = "With --compare: a report page (DIR/index.html) with the table, the verdicts, the plot, the "
                    + "JSON and the exact command, to attach to a patch review.")
    Path html;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
            description = "With --journal both: alternating rounds; medians reported. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (list) {
            return list(out);
        }
        if (image == null) {
            throw new CliError("bench fs needs --image PATH (the scratch image it makes)");
        }
        BenchWorkload bw = BenchWorkload.load(workload, paramOverrides());
        long ramBytes = ram != null ? ram : bw.ram(256L << 20);
        KernelProfile profile;
        try {
            profile = KernelProfile.byName(kernel).with(patches);
        } catch (IllegalArgumentException e) {
            throw new CliError(e.getMessage());
        }
        checkOptions(bw);
        Images.checkImageSize("--size", bw.imageBytes, image);
        Images.checkHostSpace("--size", bw.w.params().getOrDefault("size", bw.imageBytes),
                bw.imageBytes + (vsHost ? bw.imageBytes : 0), "bench fs", image);
        if (Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
            Images.refuseToOverwrite(image, force, true, "bench fs makes a fresh scratch image");
            if (!force) { // an empty file: bench fs still never formats what it did not make without --force
                throw new CliError(image + ": exists; bench fs makes a fresh scratch image: use --force to overwrite it");
            }
            Images.refuseToFormat(image);
        }
        if (vsHost && Files.exists(hostDir(), LinkOption.NOFOLLOW_LINKS)) { // never another's files
            throw new CliError(hostDir() + ": exists; --vs-host makes and removes that directory beside the image: "
                    + "move it away (a leftover of an interrupted run can be removed)");
        }
        Path fio = vsFio ? Fio.require(parent.root.env()) : null;
        if (!Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
            Images.createSparse(image, 0);
        }
        try (ImageLock lock = ImageLock.acquire(image, true)) {
            if (compare != null) {
                return new BenchCompare(this, bw, ramBytes).run(out);
            }
            if (journal.equals("both")) {
                return journalBoth(bw, profile, ramBytes, out, fio);
            }
            return single(bw, profile, ramBytes, out, fio);
        } catch (BenchWorkload.Failed f) {
            return f.code;
        }
    }

    private Map<String, String> paramOverrides() {
        Map<String, String> m = new LinkedHashMap<>();
        if (size != null) {
            m.put("size", Long.toString(size));
        }
        if (bs != null) {
            m.put("bs", Long.toString(bs));
        }
        for (String p : params) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new CliError("--param " + p + ": expected NAME=VALUE (e.g. --param files=5000)");
            }
            m.put(p.substring(0, eq), p.substring(eq + 1));
        }
        return m;
    }

    private void checkOptions(BenchWorkload bw) {
        if (!journal.equals("on") && !journal.equals("off") && !journal.equals("both")) {
            throw new CliError("--journal " + journal + ": on, off or both");
        }
        if (rounds < 1 || rounds > 99) {
            throw new CliError("--rounds " + rounds + ": 1 to 99");
        }
        if (vsFio && !BenchWorkload.FIO_RW.containsKey(bw.name)) {
            throw new CliError("--vs-fio: no fio job is the equivalent of " + bw.name + " (there is one for "
                    + String.join(" and ", new java.util.TreeSet<>(BenchWorkload.FIO_RW.keySet())) + "); use --vs-host");
        }
        if (vsHost && bw.hostRefusal() != null) {
            throw new CliError("--vs-host: " + bw.hostRefusal());
        }
        if (compare == null) {
            if (csv != null || plot != null || html != null) {
                throw new CliError("--csv, --plot and --html go with --compare (one kernel: --compare 6.6 --vs-host)");
            }
            return;
        }
        if (runs < 2 || runs > 99) {
            throw new CliError("--runs " + runs + ": 2 to 99 (a comparison needs two runs of each)");
        }
        if (plot != null && !plot.toString().endsWith(".png") && !plot.toString().endsWith(".svg")) {
            throw new CliError("--plot " + plot + ": a .png or .svg file");
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

    private int list(PrintWriter out) {
        out.println("benchmark workloads (faultline bench fs NAME --image PATH; parameters: --size, --bs, --param NAME=VALUE):");
        for (String n : BenchWorkload.NAMES) {
            BenchWorkload bw = BenchWorkload.load(n, Map.of());
            out.printf(Locale.ROOT, "  %-12s %s%n  %-12s parameters: %s; %d task%s%s%s%n", n, bw.summary(), "", bw.params(),
                    bw.w.tasks().size(), bw.w.tasks().size() == 1 ? "" : "s",
                    bw.hostRefusal() == null ? ", --vs-host" : "", BenchWorkload.FIO_RW.containsKey(n) ? ", --vs-fio" : "");
        }
        out.println("any workload file measures too (docs/workloads.md; 'measure' marks where its measured part begins)");
        out.flush();
        return 0;
    }

    boolean withJournal() {
        return !journal.equals("off");
    }

    /** One kernel, one run: its figures, the host's beside them with --vs-host, fio's with --vs-fio. */
    private int single(BenchWorkload bw, KernelProfile profile, long ramBytes, PrintWriter out, Path fio) {
        PrintWriter err = spec.commandLine().getErr();
        Figures f = bw.runFaultline(image, profile, withJournal(), ramBytes, direct, err);
        Figures host = vsHost ? bw.runHost(hostDir()) : null;
        if (json) {
            Json j = header(bw, ramBytes).put("kernel", profile.name()).put("faultline", BenchReport.json(f));
            if (host != null) {
                j.put("host", BenchReport.json(host));
            }
            out.println(j);
            out.flush();
            return 0;
        }
        out.printf(Locale.ROOT, "bench fs %s%s%n  %s; ext4 (%s, %s), RAM %s, kernel %s%s%n", bw.name,
                bw.summary().equals(bw.name) ? "" : ": " + bw.summary(), bw.params(),
                withJournal() ? "journaled" : "no journal", direct ? "image O_DIRECT" : "image buffered",
                Sizes.format(ramBytes), profile.name(), host == null ? "" : "; the host kernel " + System.getProperty("os.version")
                        + " in " + hostDir().getParent());
        BenchReport.print(out, "faultline", f, host);
        if (host != null) {
            BenchReport.print(out, "host", host, null);
        }
        if (fio != null) {
            double fioMbps = runFio(bw, fio, out);
            out.printf(Locale.ROOT, "  ratio      %10.2f  (faultline MB/s / fio MB/s); fio overwrote the image%n",
                    f.mbPerS() / fioMbps);
        }
        out.flush();
        return 0;
    }

    /** --journal both: alternating rounds, the order swapped every round; medians of each and their ratio. */
    private int journalBoth(BenchWorkload bw, KernelProfile profile, long ramBytes, PrintWriter out, Path fio) {
        PrintWriter err = spec.commandLine().getErr();
        List<Double> with = new ArrayList<>();
        List<Double> without = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                boolean j = (r + k) % 2 == 0;
                double mbps = bw.runFaultline(image, profile, j, ramBytes, direct, err).mbPerS();
                (j ? with : without).add(mbps);
                err.printf(Locale.ROOT, "bench fs: round %d of %d, %s: %.1f MB/s%n", r + 1, rounds, j ? "journal" : "no journal", mbps);
                err.flush();
            }
        }
        double mWith = median(with);
        double mWithout = median(without);
        out.printf(Locale.ROOT, "bench fs %s: %s; kernel %s, RAM %s%n", bw.name, bw.params(), profile.name(), Sizes.format(ramBytes));
        out.printf(Locale.ROOT, "  journal    %10.1f MB/s  median of %d (%s)%n", mWith, rounds, list(with));
        out.printf(Locale.ROOT, "  no journal %10.1f MB/s  median of %d (%s)%n", mWithout, rounds, list(without));
        out.printf(Locale.ROOT, "  ratio      %10.2f  (journal / no journal)%n", mWith / mWithout);
        if (fio != null) {
            double fioMbps = runFio(bw, fio, out);
            out.printf(Locale.ROOT, "  ratio      %10.2f  (journal / fio), %.2f (no journal / fio); fio overwrote the image%n",
                    mWith / fioMbps, mWithout / fioMbps);
        }
        out.flush();
        return 0;
    }

    /** --vs-fio: the workload's fio equivalent with --direct=1 on the image file; its MB/s, printed. */
    private double runFio(BenchWorkload bw, Path fio, PrintWriter out) {
        String rw = BenchWorkload.FIO_RW.get(bw.name);
        List<String> cmd = Fio.command(fio, image, bw.w.params().get("size"), bw.w.params().getOrDefault("bs", 4096L), rw, true, 1);
        Fio.Result fr = Fio.run(cmd, rw.replace("rand", ""));
        out.printf(Locale.ROOT, "  fio        %10.1f MB/s  (%s)%n", fr.mbPerS(), String.join(" ", cmd.subList(1, cmd.size())));
        return fr.mbPerS();
    }

    /** The host side's directory: beside the image, on the same device. */
    Path hostDir() {
        return image.toAbsolutePath().resolveSibling(image.getFileName() + ".host.d");
    }

    Json header(BenchWorkload bw, long ramBytes) {
        Json p = new Json();
        bw.w.params().forEach(p::put);
        return new Json().put("benchmark", "fs").put("workload", bw.name).put("params", p).put("ram", ramBytes)
                .put("journal", withJournal()).put("image_direct", direct);
    }

    /** The command line as given (for the report page). */
    String commandLine() {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        StringBuilder b = new StringBuilder("faultline bench fs");
        for (String a : args) {
            b.append(' ').append(a.matches("[A-Za-z0-9_./:=+,-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return b.toString();
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
        return Stats.median(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static String list(List<Double> v) {
        StringBuilder b = new StringBuilder();
        for (double d : v) {
            b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", d));
        }
        return b.toString();
    }

    /** Host elapsed seconds since {@code w} started, for progress lines. */
    static double seconds(Stopwatch w) {
        return w.elapsedNs() / 1e9;
    }

    /** Writes {@code text} to {@code file}; a host error is one line. */
    static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new CliError(HostErrors.of(file, e));
        }
    }
}

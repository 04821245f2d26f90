package org.faultline.tools;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.faultline.fs.ext4.Ext4Exception;
import org.faultline.images.ext4.Mkfs;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.Stopwatch;
import org.faultline.tools.bench.Plot;
import org.faultline.tools.bench.Stats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code faultline bench fio JOB.fio}: the user's own fio job run on the emulated kernel — a fresh ext4
 * image mounted through FUSE ({@link FuseMount}) beside the scratch image, fio given
 * {@code --directory} on the mount — once per kernel, or with {@code --compare} for two or more kernels
 * in alternating runs after a warm-up, with {@link Stats}' verdicts on bandwidth and IOPS.
 */
@Command(name = "fio",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Run a fio job file on the emulated kernel: a fresh ext4 image served through FUSE, fio's files in it",
            "(--directory on the mount; a job naming absolute filenames is refused). With --compare, alternating",
            "runs of each kernel and a verdict on bandwidth and IOPS."})
final class BenchFio implements Callable<Integer> {
    @ParentCommand
    BenchCommand parent;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "JOB.fio", description = "The fio job file.")
    Path job;

    @Option(names = "--image", required = true, paramLabel = "PATH", description = "The scratch image to make (fresh every run).")
    Path image;

    @Option(names = "--image-size", paramLabel = "SIZE", defaultValue = "1G", converter = Sizes.Converter.class,
            description = "The scratch image's size (the data's is the job's; --size is a workload's data size "
                    + "elsewhere). Default: ${DEFAULT-VALUE}.")
    long size;

    @Option(names = "--ram", paramLabel = "SIZE", defaultValue = "256M", converter = Sizes.Converter.class,
            description = "Memory of the emulated machine. Default: ${DEFAULT-VALUE}.")
    long ram;

    @Option(names = "--kernel", paramLabel = "PROFILE", defaultValue = "6.6",
            description = "Kernel profile without --compare. Default: ${DEFAULT-VALUE}.")
    String kernel;

    @Option(names = "--compare", paramLabel = "KERNEL", arity = "1..*",
            description = "Two or more kernels (4.20, 4.20+ext4-bio-per-page), alternating runs after a discarded warm-up.")
    List<String> compare;

    @Option(names = "--runs", paramLabel = "R", defaultValue = "3",
            description = "With --compare: measured runs of each kernel. Default: ${DEFAULT-VALUE}.")
    int runs;

    @Option(names = {"-F", "--force"}, description = "Overwrite an existing file at --image.")
    boolean force;

    @Option(names = "--json", description = "One JSON object with every run's figures and the verdicts.")
    boolean json;

    @Option(names = "--plot", paramLabel = "FILE.png|FILE.svg", description = "With --compare: bandwidth as a box per kernel.")
    Path plot;

    /** One run's figures: fio's bandwidth (MiB/s, reads and writes together), IOPS, and the fio command. */
    record Run(double mbPerS, double iops, long bytes) {
    }

    @Override
    public Integer call() {
        Path fio = Fio.require(parent.root.env());
        String text;
        try {
            text = Files.readString(job);
        } catch (IOException e) {
            throw new CliError(HostErrors.of(job, e));
        }
        if (text.lines().anyMatch(l -> l.strip().matches("(?i)(filename|directory)\\s*=\\s*/.*"))) {
            throw new CliError(job + ": names an absolute filename or directory; bench fio puts the job's files on the "
                    + "mount (--directory): drop them from the job");
        }
        List<String> names = compare != null ? compare : List.of(kernel);
        List<KernelProfile> kernels = new ArrayList<>();
        for (String k : names) {
            kernels.add(BenchFs.parseKernel(k));
        }
        if (compare != null && (compare.size() < 2 || runs < 2 || runs > 99)) {
            throw new CliError("--compare needs two kernels or more and --runs 2 to 99");
        }
        for (Path own : List.of(mountPoint(), resultFile())) { // made and removed beside the image: never another's
            if (Files.exists(own, LinkOption.NOFOLLOW_LINKS)) {
                throw new CliError(own + ": exists; bench fio makes and removes it beside the image: move it away "
                        + "(a leftover of an interrupted run can be removed)");
            }
        }
        Images.checkImageSize("--image-size", size, image);
        Images.checkHostSpace("--image-size", size, size, "bench fio", image);
        if (Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
            Images.refuseToOverwrite(image, force, true, "bench fio makes a fresh scratch image");
            if (!force) {
                throw new CliError(image + ": exists; bench fio makes a fresh scratch image: use --force to overwrite it");
            }
            Images.refuseToFormat(image);
        } else {
            Images.createSparse(image, 0);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Stopwatch clock = new Stopwatch();
        try (ImageLock lock = ImageLock.acquire(image, true)) {
            int n = compare == null ? 1 : runs;
            Run[][] all = new Run[kernels.size()][n];
            if (compare != null) {
                once(fio, kernels.get(0), err); // warm-up: the JIT, the host's blocks
                err.printf(Locale.ROOT, "bench fio: warm-up (discarded), %s (%.0f s)%n", names.get(0), BenchFs.seconds(clock));
            }
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < kernels.size(); i++) {
                    all[i][r] = once(fio, kernels.get(i), err);
                    err.printf(Locale.ROOT, "bench fio: run %d of %d, %s: %.1f MB/s, %.0f IOPS (%.0f s)%n", r + 1, n, names.get(i),
                            all[i][r].mbPerS(), all[i][r].iops(), BenchFs.seconds(clock));
                    err.flush();
                }
            }
            report(out, names, all);
        }
        return 0;
    }

    private void report(PrintWriter out, List<String> names, Run[][] all) {
        List<Json> rows = new ArrayList<>();
        List<Json> verdicts = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "bench fio %s on ext4 through FUSE, RAM %s, %d run%s each%s%n",
                job.getFileName(), Sizes.format(ram), all[0].length, all[0].length == 1 ? "" : "s",
                compare == null ? "" : " after a warm-up, alternating"));
        t.append(String.format(Locale.ROOT, "  %-44s %12s %12s%n", "kernel", "MB/s", "IOPS"));
        for (int i = 0; i < names.size(); i++) {
            double[] mb = Arrays.stream(all[i]).mapToDouble(Run::mbPerS).toArray();
            double[] io = Arrays.stream(all[i]).mapToDouble(Run::iops).toArray();
            t.append(String.format(Locale.ROOT, "  %-44s %12.1f %12.0f%n", names.get(i), Stats.median(mb), Stats.median(io)));
            rows.add(new Json().put("kernel", names.get(i)).put("median_mb_s", Stats.median(mb), 2)
                    .put("median_iops", Stats.median(io), 1).putNumbers("runs_mb_s", mb, 2).putNumbers("runs_iops", io, 1));
        }
        for (int i = 1; compare != null && i < names.size(); i++) {
            for (String metric : new String[] {"MB/s", "IOPS"}) {
                boolean bw = metric.equals("MB/s");
                double[] a = Arrays.stream(all[0]).mapToDouble(bw ? Run::mbPerS : Run::iops).toArray();
                double[] b = Arrays.stream(all[i]).mapToDouble(bw ? Run::mbPerS : Run::iops).toArray();
                Stats.Verdict v = Stats.compare(a, b, 1);
                String text = bw ? v.text(names.get(0), names.get(i)) : v.text(names.get(0), names.get(i), metric, true);
                if (bw) {
                    texts.add(text);
                }
                t.append("  ").append(text).append('\n');
                verdicts.add(new Json().put("metric", bw ? "mb_s" : "iops").put("a", names.get(0)).put("b", names.get(i))
                        .put("ratio", v.ratio(), 4).put("ci_low", v.ciLow(), 4).put("ci_high", v.ciHigh(), 4)
                        .put("p", v.p(), 4).put("differ", v.differ()).put("verdict", text));
            }
        }
        if (plot != null && compare != null) {
            double[][] mb = new double[names.size()][];
            for (int i = 0; i < names.size(); i++) {
                mb[i] = Arrays.stream(all[i]).mapToDouble(Run::mbPerS).toArray();
            }
            try {
                Plot.boxes(plot, "bench fio " + job.getFileName() + ", " + runs + " runs each", names, mb, "MB/s",
                        String.join("; ", texts));
            } catch (IOException e) {
                throw new CliError(HostErrors.of(plot, e));
            }
        }
        if (json) {
            out.println(new Json().put("benchmark", "fio").put("job", job.toString()).put("ram", ram)
                    .putObjects("kernels", rows).putObjects("verdicts", verdicts));
        } else {
            out.print(t);
        }
        out.flush();
    }

    private Path mountPoint() {
        return image.toAbsolutePath().resolveSibling(image.getFileName() + ".mnt");
    }

    private Path resultFile() {
        return image.toAbsolutePath().resolveSibling(image.getFileName() + ".fio.json");
    }

    /** One run: a fresh image, mounted; fio on it; unmounted when fio exits; fio's figures. */
    private Run once(Path fio, KernelProfile profile, PrintWriter err) {
        try {
            Mkfs.createImage(image, size, Mkfs.Options.seeded(0));
        } catch (Ext4Exception e) {
            throw new CliError(e.getMessage());
        }
        Path mnt = mountPoint();
        Path result = resultFile();
        try {
            Files.createDirectories(mnt);
            Files.deleteIfExists(result);
        } catch (IOException e) {
            throw new CliError(HostErrors.of(mnt, e));
        }
        Process[] proc = new Process[1];
        IOException[] failed = new IOException[1];
        FuseMount.Spec spec = new FuseMount.Spec(profile, ram, false, null, List.of(), null, line -> {
            err.println(line);
            err.flush();
        }, null);
        FuseMount.Ended end = FuseMount.run(image, mnt, spec, live -> {
            try {
                proc[0] = new ProcessBuilder(fio.toString(), "--output-format=json", "--output=" + result,
                        "--directory=" + mnt, job.toAbsolutePath().toString())
                        .directory(mnt.getParent().toFile()) // fio's own files (verify states) beside the image, not in ours
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                proc[0].onExit().thenRun(live::unmount); // fio done: the host unmounts, the machine stops
            } catch (IOException e) {
                failed[0] = e;
                live.unmount();
            }
        });
        if (failed[0] != null) {
            throw new CliError("cannot run fio: " + failed[0].getMessage());
        }
        if (end.hostError() != null) {
            throw new CliError(end.hostError());
        }
        if (!end.run().ok()) {
            RunReport.printFailure(err, end.run());
            err.flush();
            throw new BenchWorkload.Failed(end.run().exitCode());
        }
        int rc = proc[0].exitValue();
        String text;
        try {
            text = Files.readString(result);
            Files.deleteIfExists(result);
        } catch (IOException e) {
            throw new CliError("fio wrote no result (exit " + rc + "): " + HostErrors.of(result, e));
        }
        if (rc != 0) {
            throw new CliError("fio failed on the mount (exit " + rc + ")");
        }
        try {
            Files.deleteIfExists(mnt); // empty once unmounted
        } catch (IOException e) {
            // left beside the image; the next run reuses it
        }
        return parse(text);
    }

    /** Bandwidth and IOPS of every job in fio's JSON, reads and writes added. */
    static Run parse(String text) {
        int start = text.indexOf('{');
        if (start < 0) {
            throw new CliError("cannot read fio's result: no JSON object");
        }
        JsonObject root = JsonParser.parseString(text.substring(start)).getAsJsonObject();
        double bw = 0;
        double iops = 0;
        long bytes = 0;
        for (JsonElement j : root.getAsJsonArray("jobs")) {
            JsonObject o = j.getAsJsonObject();
            if (o.has("error") && o.get("error").getAsInt() != 0) {
                throw new CliError("fio reported error " + o.get("error").getAsInt() + " in job " + o.get("jobname").getAsString());
            }
            for (String dir : new String[] {"read", "write", "trim"}) {
                if (o.has(dir)) {
                    JsonObject d = o.getAsJsonObject(dir);
                    bw += d.get("bw_bytes").getAsDouble();
                    iops += d.get("iops").getAsDouble();
                    bytes += d.get("io_bytes").getAsLong();
                }
            }
        }
        return new Run(bw / 1048576.0, iops, bytes);
    }
}

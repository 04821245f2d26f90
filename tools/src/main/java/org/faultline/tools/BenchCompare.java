package org.faultline.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.Stopwatch;
import org.faultline.tools.bench.Figures;
import org.faultline.tools.bench.Plot;
import org.faultline.tools.bench.Stats;

/**
 * {@code bench fs --compare}: a warm-up run discarded, then {@code --runs} rounds measuring each
 * kernel in turn (ABAB...) — and the host with {@code --vs-host} — so drift of a noisy machine falls
 * on every kernel alike; then, per metric, each kernel's median and range and its verdict against the
 * first ({@link Stats}); the table, and on request JSON, CSV, a plot and a report page.
 */
final class BenchCompare {
    /** A figure compared across kernels. */
    record Metric(String name, String key, boolean higherBetter, ToDoubleFunction<Figures> of) {
    }

    /** One verdict: its metric's key, its sentence, its JSON. */
    private record Verdict(String metric, String text, Json json) {
    }

    private final BenchFs o;
    private final BenchWorkload bw;
    private final long ram;

    BenchCompare(BenchFs o, BenchWorkload bw, long ram) {
        this.o = o;
        this.bw = bw;
        this.ram = ram;
    }

    int run(PrintWriter out) {
        List<KernelProfile> kernels = new ArrayList<>();
        for (String k : o.compare) {
            kernels.add(BenchFs.parseKernel(k));
        }
        PrintWriter err = o.spec.commandLine().getErr();
        Stopwatch clock = new Stopwatch();
        bw.runFaultline(o.image, kernels.get(0), o.withJournal(), ram, o.direct, err); // warm-up: JIT, host blocks
        progress(err, clock, "warm-up (discarded), " + o.compare.get(0));
        int n = kernels.size();
        Figures[][] runs = new Figures[n][o.runs];
        Figures[] host = o.vsHost ? new Figures[o.runs] : null;
        for (int r = 0; r < o.runs; r++) {
            for (int i = 0; i < n; i++) {
                runs[i][r] = bw.runFaultline(o.image, kernels.get(i), o.withJournal(), ram, o.direct, err);
                progress(err, clock, String.format(Locale.ROOT, "run %d of %d, %s: %.1f MB/s", r + 1, o.runs,
                        o.compare.get(i), runs[i][r].mbPerS()));
            }
            if (host != null) {
                host[r] = bw.runHost(o.hostDir());
                progress(err, clock, String.format(Locale.ROOT, "run %d of %d, the host kernel: %.1f MB/s", r + 1, o.runs,
                        host[r].mbPerS()));
            }
        }
        List<Metric> metrics = metrics(runs);
        List<String> verdictTexts = new ArrayList<>();
        List<Verdict> verdicts = new ArrayList<>();
        for (Metric m : metrics) {
            double[] a = values(runs[0], m);
            for (int i = 1; i < n; i++) {
                Stats.Verdict v = Stats.compare(a, values(runs[i], m), 1);
                String text = m == metrics.get(0) ? v.text(o.compare.get(0), o.compare.get(i))
                        : v.text(o.compare.get(0), o.compare.get(i), m.name(), m.higherBetter());
                if (m == metrics.get(0)) {
                    verdictTexts.add(text);
                }
                verdicts.add(new Verdict(m.key(), text, new Json().put("metric", m.key()).put("a", o.compare.get(0))
                        .put("b", o.compare.get(i)).put("ratio", v.ratio(), 4).put("ci_low", v.ciLow(), 4)
                        .put("ci_high", v.ciHigh(), 4).put("p", v.p(), 4).put("differ", v.differ()).put("verdict", text)));
            }
        }
        String table = table(metrics, runs, host, verdicts);
        Json result = json(metrics, runs, host, verdicts);
        if (o.json) {
            out.println(result);
        } else {
            out.print(table);
        }
        if (o.csv != null) {
            BenchFs.write(o.csv, csv(metrics, runs, host));
        }
        Path plotFile = o.plot;
        String plotName = "plot" + (o.plot != null && o.plot.toString().endsWith(".svg") ? ".svg" : ".png");
        if (o.html != null) {
            try {
                Files.createDirectories(o.html);
            } catch (IOException e) {
                throw new CliError(HostErrors.of(o.html, e));
            }
            plotFile = plotFile != null ? plotFile : o.html.resolve(plotName);
        }
        if (plotFile != null) {
            plot(plotFile, runs, host, verdictTexts);
            if (!o.json) {
                out.println("  plot: " + plotFile);
            }
        }
        if (o.html != null) {
            if (o.plot != null) {
                copy(o.plot, o.html.resolve(plotName));
            }
            BenchFs.write(o.html.resolve("results.json"), result + "\n");
            BenchFs.write(o.html.resolve("index.html"), BenchHtml.page(bw, o.commandLine(), table, plotName));
            if (!o.json) {
                out.println("  report: " + o.html.resolve("index.html"));
            }
        }
        out.flush();
        return 0;
    }

    private static void progress(PrintWriter err, Stopwatch clock, String what) {
        err.printf(Locale.ROOT, "bench fs: %s (%.0f s)%n", what, BenchFs.seconds(clock));
        err.flush();
    }

    /** Throughput, calls/s, CPU per GiB (when bytes moved) and the main call's p50 and p99. */
    private static List<Metric> metrics(Figures[][] runs) {
        List<Metric> m = new ArrayList<>();
        m.add(new Metric("MB/s", "mb_s", true, Figures::mbPerS));
        m.add(new Metric("calls/s", "calls_s", true, Figures::opsPerS));
        boolean cpu = Arrays.stream(runs).flatMap(Arrays::stream).noneMatch(f -> Double.isNaN(f.cpuSecPerGiB()));
        if (cpu) {
            m.add(new Metric("CPU s/GiB", "cpu_s_per_gib", false, Figures::cpuSecPerGiB));
        }
        String main = runs[0][0].mainCall();
        if (main != null && Arrays.stream(runs).flatMap(Arrays::stream).allMatch(f -> f.latencyNs(main, 50) >= 0)) {
            m.add(new Metric(main + " p50 ms", main + "_p50_ms", false, f -> f.latencyNs(main, 50) / 1e6));
            m.add(new Metric(main + " p99 ms", main + "_p99_ms", false, f -> f.latencyNs(main, 99) / 1e6));
        }
        return m;
    }

    private static double[] values(Figures[] runs, Metric m) {
        return Arrays.stream(runs).mapToDouble(m.of()).toArray();
    }

    private String table(List<Metric> metrics, Figures[][] runs, Figures[] host, List<Verdict> verdicts) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "bench fs %s --compare: %s; %s; ext4 (%s), RAM %s, %d runs each after a warm-up, "
                + "alternating%n", bw.name, bw.summary(), bw.params(), o.withJournal() ? "journaled" : "no journal",
                Sizes.format(ram), o.runs));
        for (Metric m : metrics) {
            b.append(String.format(Locale.ROOT, "  %-44s %10s %21s%n", m.name(), "median", "min - max"));
            double hostMedian = host == null ? Double.NaN : Stats.median(values(host, m));
            for (int i = 0; i < runs.length; i++) {
                double[] v = values(runs[i], m);
                b.append(String.format(Locale.ROOT, "  %-44s %10.2f %10.2f - %8.2f%s%n", o.compare.get(i), Stats.median(v),
                        Arrays.stream(v).min().orElse(0), Arrays.stream(v).max().orElse(0), host == null ? ""
                                : String.format(Locale.ROOT, "   %.2fx the host", Stats.median(v) / hostMedian)));
            }
            if (host != null) {
                double[] v = values(host, m);
                b.append(String.format(Locale.ROOT, "  %-44s %10.2f %10.2f - %8.2f%n", "the host kernel ("
                        + System.getProperty("os.version") + ")", hostMedian, Arrays.stream(v).min().orElse(0),
                        Arrays.stream(v).max().orElse(0)));
            }
            for (Verdict v : verdicts) {
                if (v.metric().equals(m.key())) {
                    b.append("  ").append(v.text()).append('\n');
                }
            }
        }
        b.append(String.format(Locale.ROOT, "  %-44s %10s %10s %10s %10s%n", "block layer (medians per run)", "bios",
                "requests", "merges", "flushes"));
        for (int i = 0; i < runs.length; i++) {
            b.append(String.format(Locale.ROOT, "  %-44s", o.compare.get(i)));
            for (String c : new String[] {"bios", "requests", "merges", "flushes"}) {
                b.append(String.format(Locale.ROOT, " %10.0f", Stats.median(Arrays.stream(runs[i]).mapToDouble(f -> f.counter(c)).toArray())));
            }
            b.append('\n');
        }
        return b.toString();
    }

    private Json json(List<Metric> metrics, Figures[][] runs, Figures[] host, List<Verdict> verdicts) {
        List<Json> kernels = new ArrayList<>();
        for (int i = 0; i < runs.length; i++) {
            kernels.add(kernelJson(o.compare.get(i), metrics, runs[i]));
        }
        if (host != null) {
            kernels.add(kernelJson("host", metrics, host).put("os", System.getProperty("os.version")));
        }
        return o.header(bw, ram).put("runs", o.runs).putObjects("kernels", kernels)
                .putObjects("verdicts", verdicts.stream().map(Verdict::json).toList());
    }

    private static Json kernelJson(String name, List<Metric> metrics, Figures[] runs) {
        Json medians = new Json();
        for (Metric m : metrics) {
            medians.put(m.key(), Stats.median(values(runs, m)), 4);
        }
        List<Json> each = new ArrayList<>();
        for (Figures f : runs) {
            each.add(BenchReport.json(f));
        }
        return new Json().put("kernel", name).put("median", medians).putNumbers("runs_mb_s", values(runs, metrics.get(0)), 2)
                .putObjects("runs", each);
    }

    private String csv(List<Metric> metrics, Figures[][] runs, Figures[] host) {
        StringBuilder c = new StringBuilder("kernel,run");
        for (Metric m : metrics) {
            c.append(',').append(m.key());
        }
        c.append('\n');
        for (int i = 0; i <= runs.length; i++) {
            Figures[] fs = i < runs.length ? runs[i] : host;
            if (fs == null) {
                continue;
            }
            for (int r = 0; r < fs.length; r++) {
                c.append(i < runs.length ? o.compare.get(i) : "host").append(',').append(r + 1);
                for (Metric m : metrics) {
                    c.append(',').append(String.format(Locale.ROOT, "%.4f", m.of().applyAsDouble(fs[r])));
                }
                c.append('\n');
            }
        }
        return c.toString();
    }

    private void plot(Path file, Figures[][] runs, Figures[] host, List<String> verdictTexts) {
        List<String> names = new ArrayList<>(o.compare);
        List<Figures[]> all = new ArrayList<>(Arrays.asList(runs));
        if (host != null) {
            names.add("host");
            all.add(host);
        }
        double[][] mbps = new double[all.size()][];
        String main = runs[0][0].mainCall();
        List<Histogram> lat = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            mbps[i] = Arrays.stream(all.get(i)).mapToDouble(Figures::mbPerS).toArray();
            Histogram h = new Histogram(3);
            for (Figures f : all.get(i)) {
                Histogram x = main == null ? null : f.latency().get(main);
                if (x != null) {
                    h.add(x);
                }
            }
            lat.add(h);
        }
        try {
            Plot.report(file, "bench fs " + bw.name + " (" + bw.params() + "), " + o.runs + " runs each", names, mbps, "MB/s",
                    String.join("; ", verdictTexts), main, lat);
        } catch (IOException e) {
            throw new CliError(HostErrors.of(file, e));
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new CliError(HostErrors.of(to, e));
        }
    }
}

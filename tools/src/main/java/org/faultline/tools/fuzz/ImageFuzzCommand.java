package org.faultline.tools.fuzz;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.faultline.kernel.Stopwatch;
import org.faultline.tools.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code faultline fuzz images}: the corrupt-image campaign. Base images (Faultline's mkfs and the
 * host's mkfs.ext4, filled through Faultline's cp and mkdir) are damaged by {@link Mutation} classes,
 * deterministically from the seed; each damaged image goes through ls, cat, stat, fsck, cp out and
 * boot, each a child process with a timeout, and e2fsck -fn. Failures (exit 1, hangs, stack traces,
 * bytes changed by a read-only command) are kept in --out with their image, command and output.
 */
@Command(name = "images", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Damage ext4 images (superblock, group descriptors, bitmaps, inodes, extents, directory",
            "entries, sizes, truncation) and run ls, cat, stat, fsck, cp and boot on each in a child process.",
            "Exit 0 if no command failed (exit 1, hang, stack trace, read-only command changing the image), else 4."})
public final class ImageFuzzCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--count", paramLabel = "N", defaultValue = "200", description = "Mutated images. Default: ${DEFAULT-VALUE}.")
    int count;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Campaign seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--jobs", paramLabel = "J", defaultValue = "2", description = "Images checked at once. Default: ${DEFAULT-VALUE}.")
    int jobs;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "fuzz-images",
            description = "Where the summary, base images and failing cases go. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Per command. Default: ${DEFAULT-VALUE}.")
    int timeout;

    @Option(names = "--jar", paramLabel = "PATH",
            description = "Run the commands with this faultline.jar instead of this one (to compare two versions).")
    Path jar;

    @Option(names = "--only", paramLabel = "CLASS",
            description = "Only this mutation class (its images of the full campaign: same index, same bytes).")
    String only;

    @Option(names = "--keep", description = "Keep every image's directory (work/NNNNN), not only the failing ones.")
    boolean keep;

    @Option(names = "--first", paramLabel = "I", defaultValue = "0",
            description = "Index of the first image (to rerun a case: --first I --count 1).")
    int first;

    @Option(names = "--no-dedupe", description = {"Run every image, also one byte-identical to an earlier image of the",
        "campaign (by default such a duplicate takes the earlier image's outcomes: the commands are deterministic)."})
    boolean noDedupe;

    @Option(names = "--work", paramLabel = "DIR", description = {"Scratch directory for the images being checked",
        "(default: OUT/work). A tmpfs (/dev/shm) spares the writers' fdatasync on a loaded disk."})
    Path work;

    @Option(names = "--json", description = "Print the summary as one JSON object (progress goes to stderr).")
    boolean json;

    @Option(names = "--no-cds", description = "Do not give the child JVMs a class-data-sharing archive made for the campaign.")
    boolean noCds;

    @Override
    public Integer call() throws IOException {
        if (count < 1 || count > 1_000_000 || jobs < 1 || jobs > 64 || timeout < 1 || timeout > 3600 || first < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--count 1..1000000, --jobs 1..64, --timeout 1..3600 seconds, --first >= 0");
        }
        if (only != null && java.util.Arrays.stream(Mutation.values()).noneMatch(m -> m.name().equals(only))) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--only " + only + ": one of "
                    + java.util.Arrays.toString(Mutation.values()));
        }
        PrintWriter o = json ? spec.commandLine().getErr() : spec.commandLine().getOut();
        Stopwatch sw = new Stopwatch();
        Files.createDirectories(out);
        e2fsck = onPath("e2fsck");
        List<ImageFuzz.Base> bases = ImageFuzz.makeBases(out.resolve("base"), onPath("mkfs.ext4"));
        cds = noCds ? null : makeCdsArchive(out.resolve("base"), bases.get(0));
        o.printf(Locale.ROOT, "fuzz images: %d images from seed %d, %d mutation classes, bases %s, %d jobs%s%n", count,
                seed, ImageFuzz.classes(), bases.stream().map(ImageFuzz.Base::name).toList(), jobs,
                cds == null ? "" : ", child JVMs with class-data sharing (" + cds.getFileName() + ")");
        o.flush();
        Campaign c = new Campaign(bases, e2fsck, o);
        c.run();
        double secs = sw.elapsedNs() / 1e9;
        String summary = c.summary(secs);
        Files.writeString(out.resolve("summary.txt"), summary, StandardCharsets.UTF_8);
        if (json) {
            PrintWriter w = spec.commandLine().getOut();
            w.println(c.json(secs));
            w.flush();
        } else {
            o.print(summary);
            o.println("summary: " + out.resolve("summary.txt"));
            o.flush();
        }
        return failures.isEmpty() ? 0 : 4;
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        for (String d : (path == null ? "" : path + ":/usr/sbin:/sbin").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    /** One image going through its commands. */
    private final class Job {
        final ImageFuzz.Case c;
        final Path dir;
        final Path img;
        int step;
        Process proc;
        Stopwatch started;
        /** The image's bytes before a read-only command (null before a writer: nothing to compare). */
        byte[] before;
        final List<String> failures = new ArrayList<>();
        int fsckExit = -1;
        long largest;
        int e2fsckExit = -1;
        final StringBuilder log = new StringBuilder();
        /** What this image counted, in order, for a later byte-identical image (dedupe). */
        final List<Map.Entry<Map<String, Integer>, String>> tallies = new ArrayList<>();
        /** Each command's exit, by name. */
        final List<Map.Entry<String, String>> exitNames = new ArrayList<>();
        String disagreement;
        /** SHA-256 of the image's bytes, or null without dedupe. */
        String hash;

        Job(ImageFuzz.Case c) throws IOException {
            this.c = c;
            this.dir = Files.createDirectories(workDir().resolve(String.format(Locale.ROOT, "%05d", c.index())));
            this.img = dir.resolve("image.img");
            Files.write(img, c.bytes());
            Files.createDirectories(dir.resolve("cp-out"));
        }

        /** Steps: the checks, with e2fsck -fn after fsck. */
        int steps() {
            return ImageFuzz.CHECKS.size() + (e2fsck ? 1 : 0);
        }

        ImageFuzz.Check check() {
            int fsckAt = 3;
            if (e2fsck && step == fsckAt + 1) {
                return new ImageFuzz.Check("e2fsck", true, List.of("e2fsck", "-fn", "IMG"));
            }
            return ImageFuzz.CHECKS.get(e2fsck && step > fsckAt ? step - 1 : step);
        }

        void start() throws IOException {
            ImageFuzz.Check ch = check();
            List<String> cmd = new ArrayList<>();
            if (!ch.name().equals("e2fsck")) {
                cmd.addAll(javaCommand());
            }
            cmd.addAll(ch.argsFor(img, dir.resolve("cp-out"), out.resolve("base").resolve("src")));
            before = ch.readOnly() && !ch.name().equals("e2fsck") ? Files.readAllBytes(img) : null;
            // cat's output is the files' bytes, maybe gigabytes of a damaged size: not kept
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ch.name().equals("cat")
                            ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(dir.resolve(ch.name() + ".stdout").toFile()))
                    .redirectError(dir.resolve(ch.name() + ".stderr").toFile());
            pb.environment().remove("FAULTLINE_DEBUG");
            proc = pb.start();
            started = new Stopwatch();
            log.append("$ faultline ").append(String.join(" ", ch.argsFor(img, dir.resolve("cp-out"), out.resolve("base").resolve("src")))).append('\n');
        }

        /** Counts {@code k} in {@code m}, and remembers it for a later byte-identical image. */
        void tally(Map<String, Integer> m, String k) {
            ImageFuzz.count(m, k);
            tallies.add(Map.entry(m, k));
        }

        /** True when this step ended (and its outcome was judged). */
        boolean poll() throws IOException {
            boolean timedOut = false;
            boolean runaway = false;
            if (proc.isAlive()) {
                // e2fsck -n on some damage (an inode table at block 0) prints "Error writing block" for ever
                runaway = check().name().equals("e2fsck") && Files.size(dir.resolve("e2fsck.stdout")) > E2FSCK_OUTPUT_LIMIT;
                if (!runaway && started.elapsedNs() < timeout * 1_000_000_000L) {
                    return false;
                }
                proc.descendants().forEach(ProcessHandle::destroyForcibly);
                proc.destroyForcibly();
                try {
                    proc.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                timedOut = !runaway;
            }
            ImageFuzz.Check ch = check();
            String so = head(dir.resolve(ch.name() + ".stdout"));
            String se = head(dir.resolve(ch.name() + ".stderr"));
            int exit = timedOut || runaway ? -1 : proc.exitValue();
            String exitName = runaway ? "stopped after " + (E2FSCK_OUTPUT_LIMIT >> 20) + " MiB of problems"
                    : timedOut ? "timeout" : "exit " + exit;
            log.append("exit ").append(timedOut ? "TIMEOUT" : runaway ? exitName : exit).append('\n');
            ImageFuzz.Outcome oc = new ImageFuzz.Outcome(exit, timedOut, so, se);
            exits.computeIfAbsent(ch.name(), k -> new TreeMap<>()).merge(exitName, 1, Integer::sum);
            exitNames.add(Map.entry(ch.name(), exitName));
            seconds.merge(ch.name(), started.elapsedNs() / 1e9, Double::sum);
            if (ch.name().equals("e2fsck")) {
                e2fsckExit = runaway ? 4 : exit; // problems were found: not clean, whatever it would have said last
                if (runaway) {
                    Files.write(dir.resolve("e2fsck.stdout"), so.getBytes(StandardCharsets.UTF_8)); // its head only
                }
            } else {
                if (ch.name().equals("fsck")) {
                    fsckExit = exit;
                }
                if (ch.name().equals("stat")) {
                    largest = ImageFuzz.largestSize(so);
                }
                if (ch.name().equals("cp")) {
                    deleteTree(dir.resolve("cp-out")); // copies of damaged sizes can be large
                    Files.createDirectories(dir.resolve("cp-out"));
                }
                boolean changed = before != null && !java.util.Arrays.equals(before, Files.readAllBytes(img));
                String why = ImageFuzz.judge(ch, oc, changed);
                if (why != null && ImageFuzz.slowNotHung(ch, oc, largest)) {
                    tally(slow, ch.name() + " of a file of " + largest + " bytes: timeout while copying "
                            + "(a valid but large size; not counted as a hang)");
                    why = null;
                }
                if (why != null) {
                    failures.add(ch.name() + ": " + why);
                    tally(byClass, why);
                    tally(byMutation, c.mutationName());
                }
            }
            step++;
            return true;
        }

        void finish() throws IOException {
            if (fsckExit >= 0 && e2fsckExit >= 0) {
                boolean a = ImageFuzz.clean(fsckExit);
                boolean b = ImageFuzz.clean(e2fsckExit);
                tally(agreement, "faultline fsck " + (a ? "clean" : "not clean (exit " + fsckExit + ")")
                        + ", e2fsck -fn " + (b ? "clean" : "not clean"));
                if (a != b) {
                    disagreement = String.format(Locale.ROOT, "fsck exit %d, e2fsck exit %d", fsckExit, e2fsckExit);
                    disagreements.add(String.format(Locale.ROOT, "%05d %-15s %s: %s", c.index(), c.mutationName(),
                            disagreement, c.what()));
                }
            }
            if (!failures.isEmpty()) {
                Path keep = out.resolve("failures").resolve(String.format(Locale.ROOT, "%05d-%s", c.index(), c.mutationName()));
                Files.createDirectories(keep.getParent());
                deleteTree(keep);
                moveTree(dir, keep); // --work may be another filesystem
                Files.write(keep.resolve("image.img"), c.bytes()); // as mutated, before boot wrote it
                Files.writeString(keep.resolve("case.txt"), "image " + c.index() + " of seed " + seed + " (rerun: faultline fuzz images --seed "
                        + seed + " --first " + c.index() + " --count 1)\nbase " + c.base() + "\nmutation " + c.mutationName()
                        + ": " + c.what() + "\nfailures:\n  " + String.join("\n  ", failures) + "\n\n" + log);
                ImageFuzzCommand.this.failures.add(String.format(Locale.ROOT, "%05d %-15s %s | %s", c.index(),
                        c.mutationName(), c.what(), String.join("; ", failures)));
            } else if (!keep) {
                deleteTree(dir);
            }
        }
    }

    /** e2fsck output beyond which it is stopped: it has reported problems (not clean) and may never end. */
    static final long E2FSCK_OUTPUT_LIMIT = 4L << 20;

    /**
     * The child JVM: a small heap, the serial collector and only the C1 compiler (the commands run
     * for a fraction of a second, where JVM start-up dominates), and the campaign's class-data-sharing
     * archive when there is one.
     */
    private List<String> javaCommand() {
        return javaCommand(cds == null ? List.of() : List.of("-XX:SharedArchiveFile=" + cds));
    }

    private List<String> javaCommand(List<String> extra) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> l = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xmx512m"));
        l.addAll(extra);
        l.addAll(List.of("--add-opens", "java.base/java.nio=ALL-UNNAMED", "-cp",
                jar != null ? jar.toAbsolutePath().toString() : System.getProperty("java.class.path"),
                "org.faultline.tools.Faultline"));
        return l;
    }

    /**
     * A dynamic class-data-sharing archive for the child JVMs ({@code -XX:ArchiveClassesAtExit}), made
     * once per campaign by a {@code boot} on a copy of a base image (it loads most classes any command
     * needs): each child then maps those classes instead of loading, verifying and linking them from
     * the jar. Null (the children run without) if making or using it fails or prints anything.
     */
    private Path makeCdsArchive(Path dir, ImageFuzz.Base base) throws IOException {
        Path jsa = dir.resolve("faultline.jsa");
        Path img = dir.resolve("cds-probe.img");
        Files.deleteIfExists(jsa);
        Files.write(img, base.bytes());
        try {
            List<String> dump = javaCommand(List.of("-XX:ArchiveClassesAtExit=" + jsa, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
            dump.addAll(List.of("boot", "--image", img.toString(), "--size", "256k", "--ram", "16M", "--no-capture"));
            if (ImageFuzz.exec(dump) != 0 || !Files.exists(jsa)) {
                return null;
            }
            List<String> probe = javaCommand(List.of("-XX:SharedArchiveFile=" + jsa));
            probe.addAll(List.of("fsck", img.toString()));
            Process p = new ProcessBuilder(probe).redirectErrorStream(true).start();
            byte[] said = p.getInputStream().readAllBytes();
            String s = new String(said, StandardCharsets.UTF_8);
            if (p.waitFor() != 0 || s.contains("warning") || s.contains("error") || s.contains("CDS")) {
                return null;
            }
            return jsa;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } finally {
            Files.deleteIfExists(img);
        }
    }

    /** What an image that ran counted: for its byte-identical duplicates. */
    private record Done(int index, List<Map.Entry<Map<String, Integer>, String>> tallies,
                        List<Map.Entry<String, String>> exitNames, String disagreement, List<String> failures) {
    }

    private Path cds;
    final Map<String, Double> seconds = new TreeMap<>();
    int duplicates;

    private boolean e2fsck;
    final Map<String, Map<String, Integer>> exits = new TreeMap<>();
    final Map<String, Integer> byClass = new TreeMap<>();
    final Map<String, Integer> byMutation = new TreeMap<>();
    final Map<String, Integer> slow = new TreeMap<>();
    final Map<String, Integer> agreement = new TreeMap<>();
    final List<String> disagreements = new ArrayList<>();
    final List<String> failures = new ArrayList<>();

    /** Runs the images, up to --jobs at once, polling the child processes (no threads of ours). */
    private final class Campaign {
        final List<ImageFuzz.Base> bases;
        final boolean e2fsckOn;
        final PrintWriter o;

        Campaign(List<ImageFuzz.Base> bases, boolean e2fsck, PrintWriter o) {
            this.bases = bases;
            this.e2fsckOn = e2fsck;
            this.o = o;
        }

        void run() throws IOException {
            List<Job> active = new ArrayList<>();
            int next = first;
            int done = 0;
            while (done < count) {
                while (active.size() < jobs && next < first + count) {
                    int idx = next++;
                    if (only != null) {
                        idx = idx * ImageFuzz.classes() + Mutation.valueOf(only).ordinal();
                    }
                    ImageFuzz.Case cs = ImageFuzz.mutate(bases, seed, idx);
                    String hash = noDedupe ? null : ImageFuzz.sha256(cs.bytes());
                    Done same = hash == null ? null : doneByHash.get(hash);
                    if (same != null) {
                        replay(cs, same);
                        done++;
                        continue;
                    }
                    Job j = new Job(cs);
                    j.hash = hash;
                    j.start();
                    active.add(j);
                }
                boolean progressed = false;
                for (Job j : List.copyOf(active)) {
                    if (j.poll()) {
                        progressed = true;
                        if (j.step < j.steps()) {
                            j.start();
                        } else {
                            j.finish();
                            if (j.hash != null) {
                                doneByHash.putIfAbsent(j.hash, new Done(j.c.index(), List.copyOf(j.tallies),
                                        List.copyOf(j.exitNames), j.disagreement, List.copyOf(j.failures)));
                            }
                            active.remove(j);
                            done++;
                            if (done % 10 == 0 || !j.failures.isEmpty()) {
                                o.printf(Locale.ROOT, "  %d/%d images, %d failing%s%n", done, count, failures.size(),
                                        j.failures.isEmpty() ? "" : ": " + failures.get(failures.size() - 1));
                                o.flush();
                            }
                        }
                    }
                }
                if (!progressed && !active.isEmpty()) {
                    try {
                        active.get(0).proc.waitFor(5, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted");
                    }
                }
            }
            if (!keep) {
                deleteTree(workDir());
            }
        }

        /** Outcomes of the images run so far, by the SHA-256 of their bytes. */
        final Map<String, Done> doneByHash = new java.util.HashMap<>();

        /** Counts a byte-identical duplicate of an image already run with that image's outcomes. */
        void replay(ImageFuzz.Case cs, Done d) {
            duplicates++;
            d.tallies().forEach(t -> ImageFuzz.count(t.getKey(), t.getValue()));
            d.exitNames().forEach(e -> exits.computeIfAbsent(e.getKey(), k -> new TreeMap<>()).merge(e.getValue(), 1, Integer::sum));
            String same = String.format(Locale.ROOT, " (same bytes as image %05d)", d.index());
            if (d.disagreement() != null) {
                disagreements.add(String.format(Locale.ROOT, "%05d %-15s %s: %s%s", cs.index(), cs.mutationName(),
                        d.disagreement(), cs.what(), same));
            }
            if (!d.failures().isEmpty()) {
                failures.add(String.format(Locale.ROOT, "%05d %-15s %s | %s%s", cs.index(), cs.mutationName(), cs.what(),
                        String.join("; ", d.failures()), same));
            }
        }

        /** The summary as one JSON object: counts, tallies per command and class, the failing cases. */
        Json json(double secs) {
            Json j = new Json().put("images", count).put("seed", seed).put("first", first)
                    .put("mutation_classes", ImageFuzz.classes()).put("seconds", secs, 1)
                    .put("images_failing", failures.size()).put("duplicates", duplicates);
            Json ex = new Json();
            exits.forEach((k, v) -> ex.putCounts(k, v));
            j.put("exits", ex).putCounts("failures_by_class", byClass).putCounts("failures_by_mutation", byMutation)
                    .putCounts("slow", slow);
            if (e2fsckOn) {
                j.putCounts("fsck_vs_e2fsck", agreement).put("disagreements", disagreements.size());
            }
            return j.put("summary", out.resolve("summary.txt").toString());
        }

        String summary(double secs) {
            StringBuilder s = new StringBuilder();
            s.append(String.format(Locale.ROOT, "%nimages %d (seed %d, first %d), %d mutation classes, %.0f s, "
                    + "%d images with failures%n", count, seed, first, ImageFuzz.classes(), secs, failures.size()));
            if (duplicates > 0) {
                s.append(String.format(Locale.ROOT, "%d of them byte-identical to an earlier image: not run again, counted "
                        + "with that image's outcomes (--no-dedupe runs them)%n", duplicates));
            }
            s.append("\ntime per command (child processes, summed over the images run):\n");
            seconds.forEach((k, v) -> s.append(String.format(Locale.ROOT, "  %-7s %7.1f s%n", k, v)));
            s.append("\nexit codes per command:\n");
            exits.forEach((k, v) -> s.append(String.format(Locale.ROOT, "  %-7s %s%n", k, v)));
            s.append("\nfailures by class (commands):").append(byClass.isEmpty() ? " none\n" : "\n");
            byClass.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                    .forEach(e -> s.append(String.format(Locale.ROOT, "  %5d  %s%n", e.getValue(), e.getKey())));
            if (!slow.isEmpty()) {
                s.append("\nslow, not hung (not counted):\n");
                slow.forEach((k, v) -> s.append(String.format(Locale.ROOT, "  %5d  %s%n", v, k)));
            }
            s.append("\nfailing commands by mutation class:").append(byMutation.isEmpty() ? " none\n" : "\n");
            byMutation.forEach((k, v) -> s.append(String.format(Locale.ROOT, "  %5d  %s%n", v, k)));
            if (e2fsckOn) {
                s.append("\nfaultline fsck vs e2fsck -fn (clean = exit 0):\n");
                agreement.forEach((k, v) -> s.append(String.format(Locale.ROOT, "  %5d  %s%n", v, k)));
                s.append("disagreements: ").append(disagreements.size()).append('\n');
                disagreements.stream().sorted().forEach(d -> s.append("  ").append(d).append('\n'));
            }
            if (!failures.isEmpty()) {
                s.append("\nfailing images (kept in ").append(out.resolve("failures")).append("):\n");
                failures.stream().sorted().forEach(f -> s.append("  ").append(f).append('\n'));
            }
            return s.toString();
        }
    }

    private static String head(Path p) throws IOException {
        if (!Files.exists(p)) {
            return "";
        }
        byte[] b;
        try (var in = Files.newInputStream(p)) {
            b = in.readNBytes(1 << 16);
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    /** The scratch directory (--work, else OUT/work); with --keep under --out as before. */
    private Path workDir() {
        return work != null ? work : out.resolve("work");
    }

    /** Moves a directory tree, also across filesystems (copy, then delete). */
    private static void moveTree(Path from, Path to) throws IOException {
        try {
            Files.move(from, to);
            return;
        } catch (IOException e) {
            // another filesystem: copy below
        }
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.sorted().toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        deleteTree(from);
    }

    private static void deleteTree(Path d) throws IOException {
        if (!Files.exists(d)) {
            return;
        }
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}

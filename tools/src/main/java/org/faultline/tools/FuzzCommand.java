package org.faultline.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.faultline.kernel.KernelProfile;
import org.faultline.tools.fuzz.Campaign;
import org.faultline.tools.fuzz.Finding;
import org.faultline.tools.fuzz.HostChecks;
import org.faultline.tools.fuzz.OpsGenerator;
import org.faultline.tools.fuzz.SequenceChecker;
import org.faultline.tools.workload.WorkloadException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code faultline fuzz}: the fuzzers. {@code ops}: random system-call sequences against the oracle and
 * the host kernel; {@code images}: corrupt images through every command
 * ({@link org.faultline.tools.fuzz.ImageFuzzCommand}). Another fuzzer is one more command class in
 * {@code subcommands} below.
 */
@Command(name = "fuzz", mixinStandardHelpOptions = true,
        description = "Fuzz campaigns: random system calls against the oracle and the host kernel (ops), corrupt images (images).",
        subcommands = {FuzzCommand.Ops.class, org.faultline.tools.fuzz.ImageFuzzCommand.class})
final class FuzzCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Faultline.EXIT_USAGE;
    }

    /**
     * {@code faultline fuzz ops}: seeded random single-task workloads, each run by Faultline on a fresh
     * image and checked (oracle, fsck, the image offline, the host kernel's loop mount, e2fsck, and with
     * {@code --vs-host} the same system calls on the host kernel); failures shrunk to minimal workload
     * files in {@code --out}. Exit 4 if anything mismatched, 0 if not, 2 on bad usage.
     */
    @Command(name = "ops", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Generate random system-call sequences (every workload statement kind), run each through "
                    + "Faultline on a fresh ext4 image, and compare with the oracle, the host kernel's loop mount of the "
                    + "image and e2fsck -fn; failing sequences shrink to minimal workload files.",
                "Sequence i of a campaign is generated from seed S+i: '--seed S+i --count 1' runs it again."})
    static final class Ops implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--count", paramLabel = "N", defaultValue = "100", description = "sequences (default: ${DEFAULT-VALUE})")
        int count;

        @Option(names = "--ops", paramLabel = "N", defaultValue = "100", description = "statements per sequence (default: ${DEFAULT-VALUE})")
        int ops;

        @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "seed of the first sequence (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--jobs", paramLabel = "J", defaultValue = "1", description = "sequences checked in parallel (default: ${DEFAULT-VALUE})")
        int jobs;

        @Option(names = "--out", paramLabel = "DIR", defaultValue = "fuzz-out",
                description = "where minimal failing workloads are written (default: ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--json", description = "print the summary as one JSON object (progress goes to stderr)")
        boolean json;

        @Option(names = "--kernel", paramLabel = "PROFILE",
                description = "kernel profile (default: the newest, as the host checks compare with today's kernel; "
                        + "6.6 differs from it, e.g. in zeroing what a mapping stored past EOF when the size grows)")
        String kernel;

        @Option(names = "--vs-host", description = "also run the same system calls on the host kernel (a loop-mounted "
                + "scratch ext4 image) and compare every result and the final files")
        boolean vsHost;

        @Option(names = "--require-host", description = "refuse to run (exit 2) if the host checks (loop mount, e2fsck) are impossible")
        boolean requireHost;

        @Option(names = "--no-host", description = "skip the host checks (loop mount, e2fsck, --vs-host)")
        boolean noHost;

        @Option(names = "--shrink", paramLabel = "N", defaultValue = "8",
                description = "failing sequences to shrink, distinct failure titles first (default: ${DEFAULT-VALUE})")
        int shrink;

        @Option(names = "--shrink-checks", paramLabel = "N", defaultValue = "400",
                description = "budget of re-checks per shrink (default: ${DEFAULT-VALUE})")
        int shrinkChecks;

        @Option(names = "--tasks", paramLabel = "N", defaultValue = "1",
                description = "concurrent tasks per sequence, each on its own directory, barriers between phases; "
                        + "more than one: no near-full phase and no --vs-host (default: ${DEFAULT-VALUE})")
        int tasks;

        @Option(names = "--fill-percent", paramLabel = "P", defaultValue = "10",
                description = "percentage of sequences with a near-full phase (default: ${DEFAULT-VALUE})")
        int fillPercent;

        @Option(names = "--image-size", paramLabel = "SIZE", defaultValue = "32M", converter = Sizes.Converter.class,
                description = "image per sequence (default: ${DEFAULT-VALUE})")
        long imageSize;

        @Option(names = "--hung-task-timeout", paramLabel = "MS", defaultValue = "10000",
                description = "a Faultline task blocked this long (host milliseconds) is reported hung (default: ${DEFAULT-VALUE})")
        long hungTaskTimeoutMs;

        @Option(names = "--scratch", paramLabel = "DIR",
                description = "directory for the images and mount points (default: a fresh temporary directory)")
        Path scratch;

        @Option(names = "--mkfs", paramLabel = "faultline|host[:BLOCKSIZE]", defaultValue = "faultline",
                description = "who makes each sequence's image: Faultline's mkfs (no journal, no checksums), or the "
                        + "host's mkfs.ext4 with its default features; blocks of 4 KiB unless :1024 or :2048 follows "
                        + "(default: ${DEFAULT-VALUE})")
        String mkfs;

        @Option(names = "--replay", paramLabel = "FILE", arity = "1..*",
                description = "check these workload files (e.g. minimal ones written by an earlier campaign) instead of generating")
        List<Path> replay;

        @Option(names = "--show", description = "print the generated workloads (seed S .. S+N-1) and exit; nothing is run")
        boolean show;

        @Override
        public Integer call() throws IOException {
            if (count < 1 || ops < 1 || ops > 100_000 || jobs < 1 || jobs > 64 || shrink < 0 || shrinkChecks < 0
                    || fillPercent < 0 || fillPercent > 100 || tasks < 1 || tasks > 8) {
                throw new CliError("--count and --ops must be positive (--ops at most 100000), --jobs between 1 and 64, "
                        + "--shrink and --shrink-checks at least 0, --fill-percent 0..100, --tasks 1..8");
            }
            if (hungTaskTimeoutMs < 100) {
                throw new CliError("--hung-task-timeout " + hungTaskTimeoutMs + ": at least 100 ms");
            }
            if (imageSize < (16L << 20) || imageSize > (1L << 30)) {
                throw new CliError("--image-size " + Sizes.format(imageSize) + ": must be between 16M and 1G");
            }
            String mkfsWho = mkfs.replaceFirst(":.*", "");
            String mkfsBs = mkfs.contains(":") ? mkfs.substring(mkfs.indexOf(':') + 1) : "4096";
            if (!mkfsWho.equals("faultline") && !mkfsWho.equals("host")
                    || !mkfsBs.equals("1024") && !mkfsBs.equals("2048") && !mkfsBs.equals("4096")) {
                throw new CliError("--mkfs " + mkfs + ": faultline or host, optionally :1024, :2048 or :4096 (the block size)");
            }
            if (noHost && (requireHost || vsHost)) {
                throw new CliError("--no-host contradicts --require-host and --vs-host");
            }
            KernelProfile profile;
            try {
                profile = kernel == null ? KernelProfile.newest() : KernelProfile.byName(kernel);
            } catch (IllegalArgumentException e) {
                throw new CliError(e.getMessage());
            }
            PrintWriter pw = spec.commandLine().getOut();
            if (show) {
                OpsGenerator gen = new OpsGenerator(OpsGenerator.Options.defaults().withOps(ops).withFillPercent(fillPercent)
                        .withImageBytes(imageSize).withTasks(tasks));
                for (int i = 0; i < count; i++) {
                    pw.print(gen.generate(seed + i).text(List.of("faultline fuzz ops: sequence " + (seed + i))));
                }
                pw.flush();
                return 0;
            }
            PrintWriter progress = json ? spec.commandLine().getErr() : pw;
            boolean tmp = scratch == null;
            Path dir = tmp ? Files.createTempDirectory("faultline-fuzz") : Files.createDirectories(scratch);
            try {
                boolean host = !noHost;
                boolean e2fsck = !noHost;
                if (host) {
                    String why = HostChecks.probeLoopMount(dir);
                    if (why != null) {
                        if (requireHost) {
                            throw new CliError("--require-host: " + why);
                        }
                        progress.println("fuzz: " + why + ": running without the host checks (loop mount, --vs-host)");
                        host = false;
                    }
                    String why2 = HostChecks.probeE2fsck();
                    if (why2 != null) {
                        if (requireHost) {
                            throw new CliError("--require-host: " + why2);
                        }
                        progress.println("fuzz: " + why2 + ": running without e2fsck -fn");
                        e2fsck = false;
                    }
                }
                SequenceChecker checker = new SequenceChecker(new SequenceChecker.Options(profile, host, e2fsck,
                        vsHost && host, dir, hungTaskTimeoutMs, mkfsWho.equals("host"), Integer.parseInt(mkfsBs)));
                if (replay != null) {
                    return replay(checker, pw);
                }
                OpsGenerator.Options g = OpsGenerator.Options.defaults().withOps(ops).withFillPercent(fillPercent)
                        .withImageBytes(imageSize).withTasks(tasks);
                Campaign c = new Campaign(new Campaign.Options(seed, count, jobs, g, shrink, shrinkChecks, out), checker);
                long every = Math.max(1, count / 20);
                progress.printf(Locale.ROOT, "fuzz ops: %d sequences of %d statements%s from seed %d, kernel %s, %d job%s%s; "
                                + "checks: oracle, fsck, image%s%s%s%n", count, ops, tasks == 1 ? "" : " in " + tasks + " tasks",
                        seed, profile.name(), jobs, jobs == 1 ? "" : "s",
                        mkfs.equals("faultline") ? "" : ", images by mkfs " + mkfs, host ? ", host mount" : "",
                        e2fsck ? ", e2fsck" : "",
                        vsHost && host && tasks == 1 ? ", vs-host" : "");
                progress.flush();
                Campaign.Summary s = c.run(new Campaign.Listener() {
                    @Override
                    public void checked(long done, long failing) {
                        if (done % every == 0 || done == count) {
                            progress.printf(Locale.ROOT, "  checked %d/%d sequences, %d failing%n", done, count, failing);
                            progress.flush();
                        }
                    }

                    @Override
                    public void note(String line) {
                        progress.println("  " + line);
                        progress.flush();
                    }
                });
                print(s, pw);
                return s.failing().isEmpty() ? 0 : 4;
            } finally {
                if (tmp) {
                    deleteTree(dir);
                }
            }
        }

        private int replay(SequenceChecker checker, PrintWriter out) throws IOException {
            int bad = 0;
            for (Path p : replay) {
                SequenceChecker.Input in;
                try {
                    in = SequenceChecker.Input.ofFile(Files.readString(p, StandardCharsets.UTF_8), p.toString());
                } catch (WorkloadException e) {
                    throw new CliError(e.getMessage());
                } catch (IOException e) {
                    throw new CliError(p + ": " + e.getMessage());
                }
                SequenceChecker.Result r = checker.check(in, null);
                if (json) {
                    Json j = new Json().put("file", p.toString()).put("ok", r.ok()).put("statements", r.statements())
                            .put("near_enospc_tolerated", r.tolerated());
                    for (Finding f : r.findings()) {
                        j.put(f.kind().label, f.title());
                    }
                    out.println(j);
                } else {
                    out.println(p + ": " + (r.ok() ? "ok" : r.findings().size() + " mismatch" + (r.findings().size() == 1 ? "" : "es"))
                            + (r.tolerated() > 0 ? " (" + r.tolerated() + " near-ENOSPC outcome" + (r.tolerated() == 1 ? "" : "s")
                            + " tolerated)" : ""));
                    for (Finding f : r.findings()) {
                        out.println("  " + f);
                    }
                }
                bad += r.ok() ? 0 : 1;
            }
            return bad == 0 ? 0 : 4;
        }

        private void print(Campaign.Summary s, PrintWriter out) {
            double secs = s.elapsedNs() / 1e9;
            if (json) {
                Json j = new Json().put("sequences", s.sequences()).put("statements", s.statements())
                        .put("failing", s.failing().size()).put("seconds", secs, 1)
                        .put("near_enospc_tolerated", s.tolerated());
                for (Map.Entry<Finding.Kind, Integer> e : s.byKind().entrySet()) {
                    j.put("mismatch_" + e.getKey().label, e.getValue());
                }
                List<String> files = new ArrayList<>();
                for (Campaign.Minimal m : s.minimal()) {
                    files.add(m.file() == null ? "" : m.file().toString());
                }
                j.put("minimal", String.join(",", files));
                out.println(j);
                return;
            }
            out.printf(Locale.ROOT, "%nsequences  %d (%d statements) in %.1f s (%.1f sequences/s)%n", s.sequences(),
                    s.statements(), secs, s.sequences() / Math.max(secs, 1e-9));
            out.printf(Locale.ROOT, "failing    %d%n", s.failing().size());
            if (s.tolerated() > 0) {
                out.printf(Locale.ROOT, "tolerated  %d sequence%s ran out of space a few blocks apart from the host "
                        + "(documented deviation, docs/testing.md)%n", s.tolerated(), s.tolerated() == 1 ? "" : "s");
            }
            for (Map.Entry<Finding.Kind, Integer> e : s.byKind().entrySet()) {
                out.printf(Locale.ROOT, "  %-16s %d%n", e.getKey().label, e.getValue());
            }
            if (!s.minimal().isEmpty()) {
                out.println("minimal failing workloads (distinct kind and statement shape):");
                for (Campaign.Minimal m : s.minimal()) {
                    out.printf(Locale.ROOT, "  %s  %d statements: %s%n", m.file() == null ? "(not written)" : m.file(),
                            m.outcome().minimal().ops().size(), m.outcome().finding());
                }
            }
            out.println("result     " + (s.failing().isEmpty() ? "ok" : "MISMATCH"));
        }

        private static void deleteTree(Path dir) {
            try {
                Images.deleteTree(dir);
            } catch (IOException e) {
                // a leftover temporary directory
            }
        }
    }
}

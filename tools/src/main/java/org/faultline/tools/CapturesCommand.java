package org.faultline.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.faultline.images.capture.CaptureStore;
import org.faultline.images.capture.CaptureStoreException;
import org.faultline.images.capture.CapturedDisk;
import org.faultline.images.capture.Manifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code faultline captures}: the failures in the capture store (docs/captures.md) — list them, show
 * one (report, workload, schedule, kernel log, the whole trace), export its disk as an image file,
 * remove captures.
 */
@Command(name = "captures", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List the captured failures (newest last); show, export (image, JUnit test), pack, minimize, rm.",
            "The store: --store DIR, else $FAULTLINE_STORE, else ~/.faultline/store."},
        subcommands = {CapturesCommand.Show.class, CapturesCommand.Export.class, CapturesCommand.Pack.class,
            CapturesCommand.Unpack.class, CapturesCommand.Minimize.class, CapturesCommand.Rm.class,
            CapturesCommand.Gc.class})
final class CapturesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOption store;

    @Option(names = "--json", description = "one JSON object per capture, a line each")
    boolean json;

    /** A subcommand on the store: {@code --store DIR} and the command's output. */
    abstract static class OnStore implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        StoreOption store;

        /** @return the store, opened (one line and exit 2 if it cannot be) */
        CaptureStore open() {
            return Captures.open(store.dir, spec);
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }

    /** {@code --store DIR}, shared by the subcommands. */
    static final class StoreOption {
        @Option(names = "--store", paramLabel = "DIR", description = "capture store (default: $FAULTLINE_STORE, else $FAULTLINE_HOME/store, else ~/.faultline/store)")
        Path dir;
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    static String time(long ms) {
        return TIME.format(Instant.ofEpochMilli(ms));
    }


    @Override
    public Integer call() throws CaptureStoreException {
        PrintWriter o = spec.commandLine().getOut();
        try (CaptureStore st = Captures.open(store.dir, spec)) {
            List<CaptureStore.Stored> all = st.list();
            if (json) {
                for (CaptureStore.Stored s : all) {
                    Manifest m = s.manifest();
                    o.println(new Json().put("id", s.id()).put("short_id", s.shortId()).put("time", time(m.capturedAtMs()))
                            .put("kind", m.kind()).put("exit", m.exitCode()).put("scenario", m.scenario())
                            .put("kernel", m.kernel()).put("profile", m.profile()).put("patches", String.join(",", m.patches()))
                            .put("command", m.command()).put("strategy", m.strategy()).put("seed", m.seed())
                            .put("title", m.title()));
                }
            } else if (all.isEmpty()) {
                o.println("no captures in " + st.dir());
            } else {
                Table t = new Table("ID", "TIME", "KIND", "SCENARIO", "KERNEL", "SIGNATURE");
                for (CaptureStore.Stored s : all) {
                    Manifest m = s.manifest();
                    t.row(s.shortId(), time(m.capturedAtMs()), m.kind(), m.scenario(), m.kernel(), m.title());
                }
                t.print(o, "");
            }
        }
        o.flush();
        return 0;
    }

    /** {@code captures show ID}: what failed, how, and what the kernel said. */
    @Command(name = "show", mixinStandardHelpOptions = true, description = "The report, workload, schedule and kernel "
            + "log tail of a capture; --trace for the whole trace (one event per line: step, task, event), --log for the "
            + "whole kernel log.")
    static final class Show extends OnStore {
        @Parameters(paramLabel = "ID", description = "a capture id or a unique prefix of it (4+ hex digits)")
        String id;

        @Option(names = "--trace", description = "print the whole trace instead")
        boolean trace;

        @Option(names = "--log", description = "print the whole kernel log instead")
        boolean log;

        @Override
        public Integer call() throws CaptureStoreException {
            PrintWriter o = out();
            try (CaptureStore st = open()) {
                CaptureStore.Stored s = find(st, id);
                Manifest m = s.manifest();
                if (log) {
                    o.print(st.text(m.log()));
                    o.flush();
                    return 0;
                }
                if (trace) { // made again by the replay, and checked against the captured digest
                    requireSchedule(s);
                    org.faultline.tools.explore.Explorer.Recorded rec;
                    try {
                        rec = Captures.rerun(st, m);
                    } catch (IllegalArgumentException e) {
                        throw new CliError("capture " + s.shortId() + ": " + e.getMessage());
                    }
                    if (!Long.toHexString(rec.result().traceDigest()).equals(m.traceDigest())) {
                        throw new CliError("capture " + s.shortId() + ": its trace cannot be made again here: the replay "
                                + "diverges (captured by faultline " + m.faultline() + ", this is "
                                + Faultline.Version.version() + ")");
                    }
                    rec.trace().forEach(o::println);
                    o.flush();
                    return 0;
                }
                o.printf(Locale.ROOT, "capture %s (%s), %s by %s %s%n", s.shortId(), s.id(), time(m.capturedAtMs()),
                        m.command(), "faultline " + m.faultline());
                o.printf(Locale.ROOT, "failure   %s at step %d, exit %d: %s%n", m.kind(), m.step(), m.exitCode(), m.title());
                o.printf(Locale.ROOT, "workload  %s; kernel %s; %s seed %d%s%n", m.scenario(), m.kernel(),
                        m.strategy(), m.seed(), m.depth() > 0 ? " depth " + m.depth() : "");
                o.printf(Locale.ROOT, "disk      %d bytes, %d writes logged since boot%s%n", m.diskBytes(), m.writes(),
                        m.logComplete() ? "" : " (the log does not rebuild the final disk: export without --at-write)");
                o.printf(Locale.ROOT, "trace     %d events (captures show %s --trace)%n", m.traceEvents(), s.shortId());
                o.println();
                o.print(st.text(m.report()));
                o.println();
                o.println("--- workload ---");
                o.print(st.text(m.workload()));
                o.println("--- schedule ---");
                o.println(m.schedule());
                o.println("--- kernel log (last 20 lines; --log for all) ---");
                List<String> lines = st.text(m.log()).lines().toList();
                lines.subList(Math.max(0, lines.size() - 20), lines.size()).forEach(o::println);
                o.println("--- replay: faultline replay " + s.shortId() + "; the disk: faultline captures export "
                        + s.shortId() + " --image FILE");
            }
            o.flush();
            return 0;
        }
    }

    /** {@code captures export ID --image FILE}: the disk at the failure, or after write N of the log. */
    @Command(name = "export", mixinStandardHelpOptions = true, description = "Write the captured disk to a new image "
            + "file (never overwriting one): as it was at the failure, or --at-write N after write N of the block "
            + "write log (0: at boot). e2fsck -fn, debugfs and a loop mount open it.")
    static final class Export extends OnStore {
        @Parameters(paramLabel = "ID", description = "a capture id or a unique prefix of it")
        String id;

        @Option(names = "--image", paramLabel = "FILE", description = "the image file to create")
        Path image;

        @Option(names = "--junit", paramLabel = "DIR", description = "write a JUnit 5 test that replays the capture "
                + "and asserts its signature (workload and schedule in its source) into DIR instead")
        Path junit;

        @Option(names = "--package", paramLabel = "NAME", defaultValue = "faultline.captured",
                description = "the exported test's package (default: ${DEFAULT-VALUE})")
        String pkg;

        @Option(names = "--at-write", paramLabel = "N", description = "the disk after write N of the log instead (0: at boot)")
        Long atWrite;

        @Option(names = "--writes", description = "list the block write log instead (one entry a line)")
        boolean writes;

        @Override
        public Integer call() throws IOException {
            PrintWriter o = out();
            try (CaptureStore st = open()) {
                CaptureStore.Stored stored = find(st, id);
                Manifest m = stored.manifest();
                if (junit != null) {
                    requireSchedule(stored);
                    Path f = JunitExport.write(junit, pkg, stored, st.text(m.workload()));
                    o.println(f + ": replays capture " + stored.shortId() + " and asserts " + m.kind() + " " + m.title());
                    o.flush();
                    return 0;
                }
                if (image == null && !writes) {
                    throw new CliError("export needs --image FILE, --junit DIR or --writes");
                }
                if (writes) {
                    for (CapturedDisk.Write w : CapturedDisk.writeLog(st, m.writeLog())) {
                        o.println(w.describe());
                    }
                    o.flush();
                    return 0;
                }
                if (atWrite != null && (atWrite < 0 || atWrite > m.writes())) {
                    throw new CliError("--at-write " + atWrite + ": the log has writes 1.." + m.writes() + " (0: the disk at boot)");
                }
                if (atWrite != null && m.writes() == 0 && atWrite == 0) {
                    // the disk at boot: the base map, whatever the log holds
                } else if (atWrite != null && !m.logComplete()) {
                    throw new CliError("capture " + id + ": its write log does not rebuild the disk; export it at the failure "
                            + "(without --at-write)");
                }
                try {
                    CapturedDisk.export(st, m, atWrite == null ? -1 : atWrite, image);
                } catch (CaptureStoreException e) {
                    throw new CliError(e.getMessage());
                } catch (IOException e) {
                    throw new CliError(HostErrors.of(image, e));
                }
                o.printf(Locale.ROOT, "%s: the disk of capture %s %s (%d bytes)%n", image, id,
                        atWrite == null ? "at the failure (" + m.kind() + ", step " + m.step() + ")"
                                : atWrite == 0 ? "at boot" : "after write " + atWrite + " of " + m.writes(), m.diskBytes());
            }
            o.flush();
            return 0;
        }
    }

    /** {@code captures pack ID -o FILE}: one file to send; {@code replay FILE} or {@code captures unpack} take it. */
    @Command(name = "pack", mixinStandardHelpOptions = true, description = "Write a capture with its disk blocks, texts "
            + "and write log to one file (never overwriting one), for another machine: 'faultline replay FILE' replays it, "
            + "'faultline captures unpack FILE' stores it.")
    static final class Pack extends OnStore {
        @Parameters(paramLabel = "ID", description = "a capture id or a unique prefix of it")
        String id;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true, description = "the pack file to create")
        Path output;

        @Override
        public Integer call() throws IOException {
            PrintWriter o = spec.commandLine().getOut();
            if (java.nio.file.Files.exists(output, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new CliError(output + ": exists; a pack never overwrites a file (remove it or name another)");
            }
            try (CaptureStore st = open()) {
                CaptureStore.Stored s = find(st, id);
                long blocks;
                try {
                    blocks = org.faultline.images.capture.CapturePack.pack(st, s, output);
                } catch (CaptureStoreException e) {
                    throw new CliError(e.getMessage());
                } catch (IOException e) {
                    throw new CliError(HostErrors.of(output, e));
                }
                o.printf(Locale.ROOT, "%s: capture %s with %d disk blocks, %d bytes; replay it with: faultline replay %s%n",
                        output, s.shortId(), blocks, java.nio.file.Files.size(output), output);
            }
            o.flush();
            return 0;
        }
    }

    /** {@code captures unpack FILE}. */
    @Command(name = "unpack", mixinStandardHelpOptions = true, description = "Store the capture packed in FILE "
            + "(same id as where it was packed).")
    static final class Unpack extends OnStore {
        @Parameters(paramLabel = "FILE", description = "a file written by 'faultline captures pack'")
        Path file;

        @Override
        public Integer call() throws IOException {
            PrintWriter o = out();
            try (CaptureStore st = open()) {
                CaptureStore.Stored s = unpack(st, file);
                o.println("unpacked capture " + s.shortId() + " (" + s.manifest().kind() + " " + s.manifest().title()
                        + ") into " + st.dir());
            }
            o.flush();
            return 0;
        }
    }

    /** Unpacks {@code file} into {@code st}, or a one-line CLI error. */
    static CaptureStore.Stored unpack(CaptureStore st, Path file) {
        try {
            HostErrors.requireRegularFile(file, "a capture pack written by 'faultline captures pack'");
            return org.faultline.images.capture.CapturePack.unpack(st, file);
        } catch (CaptureStoreException e) {
            throw new CliError(e.getMessage());
        } catch (IOException e) {
            throw new CliError(HostErrors.of(file, e));
        }
    }

    /** {@code captures rm ID...}. */
    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove captures (their blocks stay until "
            + "'captures gc'; blocks other captures share always stay).")
    static final class Rm extends OnStore {
        @Parameters(paramLabel = "ID", arity = "1..*", description = "capture ids or unique prefixes")
        List<String> ids;

        @Override
        public Integer call() throws CaptureStoreException {
            PrintWriter o = out();
            try (CaptureStore st = open()) {
                for (String i : ids) {
                    CaptureStore.Stored s = find(st, i);
                    st.remove(s.id());
                    o.println("removed " + s.shortId());
                }
            }
            o.flush();
            return 0;
        }
    }

    /** {@code captures minimize ID}: the capture's schedule with fewer preemptions, captured anew. */
    @Command(name = "minimize", mixinStandardHelpOptions = true, description = "Shrink a capture's schedule to the "
            + "fewest preemptions that still give the same failure, and capture that (a new id).")
    static final class Minimize extends OnStore {
        @Parameters(paramLabel = "ID", description = "a capture id or a unique prefix of it")
        String id;

        @Option(names = "--budget", paramLabel = "N", defaultValue = "5000",
                description = "most executions to try (default: ${DEFAULT-VALUE})")
        int budget;

        @Override
        public Integer call() throws IOException {
            PrintWriter o = out();
            try (CaptureStore st = open()) {
                CaptureStore.Stored s = find(st, id);
                requireSchedule(s);
                Manifest m = s.manifest();
                var sc = org.faultline.tools.explore.Scenarios.fromText(m.scenario(), st.text(m.workload()));
                var prof = sc.kernel(m.profile(), m.patches());
                var ex = new org.faultline.tools.explore.Explorer(sc, prof, m.maxSteps(),
                        CapturedDisk.rebuild(st, m, 0));
                var min = org.faultline.tools.explore.Minimizer.minimize(ex,
                        org.faultline.kernel.Schedule.decode(m.schedule()), budget);
                String newId = Captures.capture(st, sc, new Captures.How("minimize", m.profile(), m.patches(), prof.name(),
                        m.strategy() + " minimized", m.seed(), m.depth(), m.maxSteps()),
                        ex.record(new org.faultline.kernel.Replay(min.schedule())));
                o.printf(Locale.ROOT, "capture %s: %d preemptions -> %d (%d executions), the same %s%n", s.shortId(),
                        min.before(), min.after(), min.runs(), m.kind());
                o.println(Captures.capturedLine(newId));
            } catch (IllegalArgumentException e) {
                throw new CliError("capture " + id + ": " + e.getMessage());
            }
            o.flush();
            return 0;
        }
    }

    /** {@code captures gc}: drop the blocks and objects no capture names. */
    @Command(name = "gc", mixinStandardHelpOptions = true, description = "Remove the disk blocks and texts no capture "
            + "references any more (after rm).")
    static final class Gc extends OnStore {
        @Override
        public Integer call() throws CaptureStoreException {
            PrintWriter o = out();
            try (CaptureStore st = open()) {
                o.println("removed " + st.gc() + " unreferenced blocks and objects from " + st.dir());
            }
            o.flush();
            return 0;
        }
    }

    /** Refuses a capture of a free-running boot where a schedule is needed. */
    static void requireSchedule(CaptureStore.Stored s) {
        if (s.manifest().command().equals("crash")) {
            throw new CliError("capture " + s.shortId() + " comes from faultline crash: its run succeeds, the disk a "
                    + "power cut left does not: run 'faultline crash " + s.manifest().scenario() + " --seed "
                    + s.manifest().seed() + (s.manifest().patches().isEmpty() ? "" : " --patch "
                    + String.join(",", s.manifest().patches())) + "' again, or take the crash image: faultline captures "
                    + "export " + s.shortId() + " --image FILE");
        }
        if (s.manifest().schedule().isEmpty()) {
            throw new CliError("capture " + s.shortId() + " comes from a free-running " + s.manifest().command()
                    + ": it has no schedule to replay; search its workload on its captured disk: faultline explore "
                    + s.shortId());
        }
    }

    static CaptureStore.Stored find(CaptureStore st, String id) {
        try {
            return st.find(id);
        } catch (CaptureStoreException e) {
            throw new CliError(e.getMessage());
        }
    }
}

package org.faultline.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.faultline.kernel.Failure;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.Replay;
import org.faultline.kernel.RunResult;
import org.faultline.tools.explore.Explorer;
import org.faultline.tools.explore.Scenario;
import org.faultline.tools.explore.ScheduleFile;
import org.faultline.tools.explore.Scenarios;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code faultline replay FILE}: re-runs a saved schedule and checks it hits the same failure; a
 * replay that diverges (uncontrolled nondeterminism, or a different outcome) says so and exits 2.
 * With {@code --patch}/{@code --kernel} it runs the saved schedule on the changed kernel to test a
 * fix: the same failure (its exit code), no failure ("did not reproduce", exit 0), or a divergence
 * (the change altered the interleaving: one line naming the step and the explore command, exit 2).
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replay a saved schedule; it must hit the same failure with the same report.",
            "With --patch +ID (or --kernel P): run the saved schedule on the changed kernel, to test a fix.",
            "Or: faultline replay SCENARIO --schedule fl2:... [--kernel P] [--patch +ID]"})
final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CAPTURE-ID|SCHEDULE-FILE|SCENARIO",
            description = "a capture id (faultline captures), a file written by 'faultline explore', or with --schedule a "
                    + "scenario's name or workload file")
    String target;

    @picocli.CommandLine.Option(names = "--schedule", paramLabel = "STRING",
            description = "replay this schedule string (fl2:...) on SCENARIO instead of reading a file")
    String scheduleText;

    @picocli.CommandLine.Option(names = "--kernel", paramLabel = "PROFILE",
            description = "replay on this kernel profile instead of the recorded one (default: the recording's)")
    String kernel;

    @picocli.CommandLine.Option(names = "--patch", paramLabel = "+ID|-ID", split = ",",
            description = "replay with these patches on top of the recorded ones, to test a fix on the saved schedule; "
                    + "repeatable")
    java.util.List<String> patches = new java.util.ArrayList<>();

    @picocli.CommandLine.Option(names = "--no-capture", description = "do not capture a schedule file's failure")
    boolean noCapture;

    @picocli.CommandLine.Option(names = "--store", paramLabel = "DIR",
            description = "capture store to find a capture ID in (default: $FAULTLINE_STORE, else $FAULTLINE_HOME/store, else ~/.faultline/store)")
    Path store;

    /** A capture id (or prefix) rather than a file: 4 to 64 hex digits naming no file. */
    private boolean isCaptureId() {
        return scheduleText == null && target.matches("[0-9a-fA-F]{4,64}") && !java.nio.file.Files.exists(Path.of(target));
    }

    /** A capture pack: a file starting with the pack magic. */
    private boolean isPack() {
        Path p = Path.of(target);
        if (scheduleText != null || !java.nio.file.Files.isRegularFile(p)) {
            return false;
        }
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(p)) {
            return new String(in.readNBytes(8), java.nio.charset.StandardCharsets.US_ASCII).equals("FLPACK1\n");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Integer call() throws IOException {
        if (isPack()) {
            try (var st = Captures.open(store, spec)) {
                target = CapturesCommand.unpack(st, Path.of(target)).id();
            }
            return replayCapture();
        }
        if (isCaptureId()) {
            return replayCapture();
        }
        ScheduleFile sf;
        Scenario sc;
        KernelProfile prof;
        try {
            if (scheduleText != null) {
                sc = Scenarios.resolve(target);
                String kern = kernel == null ? sc.profile() : kernel;
                org.faultline.kernel.Schedule sched = org.faultline.kernel.Schedule.decode(scheduleText);
                if (sched.tag() != 0 && sched.tag() != sc.digestValue()) {
                    throw new IllegalArgumentException("this schedule was recorded on another workload (digest "
                            + Long.toHexString(sched.tag()) + "), not on " + sc.name() + " (digest " + sc.digest()
                            + "): replay it on the scenario or workload file it was explored on");
                }
                sf = new ScheduleFile(sc.name(), kern, patches, "", "", "", null, sched);
                prof = sc.kernel(sf.kernel(), sf.patches());
            } else {
                HostErrors.requireRegularFile(Path.of(target), "a schedule file saved by 'faultline explore'");
                sf = ScheduleFile.parse(readScheduleFile(target));
                sc = Scenarios.resolve(sf.scenario());
                sf.checkWorkload(sc);
                java.util.List<String> all = new java.util.ArrayList<>(sf.patches());
                all.addAll(patches); // the fix under test goes on top of what was recorded
                prof = sc.kernel(kernel == null ? sf.kernel() : kernel, all);
            }
        } catch (IOException e) {
            throw new CliError(HostErrors.of(Path.of(target), e));
        } catch (IllegalArgumentException e) {
            throw new CliError(target + ": " + e.getMessage());
        }
        BootCommand.checkRam(sc.ramPages() * 4096L, sc.workload());
        boolean changed = !patches.isEmpty() || kernel != null;
        String change = (kernel == null ? "" : "--kernel " + kernel) + (kernel != null && !patches.isEmpty() ? " " : "")
                + (patches.isEmpty() ? "" : "--patch " + String.join(",", patches));
        RunResult r = new Explorer(sc, prof, 10_000_000).run(new Replay(sf.schedule()));
        PrintWriter o = spec.commandLine().getOut();
        Failure f = r.fatal();
        if (f != null && f.kind() == Failure.Kind.NONDETERMINISM) {
            if (changed) {
                throw new CliError("replay diverged with " + change + " at " + stepOf(f) + ": the change altered the "
                        + "interleaving, so the saved schedule no longer applies (this says nothing about the fix); "
                        + "search the changed kernel instead: faultline explore " + sc.name() + " " + change);
            }
            o.println(f.report());
            o.flush();
            throw new CliError("replay diverged from the recorded run at " + stepOf(f) + " (uncontrolled nondeterminism, "
                    + "or a schedule recorded with another kernel, patches or Faultline version; to test a fix: "
                    + "faultline replay FILE --patch +ID, or faultline explore " + sc.name() + " --patch +ID): " + f.title());
        }
        if (f == null) {
            if (scheduleText != null && !changed) {
                o.println("the replay ended without a failure");
                o.flush();
                return 0;
            }
            if (changed) {
                o.println("the failure did not reproduce with " + change + ": the saved schedule ran to its end without "
                        + (scheduleText != null ? "a failure" : "the recorded " + sf.failureKind() + " " + sf.failureTitle())
                        + " (other interleavings: faultline explore " + sc.name() + " " + change + ")");
                o.flush();
                return 0;
            }
            o.println("the replay ended without a failure; the recording expected: " + sf.failureKind() + " " + sf.failureTitle());
            o.flush();
            return Faultline.EXIT_USAGE;
        }
        o.printf("replayed %s on kernel %s: %s at step %d%n", sc.name(), prof.name(), f.kind(), f.step());
        o.print(RunReport.reports(r));
        if (scheduleText != null) {
            o.flush();
            return r.exitCode(); // nothing recorded to compare with
        }
        boolean same = f.kind().name().equals(sf.failureKind()) && f.title().equals(sf.failureTitle());
        if (changed) {
            o.println(same ? "same failure as recorded, with " + change + ": it does not remove the failure on this schedule"
                    : "a different failure with " + change + "; the recording had " + sf.failureKind() + " "
                            + sf.failureTitle());
            o.flush();
            return r.exitCode();
        }
        o.println(same ? "same failure as recorded" : "DIFFERENT failure: the recording expected " + sf.failureKind() + " " + sf.failureTitle());
        if (!noCapture) { // a schedule file's failure joins the store like any other
            java.util.regex.Matcher sm = java.util.regex.Pattern.compile("^(\\w+)(?:.*\\bseed=(-?\\d+))?(?:.*\\bdepth=(\\d+))?")
                    .matcher(sf.strategy());
            boolean parsed = sm.find();
            try (var st = Captures.open(store, spec)) {
                String id = Captures.capture(st, sc, new Captures.How("replay", sf.kernel(), Captures.patches(sf.patches()),
                        prof.name(), parsed ? sm.group(1) : "replay", parsed && sm.group(2) != null ? Long.parseLong(sm.group(2)) : 0,
                        parsed && sm.group(3) != null ? Integer.parseInt(sm.group(3)) : 0, 10_000_000),
                        new Explorer(sc, prof, 10_000_000).record(new Replay(sf.schedule())));
                o.println(Captures.capturedLine(id));
            } catch (org.faultline.images.capture.CaptureStoreException | CliError e) {
                spec.commandLine().getErr().println("faultline: the failure replayed but was not captured: "
                        + e.getMessage());
            }
        }
        o.flush();
        return same ? r.exitCode() : Faultline.EXIT_USAGE;
    }

    /**
     * {@code replay ID}: the captured workload, kernel and schedule, from the store; the report must be
     * the captured one, to the byte. With {@code --kernel}/{@code --patch}: the captured schedule on the
     * changed kernel, saying whether the failure stays, changes or goes, or where the schedule diverged.
     */
    private int replayCapture() throws IOException {
        org.faultline.images.capture.CaptureStore.Stored s;
        Scenario sc;
        KernelProfile prof;
        String captured;
        org.faultline.kernel.Schedule sched;
        try (var st = Captures.open(store, spec)) {
            s = CapturesCommand.find(st, target);
            var m = s.manifest();
            CapturesCommand.requireSchedule(s);
            captured = st.text(m.report());
            sc = Scenarios.fromText(m.scenario(), st.text(m.workload()));
            java.util.List<String> all = new java.util.ArrayList<>(m.patches());
            all.addAll(patches);
            prof = sc.kernel(kernel == null ? m.profile() : kernel, all);
            sched = org.faultline.kernel.Schedule.decode(m.schedule());
        } catch (IllegalArgumentException e) {
            throw new CliError("capture " + target + ": " + e.getMessage());
        }
        BootCommand.checkRam(sc.ramPages() * 4096L, sc.workload());
        boolean changed = !patches.isEmpty() || kernel != null;
        String change = (kernel == null ? "" : "--kernel " + kernel) + (kernel != null && !patches.isEmpty() ? " " : "")
                + (patches.isEmpty() ? "" : "--patch " + String.join(",", patches));
        var m = s.manifest();
        RunResult r = new Explorer(sc, prof, m.maxSteps()).run(new Replay(sched));
        PrintWriter o = spec.commandLine().getOut();
        Failure f = r.fatal();
        if (f != null && f.kind() == Failure.Kind.NONDETERMINISM) {
            if (changed) {
                o.println("replay of " + s.shortId() + " diverged with " + change + " at " + stepOf(f) + ": the change "
                        + "altered the interleaving, so the captured schedule no longer applies (this says nothing about "
                        + "the fix); explore the changed kernel: faultline explore " + sc.name() + " " + change);
                o.flush();
                return Faultline.EXIT_USAGE;
            }
            o.println(f.report());
            o.flush();
            throw new CliError("replay of capture " + s.shortId() + " diverged at " + stepOf(f) + " (captured by faultline "
                    + m.faultline() + ", this is " + Faultline.Version.version() + "): " + f.title());
        }
        if (f == null) {
            o.println(changed ? "the failure did not reproduce with " + change + ": the captured schedule ran to its end "
                    + "without the captured " + m.kind() + " " + m.title()
                    : "the replay of " + s.shortId() + " ended without a failure; the capture has " + m.kind() + " " + m.title());
            o.flush();
            return changed ? 0 : Faultline.EXIT_USAGE;
        }
        String report = RunReport.reports(r);
        o.printf("replayed capture %s (%s) on kernel %s: %s at step %d%n", s.shortId(), sc.name(), prof.name(), f.kind(), f.step());
        o.print(report);
        boolean same = report.equals(captured);
        boolean sameKind = f.kind().name().equals(m.kind()) && f.title().equals(m.title());
        if (changed) {
            o.println(sameKind ? "same failure as captured, with " + change + ": it does not remove the failure on this schedule"
                    : "a different failure with " + change + "; the capture has " + m.kind() + " " + m.title());
            o.flush();
            return r.exitCode();
        }
        o.println(same ? "identical report to the capture's" : "DIFFERENT report from the capture's (" + m.kind() + " "
                + m.title() + ")");
        o.flush();
        return same ? r.exitCode() : Faultline.EXIT_USAGE;
    }

    /** "schedule step N", from the replay's divergence report, or the scheduler step. */
    private static String stepOf(Failure f) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("schedule step (\\d+)").matcher(f.title());
        return m.find() ? "schedule step " + m.group(1) : "step " + f.step();
    }

    /** The schedule file's text: a regular UTF-8 file of at most 16 MiB (never a FIFO or a device). */
    private static String readScheduleFile(String target) throws IOException {
        try {
            return org.faultline.tools.workload.TextFiles.read(Path.of(target), "schedule",
                    org.faultline.tools.workload.TextFiles.MAX_SCHEDULE_BYTES);
        } catch (org.faultline.tools.workload.TextFiles.Refused e) {
            throw new CliError(target + ": " + e.getMessage());
        }
    }
}

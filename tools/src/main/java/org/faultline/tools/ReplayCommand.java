package org.faultline.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replay a saved schedule; it must hit the same failure with the same report.",
            "Or: faultline replay SCENARIO --schedule fl1:... [--kernel P] [--patch +ID]"})
final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SCHEDULE-FILE|SCENARIO",
            description = "a file written by 'faultline explore', or with --schedule a scenario's name or workload file")
    String target;

    @picocli.CommandLine.Option(names = "--schedule", paramLabel = "STRING",
            description = "replay this schedule string (fl1:...) on SCENARIO instead of reading a file")
    String scheduleText;

    @picocli.CommandLine.Option(names = "--kernel", paramLabel = "PROFILE",
            description = "with --schedule: the kernel profile (default: the scenario's)")
    String kernel;

    @picocli.CommandLine.Option(names = "--patch", paramLabel = "+ID|-ID", split = ",",
            description = "with --schedule: patch overrides; repeatable")
    java.util.List<String> patches = new java.util.ArrayList<>();

    @Override
    public Integer call() throws IOException {
        ScheduleFile sf;
        Scenario sc;
        KernelProfile prof;
        try {
            if (scheduleText != null) {
                sc = Scenarios.resolve(target);
                String kern = kernel == null ? sc.profile() : kernel;
                sf = new ScheduleFile(sc.name(), kern, patches, "", "", "", null,
                        org.faultline.kernel.Schedule.decode(scheduleText));
            } else {
                sf = ScheduleFile.parse(readScheduleFile(target));
                sc = Scenarios.resolve(sf.scenario());
                sf.checkWorkload(sc);
            }
            prof = sc.kernel(sf.kernel(), sf.patches());
        } catch (NoSuchFileException e) {
            throw new CliError(target + ": No such file or directory (ENOENT)");
        } catch (IllegalArgumentException e) {
            throw new CliError(target + ": " + e.getMessage());
        }
        RunResult r = new Explorer(sc, prof, 10_000_000).run(new Replay(sf.schedule()));
        PrintWriter o = spec.commandLine().getOut();
        Failure f = r.fatal();
        if (f != null && f.kind() == Failure.Kind.NONDETERMINISM) {
            o.println(f.report());
            o.flush();
            throw new CliError("replay diverged from the recorded run (uncontrolled nondeterminism, or a schedule "
                    + "recorded with another kernel, patches or Faultline version; to test a fix use explore --patch): "
                    + f.title());
        }
        if (f == null) {
            if (scheduleText != null) {
                o.println("the replay ended without a failure");
                o.flush();
                return 0;
            }
            o.println("the replay ended without a failure; the recording expected: " + sf.failureKind() + " " + sf.failureTitle());
            o.flush();
            return Faultline.EXIT_USAGE;
        }
        o.printf("replayed %s on kernel %s: %s at step %d%n", sc.name(), prof.name(), f.kind(), f.step());
        o.println(f.report());
        for (Failure w : r.others()) {
            if (w != f) {
                o.println(w.report());
            }
        }
        if (scheduleText != null) {
            o.flush();
            return r.exitCode(); // nothing recorded to compare with
        }
        boolean same = f.kind().name().equals(sf.failureKind()) && f.title().equals(sf.failureTitle());
        o.println(same ? "same failure as recorded" : "DIFFERENT failure: the recording expected " + sf.failureKind() + " " + sf.failureTitle());
        o.flush();
        return same ? r.exitCode() : Faultline.EXIT_USAGE;
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

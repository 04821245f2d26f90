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
        description = "Replay a saved schedule; it must hit the same failure with the same report.")
final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SCHEDULE-FILE", description = "a file written by 'faultline explore'")
    Path file;

    @Override
    public Integer call() throws IOException {
        ScheduleFile sf;
        Scenario sc;
        KernelProfile prof;
        try {
            sf = ScheduleFile.parse(Files.readString(file, StandardCharsets.UTF_8));
            sc = Scenarios.byName(sf.scenario());
            prof = KernelProfile.byName(sf.kernel()).with(sf.patches());
        } catch (NoSuchFileException e) {
            throw new CliError(file + ": No such file or directory (ENOENT)");
        } catch (IllegalArgumentException e) {
            throw new CliError(file + ": " + e.getMessage());
        }
        RunResult r = new Explorer(sc, prof, 10_000_000).run(new Replay(sf.schedule()));
        PrintWriter o = spec.commandLine().getOut();
        Failure f = r.fatal();
        if (f != null && f.kind() == Failure.Kind.NONDETERMINISM) {
            o.println(f.report());
            o.flush();
            throw new CliError("replay diverged from the recorded run (uncontrolled nondeterminism): " + f.title());
        }
        if (f == null) {
            o.println("the replay ended without a failure; the recording expected: " + sf.failureKind() + " " + sf.failureTitle());
            o.flush();
            return Faultline.EXIT_USAGE;
        }
        o.printf("replayed %s on kernel %s: %s at step %d%n", sc.name(), prof.name(), f.kind(), f.step());
        o.println(f.report());
        boolean same = f.kind().name().equals(sf.failureKind()) && f.title().equals(sf.failureTitle());
        o.println(same ? "same failure as recorded" : "DIFFERENT failure: the recording expected " + sf.failureKind() + " " + sf.failureTitle());
        o.flush();
        return same ? r.exitCode() : Faultline.EXIT_USAGE;
    }
}

package org.faultline.tools;

import java.util.List;
import org.faultline.kernel.Failure;
import org.faultline.kernel.Replay;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.Schedule;
import org.faultline.tools.explore.Explorer;
import org.faultline.tools.explore.Scenario;
import org.faultline.tools.explore.Scenarios;

/**
 * The API of a test exported from a capture ({@code faultline captures export ID --junit DIR}): replays
 * a workload's captured schedule on a kernel and says how it ended. Public and small on purpose: an
 * exported test holds the workload text and schedule in its source and calls only this.
 */
public final class Reproducer {
    private Reproducer() {
    }

    /**
     * How a replay ended.
     *
     * @param kind   the failure kind ({@code BUG}, {@code DEADLOCK}, ...), or {@code "none"}
     * @param title  the signature line, or empty
     * @param report the whole report, for an assertion's message
     * @param exit   the exit code {@code faultline replay} would give
     */
    public record Result(String kind, String title, String report, int exit) {
    }

    /**
     * Replays {@code schedule} of the workload {@code text} (named {@code name}: a built-in scenario's
     * name reuses its text only if identical) on {@code profile} with {@code patches}, allowing
     * {@code maxSteps} scheduling decisions (as the capture did) before a livelock is reported.
     *
     * @throws IllegalArgumentException if the workload, profile, patches or schedule do not parse
     */
    public static Result replay(String name, String text, String profile, List<String> patches, String schedule,
                                long maxSteps) {
        Scenario sc = Scenarios.fromText(name, text);
        RunResult r = new Explorer(sc, sc.kernel(profile, patches), maxSteps).run(new Replay(Schedule.decode(schedule)));
        Failure f = r.fatal();
        if (f == null) {
            return new Result("none", "", "the replay ended without a failure", 0);
        }
        return new Result(f.kind().name(), f.title(), f.report(), r.exitCode());
    }
}

package org.faultline.tools;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.faultline.images.capture.CaptureStore;
import org.faultline.images.capture.CaptureStoreException;
import org.faultline.images.capture.CapturedDisk;
import org.faultline.images.capture.Manifest;
import org.faultline.kernel.Failure;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.Stopwatch;
import org.faultline.tools.explore.Explorer;
import org.faultline.kernel.Replay;
import org.faultline.kernel.Schedule;
import org.faultline.tools.explore.Scenario;
import org.faultline.tools.explore.Scenarios;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Failing runs into the capture store (docs/captures.md): where the store is ({@code --store},
 * {@code FAULTLINE_STORE}, {@code ~/.faultline/store}) and how a recorded run becomes a capture.
 */
final class Captures {
    /** The environment variable naming the store. */
    static final String ENV = "FAULTLINE_STORE";

    private Captures() {
    }

    /**
     * The store's directory: {@code --store}, else {@code $FAULTLINE_STORE}, else
     * {@code $FAULTLINE_HOME/store}, else {@code ~/.faultline/store}.
     */
    static Path storeDir(Path option, Map<String, String> env) {
        if (option != null) {
            return option;
        }
        String dir = env.get(ENV);
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir);
        }
        String home = env.get("FAULTLINE_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home, "store");
        }
        return Path.of(System.getProperty("user.home"), ".faultline", "store");
    }

    /** Opens the store the command names, or a one-line CLI error (exit 2). */
    static CaptureStore open(Path option, CommandSpec spec) {
        Object root = spec.root().userObject();
        Map<String, String> env = root instanceof Faultline f ? f.env() : System.getenv();
        try {
            return CaptureStore.open(storeDir(option, env));
        } catch (CaptureStoreException e) {
            throw new CliError(e.getMessage());
        }
    }

    /** How a failing run was found: the runner and its strategy. */
    record How(String command, String profile, List<String> patches, String kernel, String strategy, long seed, int depth,
               long maxSteps) {
    }

    /**
     * Stores a recorded failing run; @return its id.
     *
     * @throws CaptureStoreException if the store cannot take it
     */
    static String capture(CaptureStore store, Scenario sc, How how, Explorer.Recorded rec) throws CaptureStoreException {
        RunResult r = rec.result();
        Failure f = r.fatal();
        String report = RunReport.reports(r);
        String id;
        try (CaptureStore.Batch b = store.batch()) {
            String workload = b.putText(sc.text());
            String base = CapturedDisk.putDisk(b, rec.diskAtBoot());
            String log = CapturedDisk.putWriteLog(b, rec.writes(), workload + "/writelog");
            boolean complete = replayed(rec);
            String fin = complete ? null : CapturedDisk.putDisk(b, rec.diskAtEnd()); // else: the boot disk plus the log
            Manifest m = new Manifest(Manifest.FORMAT, Faultline.Version.version(), Stopwatch.wallClockMs(), how.command(),
                    f.kind().name(), r.exitCode(), f.title(), sc.name(), workload, how.profile(), how.patches(),
                    how.kernel(), how.strategy(), how.seed(), how.depth(), r.schedule().encode(), how.maxSteps(), f.step(),
                    b.putText(report, workload + "/report"),
                    b.putText(rec.log(), workload + "/log"), Long.toHexString(r.traceDigest()), rec.traceEvents(),
                    rec.diskAtEnd().length, base, fin, log, rec.writes().size(), complete);
            id = b.putCapture(m);
            b.commit();
        }
        return id;
    }

    /** Whether the boot disk plus the write log gives the disk at the end (a write lost by the log would show). */
    private static boolean replayed(Explorer.Recorded rec) {
        byte[] d = rec.diskAtBoot().clone();
        for (var w : rec.writes()) {
            if (w.data().length > 0) {
                System.arraycopy(w.data(), 0, d, (int) (w.sector() << 9), w.data().length);
            }
        }
        return java.util.Arrays.equals(d, rec.diskAtEnd());
    }

    /** The capture's run again, recorded: for its whole trace, which the store does not keep. */
    static Explorer.Recorded rerun(CaptureStore st, Manifest m) throws CaptureStoreException {
        Scenario sc = Scenarios.fromText(m.scenario(), st.text(m.workload()));
        return new Explorer(sc, sc.kernel(m.profile(), m.patches()), m.maxSteps())
                .record(new Replay(Schedule.decode(m.schedule())));
    }

    /** The line every captured failure report ends with. */
    static String capturedLine(String id) {
        String s = id.substring(0, 8);
        return "captured " + s + ": faultline captures show " + s;
    }

    /** @return the patch overrides as a list for the manifest (never null) */
    static List<String> patches(List<String> p) {
        return p == null ? List.of() : new ArrayList<>(p);
    }
}

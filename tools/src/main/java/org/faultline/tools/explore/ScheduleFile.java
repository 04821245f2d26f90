package org.faultline.tools.explore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.faultline.kernel.Schedule;

/**
 * A saved failing execution: scenario, kernel profile and patches, the strategy that found it, the
 * failure's kind and title, and the schedule. Plain text, one {@code key value} per line:
 * <pre>
 * # faultline schedule
 * scenario mkwrite-not-uptodate-after-eio
 * kernel 5.8
 * patch +iomap-keep-uptodate-on-error      (one line per override, none if none)
 * strategy random seed=0
 * failure CORRUPTION data corruption: ...
 * workload 3f2a...                         (digest of the scenario's workload text; optional)
 * schedule fl2:0:3f2a...:cbf29ce484222325:1*12.5::0c1d2e3f
 * checksum crc32c:89abcdef                 (of every byte before this line; always the last line)
 * </pre>
 * {@code scenario} is a built-in scenario's name or a workload file's path. A file whose checksum
 * does not match — edited, truncated, a line lost or doubled — is refused, not replayed.
 */
public record ScheduleFile(String scenario, String kernel, List<String> patches, String strategy, String failureKind,
                           String failureTitle, String workloadDigest, Schedule schedule) {

    /** The last line: the CRC-32C of every byte before it. */
    static final String CHECKSUM = "checksum crc32c:";

    /**
     * Checks the schedule was recorded on this scenario's text.
     *
     * @throws IllegalArgumentException if the workload changed since
     */
    public void checkWorkload(Scenario sc) {
        if (workloadDigest != null && !workloadDigest.equals(sc.digest())) {
            throw new IllegalArgumentException("the workload of scenario " + sc.name() + " changed since this schedule "
                    + "was saved (digest " + workloadDigest + ", now " + sc.digest() + "): explore it again");
        }
    }

    /** Writes to {@code dir}/{@code name}.schedule, never overwriting: -1, -2... are appended if needed. */
    public Path writeNew(Path dir, String name) throws IOException {
        StringBuilder sb = new StringBuilder("# faultline schedule: replay with 'faultline replay FILE'\n");
        sb.append("scenario ").append(scenario).append('\n').append("kernel ").append(kernel).append('\n');
        for (String p : patches) {
            sb.append("patch ").append(p).append('\n');
        }
        sb.append("strategy ").append(strategy).append('\n');
        sb.append("failure ").append(failureKind).append(' ').append(failureTitle).append('\n');
        if (workloadDigest != null) {
            sb.append("workload ").append(workloadDigest).append('\n');
        }
        sb.append("schedule ").append(schedule.encode()).append('\n');
        String check = Schedule.check(sb);
        sb.append(CHECKSUM).append(check).append('\n');
        for (int i = 0; ; i++) {
            Path p = dir.resolve(name + (i == 0 ? "" : "-" + i) + ".schedule");
            try {
                Files.writeString(p, sb, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return p;
            } catch (FileAlreadyExistsException e) {
                // create-new semantics: try the next name
            }
        }
    }

    /**
     * Parses a schedule file.
     *
     * @throws IllegalArgumentException with a one-line reason
     */
    public static ScheduleFile parse(String text) {
        int at = text.lastIndexOf("\n" + CHECKSUM);
        if (at < 0) {
            throw new IllegalArgumentException("no '" + CHECKSUM + "' line at its end: not a schedule file explore "
                    + "saved, or cut short; explore again");
        }
        String body = text.substring(0, at + 1);
        if (!text.substring(at + 1).equals(CHECKSUM + Schedule.check(body) + "\n")) {
            throw new IllegalArgumentException("its checksum does not match: the file was changed or damaged since "
                    + "explore saved it; restore it, or explore again");
        }
        return parseBody(body);
    }

    private static ScheduleFile parseBody(String text) {
        String scenario = null;
        String kernel = null;
        String strategy = "";
        String kind = "";
        String title = "";
        Schedule schedule = null;
        String digest = null;
        List<String> patches = new ArrayList<>();
        int n = 0;
        for (String line : text.split("\n")) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int sp = l.indexOf(' ');
            String key = sp < 0 ? l : l.substring(0, sp);
            String val = sp < 0 ? "" : l.substring(sp + 1).strip();
            switch (key) {
                case "scenario" -> scenario = val;
                case "kernel" -> kernel = val;
                case "patch" -> patches.add(val);
                case "strategy" -> strategy = val;
                case "failure" -> {
                    int s2 = val.indexOf(' ');
                    kind = s2 < 0 ? val : val.substring(0, s2);
                    title = s2 < 0 ? "" : val.substring(s2 + 1);
                }
                case "workload" -> digest = val;
                case "schedule" -> schedule = Schedule.decode(val);
                default -> throw new IllegalArgumentException("line " + n + ": unknown key '" + key + "'");
            }
        }
        if (scenario == null || kernel == null || schedule == null) {
            throw new IllegalArgumentException("not a schedule file: it needs 'scenario', 'kernel' and 'schedule' lines");
        }
        if (digest != null && schedule.tag() != 0 && schedule.tag() != Long.parseUnsignedLong(digest, 16)) {
            throw new IllegalArgumentException("its schedule was recorded on another workload than its 'workload' line says");
        }
        return new ScheduleFile(scenario, kernel, List.copyOf(patches), strategy, kind, title, digest, schedule);
    }
}

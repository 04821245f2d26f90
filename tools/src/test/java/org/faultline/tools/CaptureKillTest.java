package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.faultline.images.capture.CaptureStore;
import org.faultline.images.capture.CapturedDisk;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} of {@code explore --jobs 2} while it captures leaves a store that opens and lists
 * every capture that completed (each whole: its report, log and disk readable), killed at several
 * moments.
 */
class CaptureKillTest {
    private static final Pattern CAPTURED = Pattern.compile("seed \\d+: .* captured ([0-9a-f]{8})");

    @Test
    void aKilledExplorationLeavesEveryCompletedCaptureReadable() throws Exception {
        Path d = CliTestSupport.scratch("capture-kill");
        Path store = d.resolve("store");
        List<String> printed = new ArrayList<>();
        for (int kill : new int[] {3, 7, 12}) { // kill after this many more captures were reported
            Process p = CliTestSupport.process("explore",
                    "fault-vs-writepages-memcg-deadlock", "--keep-going", "--captures-per-bucket", "100000", "--iterations", "100000",
                    "--max-steps", "1500",
                    "--jobs", "2", "--seed", String.valueOf(kill * 1000), "--store", store.toString(), "--out", d.toString())
                    .redirectErrorStream(true).start();
            int seen = 0;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; seen < kill && (line = r.readLine()) != null; ) {
                    Matcher m = CAPTURED.matcher(line);
                    if (m.find()) {
                        printed.add(m.group(1));
                        seen++;
                    }
                }
                p.destroyForcibly(); // SIGKILL, mid-capture most likely: the other job is recording or storing
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "killed");
            }
            assertEquals(kill, seen, "the exploration reported its captures before it was killed");
        }
        try (CaptureStore s = CaptureStore.open(store)) {
            List<CaptureStore.Stored> all = s.list();
            List<String> ids = all.stream().map(CaptureStore.Stored::shortId).toList();
            assertTrue(ids.containsAll(printed), "every reported capture is listed: " + printed + " in " + ids);
            for (CaptureStore.Stored c : all) { // and each is whole
                String report = s.text(c.manifest().report()); // a livelock (--max-steps) or the deadlock itself
                assertTrue(report.contains("livelock") || report.contains("deadlock: wait-for cycle"), c.shortId() + ": " + report);
                assertTrue(!s.text(c.manifest().log()).isEmpty(), c.shortId());
                assertEquals(c.manifest().diskBytes(), CapturedDisk.rebuild(s, c.manifest(), -1).length);
            }
        }
    }
}

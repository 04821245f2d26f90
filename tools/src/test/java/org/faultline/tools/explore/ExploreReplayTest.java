package org.faultline.tools.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.faultline.kernel.Failure;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.RandomWalk;
import org.faultline.kernel.Replay;
import org.faultline.kernel.RunResult;
import org.faultline.kernel.Schedule;
import org.junit.jupiter.api.Test;

class ExploreReplayTest {
    static Explorer.Found explore(String profile, List<String> patches, long n) {
        Scenario sc = Scenarios.byName("mkwrite-not-uptodate-after-eio");
        Explorer ex = new Explorer(sc, KernelProfile.byName(profile).with(patches), 200_000);
        return ex.explore(0, n, RandomWalk::new, (i, failed) -> { });
    }

    @Test
    void bug2IsFoundWithTheWarningAndTheStaleReadAndReplaysIdentically() {
        Explorer.Found f = explore("5.8", List.of(), 20);
        assertNotNull(f, "bug 2 must be found on 5.8");
        RunResult r = f.result();
        assertEquals(Failure.Kind.CORRUPTION, r.fatal().kind());
        assertTrue(r.fatal().title().startsWith("data corruption: /f offset 0: expected"), r.fatal().title());
        assertTrue(r.fatal().report().contains("read f 0 4"), r.fatal().report()); // the read() after the error
        assertEquals(1, r.warnings().size());
        assertTrue(r.warnings().get(0).title().contains("iomap_page_mkwrite_actor"), r.warnings().get(0).title());
        assertTrue(r.warnings().get(0).report().contains(" ext4_page_mkwrite "), r.warnings().get(0).report());
        Scenario sc = Scenarios.byName("mkwrite-not-uptodate-after-eio");
        Explorer ex = new Explorer(sc, KernelProfile.byName("5.8"), 200_000);
        for (int i = 0; i < 3; i++) {
            RunResult again = ex.run(new Replay(Schedule.decode(r.schedule().encode())));
            assertEquals(r.fatal().report(), again.fatal().report());
            assertEquals(r.traceDigest(), again.traceDigest());
        }
    }

    @Test
    void eachRemovingPatchExploresClean() {
        for (String p : List.of("+iomap-keep-uptodate-on-error", "+iomap-mkwrite-eio-on-not-uptodate", "+unmap-on-writeback-error")) {
            Explorer.Found f = explore("5.8", List.of(p), 20);
            assertNull(f, () -> p + " should remove bug 2 but: " + f.result().fatal().report());
        }
    }

    @Test
    void scheduleFileRoundTrips() throws Exception {
        Explorer.Found f = explore("5.8", List.of(), 5);
        ScheduleFile sf = new ScheduleFile("mkwrite-not-uptodate-after-eio", "5.8", List.of("+ext4-bio-per-page"), "random seed=0",
                "CORRUPTION", f.result().fatal().title(), "0123456789abcdef", f.result().schedule());
        java.nio.file.Path dir = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target", "sched-test"));
        java.nio.file.Path p1 = sf.writeNew(dir, "x");
        java.nio.file.Path p2 = sf.writeNew(dir, "x");
        assertTrue(!p1.equals(p2), "create-new semantics never overwrite");
        ScheduleFile back = ScheduleFile.parse(java.nio.file.Files.readString(p1));
        assertEquals(sf.schedule().encode(), back.schedule().encode());
        assertEquals(sf.failureTitle(), back.failureTitle());
        assertEquals(List.of("+ext4-bio-per-page"), back.patches());
        assertEquals("0123456789abcdef", back.workloadDigest());
    }
}

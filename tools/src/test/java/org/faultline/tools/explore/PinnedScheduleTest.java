package org.faultline.tools.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.faultline.kernel.Failure;
import org.faultline.kernel.Replay;
import org.faultline.kernel.RunResult;
import org.junit.jupiter.api.Test;

/**
 * The reference bugs' must-fail tests: each pinned schedule (saved by {@code faultline explore},
 * kept under test resources) replays to the failure it recorded, with the bug's signature.
 *
 * <p>A pinned schedule is a list of scheduling choices: a change that adds or removes a preemption
 * point on the scenario's path can make it diverge. Then re-pin it with {@code faultline explore}
 * (the exploration tests below show the bug is still found) and replace the resource.
 */
class PinnedScheduleTest {
    static RunResult replay(String name) throws IOException {
        ScheduleFile sf;
        try (InputStream in = PinnedScheduleTest.class.getResourceAsStream("/schedules/" + name + ".schedule")) {
            assertNotNull(in, name);
            sf = ScheduleFile.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        Scenario sc = Scenarios.byName(sf.scenario());
        sf.checkWorkload(sc); // a changed scenario text needs a re-pin, and says so
        Explorer ex = new Explorer(sc, sc.kernel(sf.kernel(), sf.patches()), 10_000_000);
        RunResult r = ex.run(new Replay(sf.schedule()));
        assertNotNull(r.fatal(), name + " must fail");
        assertEquals(sf.failureKind(), r.fatal().kind().name(), r.fatal().report());
        assertEquals(sf.failureTitle(), r.fatal().title());
        return r;
    }

    @Test
    void gupDioDirtyWithoutBuffersOopsesOn416() throws IOException {
        RunResult r = replay("gup-dio-dirty-no-buffers");
        assertEquals(Failure.Kind.BUG, r.fatal().kind());
        assertEquals("kernel BUG at fs/ext4/inode.c!", r.fatal().title());
        String rep = r.fatal().report();
        assertTrue(rep.contains("has no buffers") && rep.contains("dirty"), rep);
        assertTrue(rep.contains("RIP: mpage_prepare_extent_to_map"), rep);
        assertTrue(rep.contains(" ext4_writepages "), rep);
        assertEquals(1, r.exitCode());
    }

    @Test
    void gupDioRedirtyWithoutReclaimViolatesTheMkwriteInvariantOn416() throws IOException {
        RunResult r = replay("gup-dio-redirty-no-reclaim");
        assertEquals(Failure.Kind.INVARIANT, r.fatal().kind());
        assertTrue(r.fatal().title().startsWith("page dirtied without page_mkwrite since it was cleaned"), r.fatal().title());
        String rep = r.fatal().report();
        assertTrue(rep.contains(" set_page_dirty_lock ") && rep.contains(" dio_bio_complete "), rep);
        assertTrue(r.others().stream().noneMatch(f -> f.kind() == Failure.Kind.BUG), "nothing crashes");
        assertEquals(4, r.exitCode());
    }

    @Test
    void faultVsWritepagesDeadlocksUnderLegacyMemcgOn420() throws IOException {
        RunResult r = replay("fault-vs-writepages-memcg-deadlock");
        assertEquals(Failure.Kind.DEADLOCK, r.fatal().kind());
        String rep = r.fatal().report();
        assertTrue(rep.contains("waits for PG_locked of page"), rep);
        assertTrue(rep.contains("waits for PG_writeback of page"), rep);
        assertTrue(rep.contains("not submitted: held by kworker/u8:sda"), rep);
        assertTrue(rep.contains(" mpage_prepare_extent_to_map ") && rep.contains(" lock_page "), rep);
        assertTrue(rep.contains(" wait_on_page_writeback ") && rep.contains(" pte_alloc_one ")
                && rep.contains(" alloc_set_pte "), rep);
        assertEquals(3, r.exitCode());
    }

    @Test
    void staleWritebackWakeHitsBugOnInWriteCachePagesOn510() throws IOException {
        RunResult r = replay("writeback-stale-wake-bug-on");
        assertEquals(Failure.Kind.BUG, r.fatal().kind());
        assertEquals("kernel BUG at mm/page-writeback.c!", r.fatal().title());
        assertTrue(r.fatal().report().contains("RIP: write_cache_pages"), r.fatal().report());
        assertTrue(r.fatal().report().contains(" iomap_writepages "), r.fatal().report());
    }

    @Test
    void aStaleWakeOfAReusedFrameHitsBugOnInWriteCachePagesOn510rc() throws IOException {
        RunResult r = replay("writeback-stale-wake-page-reuse");
        assertEquals(Failure.Kind.BUG, r.fatal().kind());
        assertEquals("kernel BUG at mm/page-writeback.c!", r.fatal().title());
        assertTrue(r.fatal().report().contains("RIP: write_cache_pages"), r.fatal().report());
        // the late wake-up comes from the IRQ task that ended /a's writeback, to the frame now in /b
        assertTrue(r.lastEvents().stream().anyMatch(e -> e.contains("irq/") && e.contains("wake_up_page_bit PG_writeback")),
                () -> String.join("\n", r.lastEvents()));
    }

    @Test
    void mkwriteOnANotUptodatePageWarnsAndReadsStaleDataOn58() throws IOException {
        RunResult r = replay("mkwrite-not-uptodate-after-eio");
        assertEquals(Failure.Kind.CORRUPTION, r.fatal().kind());
        assertTrue(r.warnings().get(0).title().contains("iomap_page_mkwrite_actor"));
        assertTrue(r.fatal().report().contains("read f 0 4"), r.fatal().report()); // read() after the error
        assertEquals(4, r.exitCode());
    }
}

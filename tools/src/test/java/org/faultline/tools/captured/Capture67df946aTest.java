package org.faultline.tools.captured;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.faultline.tools.Reproducer;
import org.junit.jupiter.api.Test;

/**
 * Capture 67df946a (explore, pct seed 1162 depth 3, faultline 0.1.0-SNAPSHOT): BUG kernel BUG at mm/page-writeback.c!
 * on writeback-stale-wake-page-reuse, kernel 5.10 -end-page-writeback-get-page.
 *
 * <p>Exported by {@code faultline captures export 67df946a --junit}: replays the captured schedule
 * and asserts the captured signature. A change to the emulator's preemption points makes the
 * schedule diverge; export the capture again then.
 */
class Capture67df946aTest {
    static final String NAME = "writeback-stale-wake-page-reuse";
    static final String KERNEL = "5.10";
    static final List<String> PATCHES = List.of();
    static final String WORKLOAD = String.join("",
            "# Bug 4, page-reuse variant (Hugh Dickins, 073861ed77b6, in 5.10-rc): the stale wake-up reaches a\n",
            "# page frame that was freed and reused between end_page_writeback's clear and its wake-up.\n",
            "#\n",
            "# syncer1's sync writes /a back; its completion clears PG_writeback, and before it wakes the\n",
            "# page's waiters the CPU is delayed. sync, seeing the bit clear, returns; truncator truncates /a and\n",
            "# frees the frame, since nothing holds a reference across clear and wake. writer's page of /b is that\n",
            "# very frame. syncer2's sync puts it under writeback \u2014 on the delayed CPU's queue \u2014 writer dirties it\n",
            "# again and fsyncs: write_cache_pages waits for that writeback, the only one /b ever had, and the old\n",
            "# completion's wake-up, meant for /a, wakes it. Waiters no longer recheck (2a9127fcf229, 5.9): kernel\n",
            "# BUG at mm/page-writeback.c. 5.10 itself has 073861ed77b6 (end-page-writeback-get-page: a reference\n",
            "# across clear and wake, so the frame cannot be freed meanwhile); this scenario takes it out.\n",
            "#\n",
            "# Tasks run on CPUs by pid (kworker 4, truncator 5, writer 6, syncer1 7, syncer2 8) over the two\n",
            "# hardware queues: the flusher's writeback of /a and /b shares the delayed queue, the syncs' metadata\n",
            "# I/O goes to the other.\n",
            "set kernel 5.10\n",
            "set patch -end-page-writeback-get-page\n",
            "set iomap on\n",
            "set ram 4M\n",
            "set image-size 8M\n",
            "set strategy pct\n",
            "set depth 3\n",
            "set iterations 2000\n",
            "task truncator\n",
            "  open a /a create rdwr\n",
            "  open b /b create rdwr\n",
            "  write a 0 4k seed=1\n",
            "  barrier written\n",
            "  barrier synced\n",
            "  truncate a 0\n",
            "  barrier freed\n",
            "task writer\n",
            "  barrier freed\n",
            "  open b /b rdwr\n",
            "  write b 0 4k seed=2\n",
            "  barrier dirty\n",
            "  write b 0 4k seed=3\n",
            "  fsync b\n",
            "task syncer1\n",
            "  barrier written\n",
            "  sync\n",
            "  barrier synced\n",
            "task syncer2\n",
            "  barrier dirty\n",
            "  sync\n");
    static final String SCHEDULE = "fl2:1162:0:dacd6b8a37e177d1:9.5*13.2.3*4.5*13.3*4.5*63.3.8.4.1.7.5.7*4.4*27.2*5.4*22.2*7.4*13.7*11.3*5.7*12.3*5.7*12.3*5.7*12.3*5.7*12.3*5.7*12.3*5.7*12.3*5.7*9.3*5.7*5.4*8.7*5.5*29.7.9.7.6.5.9.5.6*39.8*6.4*58.8*14.4*3.6*33::7e551c06";

    @Test
    void replaysToTheCapturedFailure() {
        Reproducer.Result r = Reproducer.replay(NAME, WORKLOAD, KERNEL, PATCHES, SCHEDULE, 200000L);
        assertEquals("BUG", r.kind(), r::report);
        assertEquals("kernel BUG at mm/page-writeback.c!", r.title(), r::report);
    }
}
